/**
 * Benchmark of Code Upload > Upload for 1,000,000 own codes, end to end through the real operation code
 * path: the Scantrust node runs inside n8n-core's WorkflowExecute (test/helpers/n8nHarness) against the
 * sandbox started in this process (real HTTP on 127.0.0.1, presigned storage upload, process, polling).
 *
 * Variants (each on a freshly reset sandbox, so ids are new to it):
 *   file:  one input item with the CSV as binary `data` (about 40 MB, from ownCodesBench's makeOwnCodesCsv);
 *   items: the same codes as 1,000,000 input items {id, product, activation_status, pallet_number}.
 *
 * Phases, from the moments the sandbox received the requests (RecordedRequest.at is taken once a request's
 * body has been read completely):
 *   validate + build   node start -> the first POST to the API arrives, the one that creates the ingestion
 *                      record (add-sids in the default flow, get-post-data in the legacy one): reading
 *                      parameters and binary data, checking every code, building the upload CSV happen before;
 *   storage upload     that POST arrives -> the storage has the whole multipart body (includes its round trip
 *                      and assembling the form);
 *   process + wait     storage upload done -> the node returns (process call, polling every 0.2 s; the
 *                      sandbox parses and checks the 1,000,000 rows itself in this phase, in this process);
 *   total              node start -> node returns.
 * Peak memory of the validate-and-build step is measured by ownCodesBench (child processes); this benchmark
 * runs it once on the same row count unless --no-build-bench is given, rather than measuring it again.
 *
 * Standalone: npx tsc -p tsconfig.tools.json && node build/scripts/bench/uploadBench.js [--rows 1000000]
 *   [--source file|items|both] [--no-build-bench]
 * From code: `await runUploadBench({ rows, source })` returns the figures.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { runScantrustNode } from '../../test/helpers/n8nHarness';
import { startSandbox, type Sandbox } from '../../test/sandbox';
import { makeOwnCodesCsv, runOwnCodesBench, type OwnCodesBenchReport } from './ownCodesBench';

export type UploadBenchSource = 'file' | 'items';

export interface UploadBenchOptions {
	/** Codes to upload. Default 1,000,000. */
	rows?: number;
	/** Which source(s) to measure. Default both. */
	source?: UploadBenchSource | 'both';
	/** Also run ownCodesBench (validate-and-build time and peak memory, one run). Default true. */
	buildBench?: boolean;
	/** Print progress and a table (default true). */
	print?: boolean;
}

export interface UploadBenchPhases {
	source: UploadBenchSource;
	validateAndBuildMs: number;
	storageUploadMs: number;
	processAndWaitMs: number;
	totalMs: number;
	/** Bytes of the upload file(s) the storage received (multipart bodies). */
	uploadedBytes: number;
	uploadFiles: number;
	codes: number;
}

export interface UploadBenchReport {
	rows: number;
	csvBytes: number;
	results: UploadBenchPhases[];
	buildBench?: OwnCodesBenchReport;
}

/** SKUs makeOwnCodesCsv uses (SKU-000 ... SKU-049): registered in the sandbox so the codes are valid there. */
function addBenchProducts(sandbox: Sandbox): void {
	for (let i = 0; i < 50; i++) {
		const sku = `SKU-${i.toString().padStart(3, '0')}`;
		if (!sandbox.state.products.some((p) => p.sku === sku)) {
			sandbox.state.products.push({ id: 90_000 + i, sku, name: `Bench product ${i}`, brand: { id: 1, name: 'Bench' } });
		}
	}
}

/** The CSV's rows as n8n items (strings, as a spreadsheet node would give them). */
function itemsFromCsv(csv: Buffer): INodeExecutionData[] {
	const lines = csv.toString('utf8').split('\n');
	const [header, ...rows] = lines;
	const names = header.split(',');
	const items: INodeExecutionData[] = [];
	for (const line of rows) {
		if (line === '') continue;
		const cells = line.split(',');
		const json: Record<string, string> = {};
		for (let c = 0; c < names.length; c++) json[names[c]] = cells[c];
		items.push({ json });
	}
	return items;
}

