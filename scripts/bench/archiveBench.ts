/**
 * Benchmark of the codes archive reader against the bare minimum an implementation could do.
 *
 *   bare: adm-zip unzip + csv-parse `parse(buffer)` (sync, default options) of codes.csv -> arrays of strings
 *   ours: openCodesArchive + parseCodesCsv -> codes split per batch (the Download operation's parse-and-split stage)
 *
 * on the archive of a work order of 1,000,000 codes from the Scantrust sandbox (test/sandbox, started in this
 * process: template 101, SID with serial numbers; `codegen_file` downloaded over HTTP into a temporary file; see
 * sandboxWorkOrder.ts). Each run of each variant is a child process of its own (`node --expose-gc`), so that
 * memory figures do not contaminate each other (measure.ts). In the child:
 *   - time: wall time of the operation only (performance.now()), the zip already read into memory;
 *   - peak RSS: a worker thread samples process.memoryUsage.rss() every 2 ms (process-wide, so it sees the main
 *     thread's work while that thread is blocked in synchronous code), cross-checked with the kernel's own peak
 *     (VmHWM, reset through /proc/self/clear_refs before the operation, on Linux); minus RSS at start;
 *   - heap: heapUsed + external of the main isolate (external already includes arrayBuffers, so they are not added
 *     twice). The main thread cannot be sampled while it runs synchronous code, so this is the largest value seen at
 *     the checkpoints between phases (after unzip, after parse, after split), minus the value at start;
 *   - retained: heapUsed + external after a full GC with the result still held: what the output costs downstream.
 * Time and memory figures are the medians over the runs. PASS/FAIL: ours <= 1.2x bare time, <= 2x bare peak RSS.
 *
 * Standalone: node build/scripts/bench/archiveBench.js [--codes 1000000] [--runs 3] [--quoted] [--zip file.zip]
 * (build first: npx tsc -p scripts/bench). --zip measures that archive instead of the sandbox's; --quoted also
 * measures both on a copy whose codes.csv quotes every value (our csv-parse fallback). Exits 1 when a check fails.
 */
import AdmZip from 'adm-zip';
import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';

import { openCodesArchive } from '../../nodes/Scantrust/codes/archive';
import { parseCodesCsv, renderBatchCsv, type CodesCsv } from '../../nodes/Scantrust/codes/codesCsv';
import {
	argValue,
	childMain,
	compiledScript,
	formatTable,
	heapNow,
	mb,
	measureInChild,
	median,
	numberArg,
	requireGc,
	startPeakRssProbe,
} from './measure';
import { startBenchSandbox } from './sandboxWorkOrder';

export const TIME_RATIO_LIMIT = 1.2;
export const MEMORY_RATIO_LIMIT = 2;

export type Implementation = 'bare' | 'ours';

export interface ArchiveBenchOptions {
	/** Codes in the sandbox work order (when no zipPath is given). Default 1,000,000. */
	codes?: number;
	/** Runs per variant (the median is reported). Default 3. */
	runs?: number;
	/** Also measure both on a copy of the archive whose codes.csv quotes every value (our csv-parse fallback). */
	quoted?: boolean;
	/** Measure this archive (e.g. one a sandbox shared with other benchmarks produced) instead of starting a sandbox. */
	zipPath?: string;
	/** Print progress and the table (default true). */
	print?: boolean;
}

/** What one child process measures (bytes and milliseconds). */
export interface ChildMeasurement {
	implementation: Implementation;
	timeMs: number;
	phasesMs: Record<string, number>;
	peakRssBytes: number;
	peakHeapBytes: number;
	retainedBytes: number;
	codes: number;
	batches: number;
	/** ours only, not timed with the rest: renderBatchCsv for every batch. */
	renderAllBatchesMs?: number;
}

export interface VariantSummary {
	name: string;
	implementation: Implementation;
	runs: ChildMeasurement[];
	timeMs: number;
	peakRssBytes: number;
	peakHeapBytes: number;
	retainedBytes: number;
	phasesMs: Record<string, number>;
}

export interface ArchiveBenchReport {
	zipBytes: number;
	codesCsvBytes: number;
	codes: number;
	variants: VariantSummary[];
	checks: { name: string; ratio: number; limit: number; pass: boolean }[];
	pass: boolean;
}

