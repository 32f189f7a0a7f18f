/**
 * Benchmark of Work Order > Download end to end: the Scantrust node runs inside n8n-core's WorkflowExecute
 * (test/helpers/n8nHarness: real helpers, real HTTP) against the Scantrust sandbox, for a work order of
 * 1,000,000 codes (template 101, SID with serial numbers), output "One Item per Batch".
 *
 * The sandbox runs in this (parent) process, the node in a child process (`node --expose-gc`), one per run, so
 * that the sandbox's own memory (its state, the archive it serves) is not counted. The archive is built by the
 * sandbox before the first run (sandboxWorkOrder.ts downloads it once), so the runs measure serving it, not making it.
 *
 * Variants:
 *   default          default options: every batch item with its batch CSV file (binary "data"), the parsed
 *                    manifest and the manifest and sample image attachments;
 *   codes in JSON    option {codesInJson: true}: the same, plus every code as JSON in the batch items. The
 *                    difference between the two is the cost of the codes as JSON.
 * Binary data goes where n8n-core puts it by default (N8N_DEFAULT_BINARY_DATA_MODE unset: 'filesystem', a
 * temporary N8N_USER_FOLDER that is removed afterwards).
 *
 * In the child, first one warm-up run of the same variant on a small work order (2,000 codes), so that loading
 * n8n-core's lazily required modules and initialising its binary data service are not counted; then:
 *   - time: wall time of runScantrustNode (node start to the workflow's end: GET work order, GET codegen_file
 *     from the storage origin, unzip, parse and split, items and attachments);
 *   - peak RSS: sampled every 2 ms by a worker thread and the kernel's VmHWM (measure.ts), minus the RSS right
 *     before the run (after two full GCs);
 *   - retained: heapUsed + external after a full GC with the node's output still held;
 *   - items out, codes in them (checked against the work order's quantity), binary attachments.
 * Reported: the median over the runs (default 1).
 *
 * Standalone: npx tsc -p scripts/bench && node build/scripts/bench/downloadOperationBench.js [--codes 1000000] [--runs 1]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { childMain, compiledScript, formatTable, heapNow, mb, measureInChild, median, numberArg, requireGc, seconds, startPeakRssProbe } from './measure';
import { startBenchSandbox, type BenchSandbox, type SandboxWorkOrder } from './sandboxWorkOrder';

export type DownloadVariant = 'default' | 'codes in JSON';

const VARIANTS: DownloadVariant[] = ['default', 'codes in JSON'];

/** Codes of the warm-up work order. */
const WARM_UP_CODES = 2_000;

export interface DownloadOperationBenchOptions {
	/** Codes in the work order (when no workOrder is given). Default 1,000,000. */
	codes?: number;
	/** Runs per variant; the median is reported. Default 1. */
	runs?: number;
	/** A running sandbox to use (e.g. shared with archiveBench); default: one started and stopped here. */
	sandbox?: BenchSandbox;
	/** A generated work order of that sandbox; default: one of `codes` codes is created. */
	workOrder?: SandboxWorkOrder;
	/** Print progress and a table (default true). */
	print?: boolean;
}

/** One child process's figures (bytes, milliseconds). */
export interface DownloadChildMeasurement {
	variant: DownloadVariant;
	timeMs: number;
	peakRssBytes: number;
	retainedBytes: number;
	/** RSS before the run: what the child (node, n8n-core, our node, after the warm-up) holds anyway. */
	baselineRssBytes: number;
	items: number;
	codes: number;
	/** Binary properties over all output items. */
	attachments: number;
}

export interface DownloadVariantSummary {
	variant: DownloadVariant;
	timeMs: number;
	peakRssBytes: number;
	retainedBytes: number;
	baselineRssBytes: number;
	items: number;
	codes: number;
	attachments: number;
	runs: DownloadChildMeasurement[];
}

export interface DownloadOperationBenchReport {
	workOrderId: number;
	codes: number;
	zipBytes: number;
	runs: number;
	variants: DownloadVariantSummary[];
}

/** What the child needs to reach the sandbox (passed as one JSON argument). */
interface ChildTarget {
	apiUrl: string;
	token: string;
	workOrderId: number;
	warmUpWorkOrderId: number;
	codes: number;
}

