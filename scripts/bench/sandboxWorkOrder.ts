/**
 * The benchmarks' work order, from the Scantrust sandbox (test/sandbox) started in this process: a SID work order
 * with serial numbers (template 101) of 1,000,000 codes, generated, and its archive (`codegen_file`, on the
 * sandbox's storage origin) downloaded over HTTP into a temporary file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import { startSandbox, type Sandbox } from '../../test/sandbox';
import { mb } from './measure';

/** Seed template: SID, serial numbers, url prefix HTTPS://QR2.CH/Q/. */
export const BENCH_TEMPLATE = 101;

export interface SandboxWorkOrder {
	id: number;
	codes: number;
	/** The archive, downloaded from codegen_file. */
	zipPath: string;
	zipBytes: number;
}

export interface BenchSandbox {
	sandbox: Sandbox;
	/** A generated work order of `quantity` codes with its archive downloaded (see `addWorkOrder`). */
	addWorkOrder(quantity: number): Promise<SandboxWorkOrder>;
	/** Stops the sandbox and removes the downloaded archives. */
	close(): Promise<void>;
}

/** Starts the sandbox: no generation delay, a rate limit that a benchmark never reaches. */
export async function startBenchSandbox(log: (line: string) => void = () => undefined): Promise<BenchSandbox> {
	const sandbox = await startSandbox({ generationDelayMs: 0, ingestionDelayMs: 0, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
	const files: string[] = [];
	return {
		sandbox,
		async addWorkOrder(quantity: number) {
			const started = performance.now();
			const workOrder = sandbox.createWorkOrder({ template: BENCH_TEMPLATE, quantity });
			sandbox.completeGeneration(workOrder.id);
			const url = sandbox.state.workOrders.find((wo) => wo.id === workOrder.id)?.codegen_file;
			if (!url) throw new Error(`sandbox work order ${workOrder.id} has no codegen_file after generation`);
			const zipPath = path.join(os.tmpdir(), `scantrust-bench-${process.pid}-wo${workOrder.id}.zip`);
			files.push(zipPath);
			// The storage origin builds the archive on the first GET and keeps it: later downloads (the node's) are served as is.
			const response = await fetch(url);
			if (!response.ok || !response.body) throw new Error(`GET codegen_file of work order ${workOrder.id}: HTTP ${response.status}`);
			await pipeline(Readable.fromWeb(response.body as WebReadableStream), fs.createWriteStream(zipPath));
			const zipBytes = fs.statSync(zipPath).size;
			log(
				`sandbox work order ${workOrder.id} (template ${BENCH_TEMPLATE}): ${quantity.toLocaleString('en-US')} codes, ` +
					`archive ${mb(zipBytes)} MB downloaded from codegen_file in ${Math.round(performance.now() - started)} ms`,
			);
			return { id: workOrder.id, codes: quantity, zipPath, zipBytes };
		},
		async close() {
			await sandbox.close();
			for (const file of files) fs.rmSync(file, { force: true });
		},
	};
}
