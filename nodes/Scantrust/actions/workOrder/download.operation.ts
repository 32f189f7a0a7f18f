import { createReadStream } from 'node:fs';

import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { openCodesArchive, type CodesArchive } from '../../codes/archive';
import { splitCodesCsv, type CodesBatch, type SplitCodesCsvOptions } from '../../codes/codesCsv';
import { DataError } from '../../codes/DataError';
import { withDownloadedFile } from '../../transport/download';
import { getWaitSettings, waitFields } from '../waitFields';
import { runForEachItem } from '../items';
import { numericId } from '../validate';
import { workOrderIdField } from './fields';
import {
	codesNeverReady,
	codesReady,
	describeState,
	getWorkOrder,
	neverReadyError,
	notReadyHint,
	waitForCodes,
	type WorkOrder,
} from '../../api/workOrders';

interface DownloadOptions {
	batchCsv?: boolean;
	codesInJson?: boolean;
	manifest?: boolean;
	sampleImage?: boolean;
}

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['workOrder'], operation: ['download'] } },
	[
		workOrderIdField,
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'One Item per Batch',
					value: 'batches',
					description: 'One item per batch of up to 20,000 codes with its count, first and last sequence numbers, and the codes as a CSV file',
				},
				{
					name: 'One Item per Code',
					value: 'codes',
					description: 'One item per code with its work order, batch, extended ID, serial number, sequence number and URL (n8n holds every code as JSON: slow for large orders)',
				},
				{
					name: 'Archive File',
					value: 'archive',
					description: 'One item with the zip archive as it comes from Scantrust (checked to be a zip with codes.csv), in the binary property "data"',
				},
			],
			default: 'batches',
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			displayOptions: { hide: { output: ['archive'] } },
			options: [
				{
					displayName: 'Batch CSV File',
					name: 'batchCsv',
					type: 'boolean',
					default: true,
					description:
						'Whether to attach each batch\'s codes as a CSV file in the binary property "data", ready for an e-mail or FTP node (batches output only)',
				},
				{
					displayName: 'Codes in JSON',
					name: 'codesInJson',
					type: 'boolean',
					default: false,
					description:
						'Whether each batch item also lists its codes in the "codes" field (batches output only); n8n then holds every code as JSON, which makes large orders slow and memory-hungry',
				},
				{
					displayName: 'Manifest',
					name: 'manifest',
					type: 'boolean',
					default: true,
					description:
						'Whether to add the manifest file of the archive (work order settings, equipment, code type), parsed in the "manifest" field and as the binary property "manifest"',
				},
				{
					displayName: 'Sample Image',
					name: 'sampleImage',
					type: 'boolean',
					default: true,
					description: 'Whether to attach the reference image sample_qr.tiff as the binary property "sampleImage"',
				},
			],
		},
		...waitFields('the codes are ready to download', true),
	],
);

/** The manifest and sample image, prepared once per work order and shared by its items. */
async function archiveExtras(
	ctx: IExecuteFunctions,
	archive: CodesArchive,
	options: DownloadOptions,
	workOrderId: number,
	itemIndex: number,
): Promise<{ json: IDataObject; binary: Record<string, IBinaryData> }> {
	const json: IDataObject = {};
	const binary: Record<string, IBinaryData> = {};
	if (options.manifest) {
		const manifest = await archive.manifest();
		if (manifest) {
			try {
				json.manifest = JSON.parse(manifest.toString('utf8')) as IDataObject;
			} catch (error) {
				throw new NodeOperationError(
					ctx.getNode(),
					`Item ${itemIndex}: manifest.json of work order ${workOrderId} is not valid JSON (${(error as Error).message})`,
					{ itemIndex, description: 'Turn off the "Manifest" option to download the codes anyway, and tell Scantrust support.' },
				);
			}
			binary.manifest = await ctx.helpers.prepareBinaryData(manifest, 'manifest.json', 'application/json');
		}
	}
	if (options.sampleImage) {
		const sample = await archive.sampleImage();
		if (sample) binary.sampleImage = await ctx.helpers.prepareBinaryData(sample.data, sample.name, 'image/tiff');
	}
	return { json, binary };
}