export async function runDownloadOperationBench(options: DownloadOperationBenchOptions = {}): Promise<DownloadOperationBenchReport> {
	const runs = Math.max(1, options.runs ?? 1);
	const print = options.print ?? true;
	const log = (line: string) => {
		if (print) console.log(line);
	};
	const script = compiledScript(__filename);
	const bench = options.sandbox ?? (await startBenchSandbox(log));
	// Binary data of the children (batch CSVs) goes to the disk: a folder of our own, removed at the end.
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'scantrust-bench-n8n-'));
	try {
		const workOrder = options.workOrder ?? (await bench.addWorkOrder(options.codes ?? 1_000_000));
		const warmUp = await bench.addWorkOrder(WARM_UP_CODES);
		const target: ChildTarget = {
			apiUrl: bench.sandbox.apiUrl,
			token: bench.sandbox.token,
			workOrderId: workOrder.id,
			warmUpWorkOrderId: warmUp.id,
			codes: workOrder.codes,
		};
		const measured = new Map<DownloadVariant, DownloadChildMeasurement[]>(VARIANTS.map((v) => [v, []]));
		for (let run = 0; run < runs; run++) {
			for (let k = 0; k < VARIANTS.length; k++) {
				const variant = VARIANTS[(k + run) % VARIANTS.length];
				const m = await measureInChild<DownloadChildMeasurement>(script, [variant, JSON.stringify(target)], { N8N_USER_FOLDER: userFolder });
				measured.get(variant)!.push(m);
				log(
					`  run ${run + 1}/${runs} download ${variant}: ${seconds(m.timeMs)} s, peak RSS +${mb(m.peakRssBytes)} MB, ` +
						`${m.items} items, ${m.attachments} attachments`,
				);
			}
		}
		const report: DownloadOperationBenchReport = {
			workOrderId: workOrder.id,
			codes: workOrder.codes,
			zipBytes: workOrder.zipBytes,
			runs,
			variants: VARIANTS.map((variant) => summarize(variant, measured.get(variant)!)),
		};
		if (print) printReport(report);
		return report;
	} finally {
		fs.rmSync(userFolder, { recursive: true, force: true });
		if (!options.sandbox) await bench.close();
	}
}

function summarize(variant: DownloadVariant, runs: DownloadChildMeasurement[]): DownloadVariantSummary {
	return {
		variant,
		timeMs: median(runs.map((r) => r.timeMs)),
		peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
		retainedBytes: median(runs.map((r) => r.retainedBytes)),
		baselineRssBytes: median(runs.map((r) => r.baselineRssBytes)),
		items: runs[0].items,
		codes: runs[0].codes,
		attachments: runs[0].attachments,
		runs,
	};
}

function printReport(report: DownloadOperationBenchReport): void {
	console.log(
		`\nWork Order > Download (output: batches), work order ${report.workOrderId}: ${report.codes.toLocaleString('en-US')} codes, ` +
			`zip ${mb(report.zipBytes)} MB; through the node (n8n-core + sandbox, real HTTP); median of ${report.runs} run(s), one child process each\n`,
	);
	const table = [['options', 'time s', 'peak RSS MB', 'retained MB', 'baseline RSS MB', 'items', 'codes', 'attachments']];
	for (const v of report.variants) {
		table.push([
			v.variant,
			seconds(v.timeMs),
			mb(v.peakRssBytes),
			mb(v.retainedBytes),
			mb(v.baselineRssBytes),
			String(v.items),
			v.codes.toLocaleString('en-US'),
			String(v.attachments),
		]);
	}
	for (const line of formatTable(table)) console.log(line);
	const [files, json] = report.variants;
	console.log(`codes in JSON cost: +${seconds(json.timeMs - files.timeMs)} s, peak RSS +${mb(json.peakRssBytes - files.peakRssBytes)} MB\n`);
}

// ---------------------------------------------------------------- child process

function parametersFor(variant: DownloadVariant, workOrderId: number): INodeParameters {
	return {
		resource: 'workOrder',
		operation: 'download',
		workOrderId: String(workOrderId),
		output: 'batches',
		...(variant === 'codes in JSON' ? { options: { codesInJson: true } } : {}),
	};
}

async function download(variant: DownloadVariant, target: ChildTarget, workOrderId: number) {
	// Loaded here, in the child only: the parent (sandbox side) has no use for n8n-core.
	const { runScantrustNode } = await import('../../test/helpers/n8nHarness');
	const { output, error } = await runScantrustNode({
		parameters: parametersFor(variant, workOrderId),
		credentials: { environment: 'custom', baseUrl: target.apiUrl, token: target.token },
	});
	if (error) throw error;
	return output;
}

async function child(variant: DownloadVariant, target: ChildTarget): Promise<void> {
	const gc = requireGc();
	await download(variant, target, target.warmUpWorkOrderId);

	const probe = await startPeakRssProbe(gc);
	const started = performance.now();
	const output = await download(variant, target, target.workOrderId);
	const timeMs = performance.now() - started;
	const peakRss = await probe.stop();
	gc();
	gc();
	const retained = heapNow() - probe.startHeap;

	const codes = output.reduce((n, item) => n + Number((item.json as IDataObject).codeCount), 0);
	if (codes !== target.codes) throw new Error(`the node put out ${codes} codes, the work order has ${target.codes}`);
	const measurement: DownloadChildMeasurement = {
		variant,
		timeMs,
		peakRssBytes: peakRss - probe.startRss,
		retainedBytes: retained,
		baselineRssBytes: probe.startRss,
		items: output.length,
		codes,
		attachments: output.reduce((n, item) => n + Object.keys(item.binary ?? {}).length, 0),
	};
	process.stdout.write(JSON.stringify(measurement) + '\n');
}

if (require.main === module) {
	const args = process.argv.slice(2);
	if (args[0] === '--child') {
		childMain(() => child(args[1] as DownloadVariant, JSON.parse(args[2]) as ChildTarget));
	} else {
		runDownloadOperationBench({ codes: numberArg(args, '--codes'), runs: numberArg(args, '--runs') }).then(
			() => process.exit(0),
			(error) => {
				console.error(error);
				process.exit(2);
			},
		);
	}
}
