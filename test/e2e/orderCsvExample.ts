/** The example "order codes, download them per batch, write a CSV file per batch", as every end-to-end suite checks it. */
import * as fs from 'fs';
import * as path from 'path';

import type { RunData } from '../../scripts/n8n/instance';
import { EXAMPLE, nodeOutput } from '../../scripts/n8n/scantrust';
import { BATCH_SIZE, type Sandbox } from '../sandbox';

/** Codes ordered by the example here: two full batches and one of 5,000. */
export const ORDER_CSV_QUANTITY = 2 * BATCH_SIZE + 5_000;

/**
 * One work order of ORDER_CSV_QUANTITY codes; three batch items carrying their first and last codes and their file,
 * not every code as JSON; one CSV file per batch in `outDir`, read back, holding the batch's codes in order.
 */
export function expectOrderCsvRun(runData: RunData, sandbox: Sandbox, outDir: string): void {
	const created = nodeOutput(runData, EXAMPLE.orderCsv.create).map((i) => i.json);
	expect(created).toHaveLength(1);
	const id = Number(created[0].id);
	expect(sandbox.state.workOrders.filter((w) => w.id === id)).toEqual([expect.objectContaining({ quantity: ORDER_CSV_QUANTITY })]);

	const codes = sandbox.codesFor(id);
	const batches = nodeOutput(runData, EXAMPLE.orderCsv.download).map((i) => i.json);
	expect(batches.map((b) => [b.workOrderId, b.batch, b.codeCount])).toEqual([
		[id, 1, BATCH_SIZE],
		[id, 2, BATCH_SIZE],
		[id, 3, 5_000],
	]);
	expect(batches[0]).toEqual(
		expect.objectContaining({
			firstExtendedId: codes[0].extendedId,
			firstSequenceNumber: codes[0].sequenceNumber,
			lastExtendedId: codes[BATCH_SIZE - 1].extendedId,
			lastSequenceNumber: codes[BATCH_SIZE - 1].sequenceNumber,
			fileName: `work-order-${id}-batch-1.csv`,
		}),
	);
	expect(batches[0]).not.toHaveProperty('codes');

	const written = nodeOutput(runData, EXAMPLE.orderCsv.write).map((i) => String(i.json.fileName));
	expect(written).toEqual([1, 2, 3].map((b) => path.join(outDir, `work-order-${id}-batch-${b}.csv`)));
	let offset = 0;
	for (const [index, file] of written.entries()) {
		const rows = fs.readFileSync(file, 'utf8').trimEnd().split(/\r?\n/).slice(1);
		expect(rows).toHaveLength(Number(batches[index].codeCount));
		expect(rows[0].split(',')[0]).toBe(codes[offset].extendedId);
		expect(rows[rows.length - 1].split(',')[0]).toBe(codes[offset + rows.length - 1].extendedId);
		offset += rows.length;
	}
	expect(offset).toBe(ORDER_CSV_QUANTITY);
}