/**
 * Splits the archive's codes.csv as it is unpacked. The checksum comes at the end of the stream, so a damaged archive
 * may first show up as text that is not codes: then the rest is unpacked to tell a damaged archive from a bad file.
 */
async function splitArchiveCodes(
	archive: CodesArchive,
	onBatch: (batch: CodesBatch) => Promise<void> | void,
	options: SplitCodesCsvOptions,
): Promise<void> {
	let failure: unknown;
	try {
		await splitCodesCsv(archive.codesCsv(), onBatch, options);
		return;
	} catch (error) {
		failure = error;
	}
	if (failure instanceof DataError) {
		for await (const piece of archive.codesCsv()) void piece; // throws if the archive is damaged
	}
	throw failure;
}

/** Batch files being stored at once: enough to keep the disk busy, few enough to hold only a few batches. */
const BATCH_FILES_IN_FLIGHT = 3;

/**
 * Memory for batch files, used again once n8n has stored the file it held (n8n keeps a copy or the file, not the
 * buffer): a million codes would otherwise allocate about 64 MB of new buffers, and every 64 MB makes V8 mark the
 * whole of n8n's heap.
 */
class BatchFileBuffers {
	private readonly free: ArrayBuffer[] = [];

	take = (bytes: number): Buffer => {
		const i = this.free.findIndex((memory) => memory.byteLength >= bytes);
		// Some room to spare: the next batch's file may be a few bytes longer (longer sequence numbers).
		const memory = i >= 0 ? this.free.splice(i, 1)[0] : new ArrayBuffer(bytes + (bytes >> 4));
		return Buffer.from(memory, 0, bytes);
	};

	give(file: Buffer): void {
		if (this.free.length <= BATCH_FILES_IN_FLIGHT) this.free.push(file.buffer as ArrayBuffer);
	}
}

/** The file name of a batch's CSV file. */
function batchFileName(workOrderId: number, batch: number): string {
	return `work-order-${workOrderId}-batch-${batch}.csv`;
}

/**
 * One item per batch. Each batch file goes to n8n's binary data store as soon as it is complete, while the next
 * batches are read; only the item (a few fields) stays, so memory does not grow with the order.
 */
async function batchItems(
	ctx: IExecuteFunctions,
	workOrderId: number,
	archive: CodesArchive,
	extras: { json: IDataObject; binary: Record<string, IBinaryData> },
	{ withCsv, withCodes }: { withCsv: boolean; withCodes: boolean },
): Promise<INodeExecutionData[]> {
	const items: INodeExecutionData[] = [];
	const storing: Array<Promise<unknown>> = [];
	const buffers = new BatchFileBuffers();
	const store = async (batch: CodesBatch, item: INodeExecutionData) => {
		const fileName = batchFileName(workOrderId, batch.batch);
		item.binary = { ...extras.binary, data: await ctx.helpers.prepareBinaryData(batch.csv!, fileName, 'text/csv') };
		buffers.give(batch.csv!);
	};
	await splitArchiveCodes(
		archive,
		async (batch) => {
			const json: IDataObject = {
				workOrderId,
				batch: batch.batch,
				codeCount: batch.codeCount,
				firstSequenceNumber: batch.firstSequenceNumber,
				lastSequenceNumber: batch.lastSequenceNumber,
				firstExtendedId: batch.firstExtendedId,
				lastExtendedId: batch.lastExtendedId,
			};
			if (withCsv) json.fileName = batchFileName(workOrderId, batch.batch);
			if (withCodes) json.codes = batch.codes as unknown as IDataObject[];
			const item: INodeExecutionData = { json: Object.assign(json, extras.json) };
			if (Object.keys(extras.binary).length) item.binary = { ...extras.binary };
			items.push(item);
			if (withCsv) {
				// A few batch files are stored at once (each takes several file operations) while the next batch is read.
				if (storing.length >= BATCH_FILES_IN_FLIGHT) await storing.shift();
				const stored = store(batch, item);
				stored.catch(() => undefined); // awaited in turn or at the end
				storing.push(stored);
			}
		},
		{ csv: withCsv, codes: withCodes, csvBuffer: buffers.take },
	);
	await Promise.all(storing);
	return items;
}