export async function runArchiveBench(options: ArchiveBenchOptions = {}): Promise<ArchiveBenchReport> {
	const codes = options.codes ?? 1_000_000;
	const runs = Math.max(1, options.runs ?? 3);
	const print = options.print ?? true;
	const log = (line: string) => print && console.log(line);

	const script = compiledScript(__filename);

	const archives: { label: string; file: string }[] = [];
	const temporary: string[] = [];
	const bench = options.zipPath ? undefined : await startBenchSandbox(log);
	try {
		const zipPath = options.zipPath ?? (await bench!.addWorkOrder(codes)).zipPath;
		archives.push({ label: '', file: zipPath });
		if (options.quoted) {
			const started = performance.now();
			const file = zipPath.replace(/(\.zip)?$/, '-quoted.zip');
			fs.writeFileSync(file, quoteEveryValue(fs.readFileSync(zipPath)));
			temporary.push(file);
			archives.push({ label: ' (quoted)', file });
			log(`quoted copy ${file}: ${mb(fs.statSync(file).size)} MB in ${Math.round(performance.now() - started)} ms`);
		}

		const first = fs.readFileSync(archives[0].file);
		const csvBytes = openCodesArchive(first).entries.find((e) => e.name === 'codes.csv')?.size ?? 0;
		const variants: VariantSummary[] = [];
		for (const archive of archives) {
			const measured: Record<Implementation, ChildMeasurement[]> = { bare: [], ours: [] };
			for (let run = 0; run < runs; run++) {
				// Alternate the variants so that drift of the machine hits both alike.
				for (const implementation of run % 2 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const)) {
					const m = await measureInChild<ChildMeasurement>(script, [implementation, archive.file]);
					measured[implementation].push(m);
					log(
						`  run ${run + 1}/${runs} ${implementation}${archive.label}: ${Math.round(m.timeMs)} ms, peak RSS +${mb(m.peakRssBytes)} MB, heap +${mb(m.peakHeapBytes)} MB`,
					);
				}
			}
			for (const implementation of ['bare', 'ours'] as const) {
				variants.push(summarize(`${implementation}${archive.label}`, implementation, measured[implementation]));
			}
		}

		const checks: ArchiveBenchReport['checks'] = [];
		for (let i = 0; i < variants.length; i += 2) {
			const [bare, ours] = [variants[i], variants[i + 1]];
			const suffix = bare.name.slice('bare'.length);
			const time = ours.timeMs / bare.timeMs;
			const memory = ours.peakRssBytes / bare.peakRssBytes;
			checks.push({ name: `time${suffix}`, ratio: time, limit: TIME_RATIO_LIMIT, pass: time <= TIME_RATIO_LIMIT });
			checks.push({ name: `peak memory${suffix}`, ratio: memory, limit: MEMORY_RATIO_LIMIT, pass: memory <= MEMORY_RATIO_LIMIT });
		}
		const report: ArchiveBenchReport = {
			zipBytes: first.length,
			codesCsvBytes: csvBytes,
			codes: variants[1].runs[0].codes,
			variants,
			checks,
			pass: checks.every((c) => c.pass),
		};
		if (print) printReport(report, runs);
		return report;
	} finally {
		for (const file of temporary) fs.rmSync(file, { force: true });
		await bench?.close(); // also removes the sandbox's archive
	}
}

/** The archive with codes.csv rewritten so that every value is in double quotes (values hold no quote or comma). */
export function quoteEveryValue(zip: Buffer): Buffer {
	const archive = new AdmZip(zip);
	const entry = archive.getEntries().find((e) => e.name === 'codes.csv');
	if (!entry) throw new Error('the archive has no codes.csv');
	const lines = entry.getData().toString('utf8').split('\n');
	for (let i = 0; i < lines.length; i++) {
		if (lines[i] === '') continue;
		const cr = lines[i].endsWith('\r') ? '\r' : '';
		lines[i] = `"${lines[i].slice(0, lines[i].length - cr.length).split(',').join('","')}"${cr}`;
	}
	archive.updateFile(entry, Buffer.from(lines.join('\n'), 'utf8'));
	return archive.toBuffer();
}

function summarize(name: string, implementation: Implementation, runs: ChildMeasurement[]): VariantSummary {
	const phases: Record<string, number> = {};
	for (const phase of Object.keys(runs[0].phasesMs)) phases[phase] = median(runs.map((r) => r.phasesMs[phase]));
	return {
		name,
		implementation,
		runs,
		timeMs: median(runs.map((r) => r.timeMs)),
		peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
		peakHeapBytes: median(runs.map((r) => r.peakHeapBytes)),
		retainedBytes: median(runs.map((r) => r.retainedBytes)),
		phasesMs: phases,
	};
}

