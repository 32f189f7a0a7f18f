/**
 * Benchmark of the own-codes (ingestion) file builder on a CSV of 1,000,000 codes
 * (columns id, product, activation_status, pallet_number; about 40 MB).
 *
 * Variants, each run in a child process of its own (`node --expose-gc`) so memory figures do not mix:
 *   bare:  csv-parse `parse(buffer)` (sync) into arrays of strings, nothing else: the floor for reading the file;
 *   ours:  buildFromFile(data, 'csv'): delimiter detection, the same csv-parse, every id and activation_status
 *          checked, duplicates, and the upload CSV written (one file);
 *   ours split: the same with a 10 MB file limit, so the output is several files with a header each;
 *   bare ; / ours ;: the same file separated by semicolons (Excel in much of Europe), which ours writes back with
 *          commas (the comma file, when it fits in one upload file, goes up as it is).
 * Target: ours within 1.5x the time of bare on the same file (PASS/FAIL printed with the ratio, for both files).
 *
 * Measured in the child, the CSV already read into memory:
 *   - time: wall time of the call (performance.now());
 *   - peak RSS: a worker thread samples process.memoryUsage.rss() every 2 ms (RSS is process-wide, so the worker
 *     sees the main thread's memory while that thread is blocked in the synchronous call), cross-checked with the
 *     kernel's peak (VmHWM, reset through /proc/self/clear_refs, Linux); minus the RSS before the call;
 *   - heap: heapUsed + external (external includes arrayBuffers) of the main isolate right after the call, before
 *     any GC, minus the value before the call. A synchronous call cannot be sampled from inside its own isolate
 *     (no timer runs until it returns), so the process-wide RSS is the peak figure; this one shows what the call
 *     left on the heap;
 *   - retained: heapUsed + external after a full GC with the result still held (what the output costs later).
 * Reported: the median over the runs (default 3) of each figure, and the input size.
 *
 * Standalone: npx tsc -p scripts/bench && node build/scripts/bench/ownCodesBench.js [--rows 1000000] [--runs 3]
 * From code (e.g. a top-level `npm run bench`): `await runOwnCodesBench()` returns the figures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';

import { buildFromFile } from '../../nodes/Scantrust/codes/ownCodes';
import { childMain, compiledScript, formatTable, heapNow, mb, measureInChild, median, numberArg, requireGc, startPeakRssProbe } from './measure';

export type OwnCodesVariant = 'bare' | 'ours' | 'ours split' | 'bare ;' | 'ours ;';

const VARIANTS: OwnCodesVariant[] = ['bare', 'ours', 'ours split', 'bare ;', 'ours ;'];

/** File limit of the "ours split" variant. */
export const SPLIT_BENCH_BYTES = 10 * 1024 * 1024;

export interface OwnCodesBenchOptions {
	/** Codes in the generated CSV. Default 1,000,000. */
	rows?: number;
	/** Runs per variant; the median is reported. Default 3. */
	runs?: number;
	/** Print progress and a table (default true). */
	print?: boolean;
}

/** One child process's figures (bytes, milliseconds). */
export interface OwnCodesChildMeasurement {
	variant: OwnCodesVariant;
	timeMs: number;
	peakRssBytes: number;
	heapAfterBytes: number;
	retainedBytes: number;
	codes: number;
	files: number;
	outputBytes: number;
}

export interface OwnCodesVariantSummary {
	variant: OwnCodesVariant;
	timeMs: number;
	peakRssBytes: number;
	heapAfterBytes: number;
	retainedBytes: number;
	files: number;
	outputBytes: number;
	runs: OwnCodesChildMeasurement[];
}

export interface OwnCodesBenchReport {
	rows: number;
	inputBytes: number;
	runs: number;
	variants: OwnCodesVariantSummary[];
	/** Median time of ours / median time of bare csv-parse, on the comma file and on the semicolon file. */
	timeRatio: number;
	semicolonTimeRatio: number;
	/** Both ratios <= MAX_TIME_RATIO. */
	pass: boolean;
}