async function measure(sandbox: Sandbox, source: UploadBenchSource, csv: Buffer, rows: number): Promise<UploadBenchPhases> {
	sandbox.reset();
	addBenchProducts(sandbox);
	const input: INodeExecutionData[] =
		source === 'file'
			? [{ json: {}, binary: { data: { data: csv.toString('base64'), mimeType: 'text/csv', fileName: 'bench.csv' } } }]
			: itemsFromCsv(csv);
	const started = Date.now();
	const { output, error } = await runScantrustNode({
		parameters: {
			resource: 'codeUpload',
			operation: 'upload',
			source,
			waitForCompletion: true,
			waitTimeout: 600,
			pollInterval: 0.2,
		},
		credentials: { environment: 'custom', baseUrl: sandbox.apiUrl, token: sandbox.token },
		input,
	});
	const finished = Date.now();
	if (error) throw error;
	const codes = output.reduce((n, item) => n + Number(item.json.codeCount), 0);
	if (codes !== rows || output.some((item) => item.json.status !== 'finished')) {
		throw new Error(`unexpected result: ${JSON.stringify(output.map((item) => ({ ...item.json, record: undefined })))}`);
	}
	const requests = sandbox.requests;
	const created = requests.find((r) => r.origin === 'api' && r.method === 'POST');
	if (!created) throw new Error('no ingestion record was created');
	const storage = requests.filter((r) => r.origin === 'storage' && r.method === 'POST');
	return {
		source,
		validateAndBuildMs: created.at - started,
		storageUploadMs: storage[storage.length - 1].at - created.at,
		processAndWaitMs: finished - storage[storage.length - 1].at,
		totalMs: finished - started,
		uploadedBytes: storage.reduce((n, r) => n + (r.body?.length ?? 0), 0),
		uploadFiles: storage.length,
		codes,
	};
}

export async function runUploadBench(options: UploadBenchOptions = {}): Promise<UploadBenchReport> {
	const rows = options.rows ?? 1_000_000;
	const sources: UploadBenchSource[] = options.source === 'file' || options.source === 'items' ? [options.source] : ['file', 'items'];
	const print = options.print ?? true;
	const log = (line: string) => {
		if (print) console.log(line);
	};
	const csv = makeOwnCodesCsv(rows);
	log(`${rows.toLocaleString('en-US')} codes, CSV ${mb(csv.length)} MB`);
	const sandbox = await startSandbox({ ingestionDelayMs: 0, generationDelayMs: 0, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
	const results: UploadBenchPhases[] = [];
	try {
		for (const source of sources) {
			const result = await measure(sandbox, source, csv, rows);
			results.push(result);
			log(`  ${source}: total ${seconds(result.totalMs)} s`);
		}
	} finally {
		await sandbox.close();
	}
	const report: UploadBenchReport = { rows, csvBytes: csv.length, results };
	if (print) printReport(report);
	if (options.buildBench ?? true) report.buildBench = await runOwnCodesBench({ rows, runs: 1, print });
	return report;
}

function printReport(report: UploadBenchReport): void {
	console.log(`\nCode Upload > Upload, ${report.rows.toLocaleString('en-US')} codes through the node (n8n-core + sandbox, real HTTP)\n`);
	const table = [['source', 'validate+build s', 'storage upload s', 'process+wait s', 'total s', 'files', 'uploaded MB']];
	for (const r of report.results) {
		table.push([
			r.source,
			seconds(r.validateAndBuildMs),
			seconds(r.storageUploadMs),
			seconds(r.processAndWaitMs),
			seconds(r.totalMs),
			String(r.uploadFiles),
			mb(r.uploadedBytes),
		]);
	}
	const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
	for (const row of table) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
	console.log('');
}

function seconds(ms: number): string {
	return (ms / 1000).toFixed(2);
}

function mb(bytes: number): string {
	return (bytes / 1024 / 1024).toFixed(1);
}

function argValue(args: string[], name: string): string | undefined {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : undefined;
}

if (require.main === module) {
	const args = process.argv.slice(2);
	const rows = argValue(args, '--rows');
	runUploadBench({
		rows: rows ? Number(rows) : undefined,
		source: argValue(args, '--source') as UploadBenchOptions['source'],
		buildBench: !args.includes('--no-build-bench'),
	}).then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.exit(2);
		},
	);
}