/** One item per code: n8n holds every code as JSON, so this output grows with the order. */
async function codeItems(
	workOrderId: number,
	archive: CodesArchive,
	extras: { json: IDataObject; binary: Record<string, IBinaryData> },
): Promise<INodeExecutionData[]> {
	const items: INodeExecutionData[] = [];
	await splitArchiveCodes(
		archive,
		({ batch, codes }) => {
			for (const code of codes!) {
				items.push({
					json: {
						workOrderId,
						batch,
						extendedId: code.extendedId,
						serialNumber: code.serialNumber,
						sequenceNumber: code.sequenceNumber,
						url: code.url,
					},
				});
			}
		},
		{ csv: false, codes: true },
	);
	// A million copies of the manifest would help nobody: it goes on the first item only.
	if (items.length > 0) {
		Object.assign(items[0].json, extras.json);
		if (Object.keys(extras.binary).length) items[0].binary = extras.binary;
	}
	return items;
}

async function readyWorkOrder(ctx: IExecuteFunctions, id: number, itemIndex: number): Promise<WorkOrder> {
	const workOrder = await getWorkOrder(ctx, id, itemIndex);
	if (codesReady(workOrder)) return workOrder;
	if (codesNeverReady(workOrder)) throw neverReadyError(ctx, workOrder, itemIndex);
	const wait = getWaitSettings(ctx, itemIndex);
	if (wait.waitForCompletion) return await waitForCodes(ctx, workOrder, wait, itemIndex);
	throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: the codes of work order ${id} are not ready yet (${describeState(workOrder)})`, {
		itemIndex,
		description: `${notReadyHint(workOrder)}Turn on "Wait for Completion", or run again later.`,
	});
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const id = numericId(this, itemIndex, 'Work Order ID', this.getNodeParameter('workOrderId', itemIndex));
		const output = this.getNodeParameter('output', itemIndex) as 'batches' | 'codes' | 'archive';
		const options = this.getNodeParameter('options', itemIndex, {}) as DownloadOptions;
		const withCsv = options.batchCsv ?? true;
		const withCodes = options.codesInJson ?? false;
		if (output === 'batches' && !withCsv && !withCodes) {
			throw new NodeOperationError(this.getNode(), `Item ${itemIndex}: with "Batch CSV File" and "Codes in JSON" both off, the batches would hold no codes`, {
				itemIndex,
				description: 'Turn on at least one of the two options.',
			});
		}
		const workOrder = await readyWorkOrder(this, id, itemIndex);
		return await withDownloadedFile(
			this,
			String(workOrder.codegen_file),
			{
				what: `the codes of work order ${id}`,
				permission: 'workorder_download',
				name: 'Codes archive',
				expiredHint: 'The download link may have expired. Run the node again: it reads a fresh link from the work order.',
			},
			itemIndex,
			async (zip) => {
				// Opening reads only the zip's table of contents (nothing is inflated), so an error page answered with 200 is
				// caught here. The archive output hands the zip on packed: the unpacked-size limit is not its business.
				const archive = await openCodesArchive(zip.path, output === 'archive' ? { maxEntryBytes: Number.MAX_SAFE_INTEGER } : {});

				if (output === 'archive') {
					const reference = workOrder.reference === undefined || workOrder.reference === null ? '' : String(workOrder.reference);
					const fileName = `work-order-${id}${reference ? `-${reference}` : ''}.zip`.replace(/[^\w.-]+/g, '_');
					// n8n copies the file into its binary data store (or memory, in its default mode) before it is removed.
					const packed = createReadStream(zip.path);
					try {
						return [
							{
								json: { workOrderId: id, reference: workOrder.reference, fileName, fileSize: zip.size },
								binary: { data: await this.helpers.prepareBinaryData(packed, fileName, 'application/zip') },
							},
						];
					} finally {
						packed.destroy();
					}
				}

				const extras = await archiveExtras(this, archive, { manifest: true, sampleImage: true, ...options }, id, itemIndex);
				return output === 'codes'
					? await codeItems(id, archive, extras)
					: await batchItems(this, id, archive, extras, { withCsv, withCodes });
			},
		);
	});
}