/** Our validation may take at most this many times bare csv-parse's time on the same file. */
export const MAX_TIME_RATIO = 1.5;

/** The CSV of the benchmark: unique 14-character ids, a few products, statuses 0-2, 1,000 codes per pallet. */
export function makeOwnCodesCsv(rows: number, delimiter = ','): Buffer {
	const parts: string[] = [['id', 'product', 'activation_status', 'pallet_number'].join(delimiter) + '\n'];
	let chunk = '';
	let seed = 12345;
	for (let i = 0; i < rows; i++) {
		seed = (seed * 1103515245 + 12345) >>> 0;
		// index part keeps the ids unique, the random part makes them look like real ids
		const id = `${(seed % 1679616).toString(36).padStart(4, '0')}${i.toString(36).padStart(8, '0')}_X`;
		chunk += [id, `SKU-${(i % 50).toString().padStart(3, '0')}`, i % 3, `PAL${Math.floor(i / 1000)}`].join(delimiter) + '\n';
		if (chunk.length > 1 << 20) {
			parts.push(chunk);
			chunk = '';
		}
	}
	parts.push(chunk);
	return Buffer.from(parts.join(''), 'utf8');
}

export async function runOwnCodesBench(options: OwnCodesBenchOptions = {}): Promise<OwnCodesBenchReport> {
	const rows = options.rows ?? 1_000_000;
	const runs = Math.max(1, options.runs ?? 3);
	const print = options.print ?? true;
	const log = (line: string) => {
		if (print) console.log(line);
	};
	const script = compiledScript(__filename);
	const data = makeOwnCodesCsv(rows);
	const file = path.join(os.tmpdir(), `scantrust-owncodes-bench-${process.pid}-${rows}.csv`);
	const semicolonFile = file.replace(/\.csv$/, '-semicolon.csv');
	fs.writeFileSync(file, data);
	fs.writeFileSync(semicolonFile, makeOwnCodesCsv(rows, ';'));
	log(`generated ${file} (and with semicolons): ${rows.toLocaleString('en-US')} codes, ${mb(data.length)} MB`);
	try {
		const measured = new Map<OwnCodesVariant, OwnCodesChildMeasurement[]>(VARIANTS.map((v) => [v, []]));
		for (let run = 0; run < runs; run++) {
			// Rotate the order so that drift of the machine hits all variants alike.
			for (let k = 0; k < VARIANTS.length; k++) {
				const variant = VARIANTS[(k + run) % VARIANTS.length];
				const m = await measureInChild<OwnCodesChildMeasurement>(script, [variant, variant.endsWith(';') ? semicolonFile : file]);
				measured.get(variant)!.push(m);
				log(`  run ${run + 1}/${runs} ${variant}: ${Math.round(m.timeMs)} ms, peak RSS +${mb(m.peakRssBytes)} MB, heap after +${mb(m.heapAfterBytes)} MB`);
			}
		}
		const variants = VARIANTS.map((variant) => summarize(variant, measured.get(variant)!));
		const timeOf = (name: OwnCodesVariant) => variants.find((v) => v.variant === name)!.timeMs;
		const timeRatio = timeOf('ours') / timeOf('bare');
		const semicolonTimeRatio = timeOf('ours ;') / timeOf('bare ;');
		const pass = timeRatio <= MAX_TIME_RATIO && semicolonTimeRatio <= MAX_TIME_RATIO;
		const report: OwnCodesBenchReport = { rows, inputBytes: data.length, runs, variants, timeRatio, semicolonTimeRatio, pass };
		if (print) printReport(report);
		return report;
	} finally {
		fs.rmSync(file, { force: true });
		fs.rmSync(semicolonFile, { force: true });
	}
}