function printReport(report: ArchiveBenchReport, runs: number): void {
	console.log(
		`\ncodes archive: ${report.codes.toLocaleString('en-US')} codes, zip ${mb(report.zipBytes)} MB, codes.csv ${mb(report.codesCsvBytes)} MB; median of ${runs} run(s), one child process each\n`,
	);
	const rows = [['variant', 'time ms', 'x bare', 'peak RSS MB', 'x bare', 'peak heap MB', 'retained MB', 'phases ms']];
	for (const v of report.variants) {
		const bare = report.variants.find((b) => b.implementation === 'bare' && b.name.slice(4) === v.name.slice(4))!;
		rows.push([
			v.name,
			String(Math.round(v.timeMs)),
			(v.timeMs / bare.timeMs).toFixed(2),
			mb(v.peakRssBytes),
			(v.peakRssBytes / bare.peakRssBytes).toFixed(2),
			mb(v.peakHeapBytes),
			mb(v.retainedBytes),
			Object.entries(v.phasesMs)
				.map(([k, ms]) => `${k} ${Math.round(ms)}`)
				.join(', '),
		]);
	}
	for (const line of formatTable(rows, [0, 7])) console.log(line);
	for (const v of report.variants) {
		const render = v.runs.map((r) => r.renderAllBatchesMs).filter((ms): ms is number => ms !== undefined);
		if (render.length) {
			console.log(`${v.name}: renderBatchCsv of all ${v.runs[0].batches} batches (not in the figures above): ${Math.round(median(render))} ms`);
		}
	}
	console.log('');
	for (const c of report.checks) {
		console.log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ours/bare = ${c.ratio.toFixed(2)} (limit ${c.limit})`);
	}
}

// ---------------------------------------------------------------- child process

async function child(implementation: Implementation, zipFile: string): Promise<void> {
	const gc = requireGc();
	const zip = fs.readFileSync(zipFile);
	const probe = await startPeakRssProbe(gc);
	const { startRss, startHeap } = probe;

	let peakHeap = startHeap;
	const phasesMs: Record<string, number> = {};
	let last = performance.now();
	const checkpoint = (phase: string) => {
		const now = performance.now();
		phasesMs[phase] = now - last;
		last = now;
		peakHeap = Math.max(peakHeap, heapNow());
	};

	const started = performance.now();
	const { result, codes, batches } = operate(implementation, zip, checkpoint);
	const timeMs = performance.now() - started;

	const peakRss = await probe.stop();
	gc();
	gc();
	const retained = heapNow() - startHeap;
	if (!result) throw new Error('no result'); // the result stays alive up to here
	const measurement: ChildMeasurement = {
		implementation,
		timeMs,
		phasesMs,
		peakRssBytes: peakRss - startRss,
		peakHeapBytes: peakHeap - startHeap,
		retainedBytes: retained,
		codes,
		batches,
	};
	if (implementation === 'ours') {
		// Not part of the comparison: the cost of one per-batch CSV attachment for every batch.
		const renderStarted = performance.now();
		for (const batch of (result as CodesCsv).batches) renderBatchCsv(batch);
		measurement.renderAllBatchesMs = performance.now() - renderStarted;
	}
	process.stdout.write(JSON.stringify(measurement) + '\n');
}

/**
 * The measured operation, in a synchronous function of its own: its intermediate buffers die when it returns
 * (locals of the async caller would live on in its generator across awaits and inflate the retained figure).
 */
function operate(
	implementation: Implementation,
	zip: Buffer,
	checkpoint: (phase: string) => void,
): { result: unknown; codes: number; batches: number } {
	if (implementation === 'bare') {
		const entry = new AdmZip(zip).getEntries().find((e) => e.name === 'codes.csv')!;
		const csv = entry.getData();
		checkpoint('unzip');
		const rows = parse(csv) as string[][];
		checkpoint('parse');
		return { result: rows, codes: rows.length, batches: 0 };
	}
	const csv = openCodesArchive(zip).codesCsv();
	checkpoint('unzip');
	const parsed = parseCodesCsv(csv);
	checkpoint('parse+split');
	return { result: parsed, codes: parsed.codeCount, batches: parsed.batches.length };
}

if (require.main === module) {
	const args = process.argv.slice(2);
	if (args[0] === '--child') {
		childMain(() => child(args[1] as Implementation, args[2]));
	} else {
		runArchiveBench({
			codes: numberArg(args, '--codes'),
			runs: numberArg(args, '--runs'),
			quoted: args.includes('--quoted'),
			zipPath: argValue(args, '--zip'),
		}).then(
			(report) => process.exit(report.pass ? 0 : 1),
			(error) => {
				console.error(error);
				process.exit(2);
			},
		);
	}
}