function summarize(variant: OwnCodesVariant, runs: OwnCodesChildMeasurement[]): OwnCodesVariantSummary {
	return {
		variant,
		timeMs: median(runs.map((r) => r.timeMs)),
		peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
		heapAfterBytes: median(runs.map((r) => r.heapAfterBytes)),
		retainedBytes: median(runs.map((r) => r.retainedBytes)),
		files: runs[0].files,
		outputBytes: runs[0].outputBytes,
		runs,
	};
}

function printReport(report: OwnCodesBenchReport): void {
	console.log(
		`\nown codes file: ${report.rows.toLocaleString('en-US')} codes, input CSV ${mb(report.inputBytes)} MB; median of ${report.runs} run(s), one child process each\n`,
	);
	const table = [['variant', 'time ms', 'rows/s', 's per 1M rows', 'x bare', 'peak RSS MB', 'heap after MB', 'retained MB', 'files', 'output MB']];
	for (const v of report.variants) {
		const bareMs = report.variants.find((b) => b.variant === (v.variant.endsWith(';') ? 'bare ;' : 'bare'))!.timeMs;
		table.push([
			v.variant,
			String(Math.round(v.timeMs)),
			Math.round(report.rows / (v.timeMs / 1000)).toLocaleString('en-US'),
			((v.timeMs / 1000) * (1_000_000 / report.rows)).toFixed(2),
			(v.timeMs / bareMs).toFixed(2),
			mb(v.peakRssBytes),
			mb(v.heapAfterBytes),
			mb(v.retainedBytes),
			String(v.files),
			v.variant.startsWith('bare') ? '-' : mb(v.outputBytes),
		]);
	}
	for (const line of formatTable(table)) console.log(line);
	console.log(
		`\nours / bare csv-parse (target <= ${MAX_TIME_RATIO}x): comma file ${report.timeRatio.toFixed(2)}x, semicolon file ${report.semicolonTimeRatio.toFixed(2)}x: ${report.pass ? 'PASS' : 'FAIL'}\n`,
	);
}

// ---------------------------------------------------------------- child process

/** The floor: csv-parse reading the file into arrays of strings, nothing checked, nothing written. */
function bare(data: Buffer, delimiter: string): { codes: number; result: unknown } {
	const records = parse(data, { delimiter }) as string[][];
	return { codes: records.length - 1, result: records };
}

async function child(variant: OwnCodesVariant, file: string): Promise<void> {
	const gc = requireGc();
	const data = fs.readFileSync(file);
	const probe = await startPeakRssProbe(gc);
	const { startRss, startHeap } = probe;

	const started = performance.now();
	let result: unknown;
	let codes = 0;
	let files = 0;
	let outputBytes = 0;
	if (variant.startsWith('bare')) {
		const r = bare(data, variant === 'bare' ? ',' : ';');
		codes = r.codes;
		result = r.result;
	} else {
		const r = buildFromFile(data, 'csv', {
			allowPostedDuplicates: false,
			maxFileBytes: variant === 'ours split' ? SPLIT_BENCH_BYTES : undefined,
		});
		codes = r.codeCount;
		files = r.files.length;
		outputBytes = r.files.reduce((n, f) => n + f.length, 0);
		result = r;
	}
	const timeMs = performance.now() - started;
	const heapAfter = heapNow() - startHeap;

	const peakRss = await probe.stop();
	gc();
	gc();
	const retained = heapNow() - startHeap;
	const measurement: OwnCodesChildMeasurement = {
		variant,
		timeMs,
		peakRssBytes: peakRss - startRss,
		heapAfterBytes: heapAfter,
		retainedBytes: retained,
		codes,
		files,
		outputBytes,
	};
	if (result === undefined) throw new Error('no result'); // keeps the result alive up to here
	process.stdout.write(JSON.stringify(measurement) + '\n');
}

if (require.main === module) {
	const args = process.argv.slice(2);
	if (args[0] === '--child') {
		childMain(() => child(args[1] as OwnCodesVariant, args[2]));
	} else {
		runOwnCodesBench({ rows: numberArg(args, '--rows'), runs: numberArg(args, '--runs') }).catch((error) => {
			console.error(error);
			process.exit(2);
		});
	}
}
