/**
 * Benchmark of the codes archive reader against the floor: the least a script can do.
 *
 *   floor: floorSplit.ts: codes.csv found through the zip's central directory, inflated as a zlib stream, cut every
 *          20,000 lines into batch files written to disk; no CSV parsing, no checks;
 *   ours:  openCodesArchive + splitCodesCsv (the Download operation's default path): codes.csv streamed with the size
 *          limit and CRC-32 checked, every line checked (five columns, an extended ID, a whole batch number), batches
 *          cut at the batch number, each batch file written to disk as soon as it is complete;
 *   ours, codes in JSON: the same plus every code as an object (the "Codes in JSON" option; not in the checks).
 *
 * on the archive of a work order of 1,000,000 codes from the Scantrust sandbox (test/sandbox, started in this
 * process: template 101, SID with serial numbers; `codegen_file` downloaded over HTTP into a temporary file; see
 * sandboxWorkOrder.ts). Each run of each variant is a child process of its own (`node --expose-gc`), so that
 * memory figures do not contaminate each other (measure.ts). In the child:
 *   - time: wall time of the operation only (performance.now()), the zip already read into memory;
 *   - peak RSS: a worker thread samples process.memoryUsage.rss() every 2 ms, cross-checked with the kernel's own
 *     peak (VmHWM, reset through /proc/self/clear_refs before the operation, on Linux); minus RSS at start;
 *   - heap: heapUsed + external of the main isolate, largest value seen at the end of the run, minus the start;
 *   - retained: heapUsed + external after a full GC with the result still held: what the output costs downstream.
 * Time and memory figures are the medians over the runs. PASS/FAIL: ours <= 1.5x the floor's time, and ours' peak
 * RSS growth <= the floor's + 64 MB (both hold the packed zip; the difference is what the reader holds on top).
 *
 * Standalone: node build/scripts/bench/archiveBench.js [--codes 1000000] [--runs 3] [--quoted] [--zip file.zip]
 * (build first: npx tsc -p scripts/bench). --zip measures that archive instead of the sandbox's; --quoted also
 * measures both on a copy whose codes.csv quotes every value (our field-by-field path). Exits 1 when a check fails.
 */
import AdmZip from 'adm-zip';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { openCodesArchive } from '../../nodes/Scantrust/codes/archive';
import { splitCodesCsv } from '../../nodes/Scantrust/codes/codesCsv';
import { floorSplit } from './floorSplit';
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

export const TIME_RATIO_LIMIT = 1.5;
/** Peak RSS growth ours may have above the floor's, in bytes. */
export const MEMORY_MARGIN_BYTES = 64 * 1024 * 1024;

export type Implementation = 'floor' | 'ours' | 'ours, codes in JSON';
const IMPLEMENTATIONS: Implementation[] = ['floor', 'ours', 'ours, codes in JSON'];

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
	checks: { name: string; text: string; pass: boolean }[];
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

		const csvBytes = (await openCodesArchive(archives[0].file)).entries.find((e) => e.name === 'codes.csv')?.size ?? 0;
		const variants: VariantSummary[] = [];
		for (const archive of archives) {
			const measured = new Map<Implementation, ChildMeasurement[]>(IMPLEMENTATIONS.map((i) => [i, []]));
			for (let run = 0; run < runs; run++) {
				// Rotate the order so that drift of the machine hits all alike.
				for (let k = 0; k < IMPLEMENTATIONS.length; k++) {
					const implementation = IMPLEMENTATIONS[(k + run) % IMPLEMENTATIONS.length];
					const m = await measureInChild<ChildMeasurement>(script, [implementation, archive.file]);
					measured.get(implementation)!.push(m);
					log(
						`  run ${run + 1}/${runs} ${implementation}${archive.label}: ${Math.round(m.timeMs)} ms, peak RSS +${mb(m.peakRssBytes)} MB, heap +${mb(m.peakHeapBytes)} MB`,
					);
				}
			}
			for (const implementation of IMPLEMENTATIONS) {
				variants.push(summarize(`${implementation}${archive.label}`, implementation, measured.get(implementation)!));
			}
		}

		const checks: ArchiveBenchReport['checks'] = [];
		for (let i = 0; i < variants.length; i += IMPLEMENTATIONS.length) {
			const [floor, ours] = [variants[i], variants[i + 1]];
			const suffix = floor.name.slice('floor'.length);
			const time = ours.timeMs / floor.timeMs;
			const extra = ours.peakRssBytes - floor.peakRssBytes;
			checks.push({
				name: `time${suffix}`,
				text: `ours/floor = ${time.toFixed(2)} (limit ${TIME_RATIO_LIMIT})`,
				pass: time <= TIME_RATIO_LIMIT,
			});
			checks.push({
				name: `peak memory${suffix}`,
				text: `ours ${mb(ours.peakRssBytes)} MB, floor ${mb(floor.peakRssBytes)} MB (limit: floor + ${mb(MEMORY_MARGIN_BYTES)} MB)`,
				pass: extra <= MEMORY_MARGIN_BYTES,
			});
		}
		const report: ArchiveBenchReport = {
			zipBytes: fs.statSync(archives[0].file).size,
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
	const rows = [['variant', 'time ms', 'x floor', 'peak RSS MB', 'peak heap MB', 'retained MB', 'batch files']];
	for (const v of report.variants) {
		const floor = report.variants.find((b) => b.implementation === 'floor' && b.name.slice(5) === v.name.slice(v.implementation.length))!;
		rows.push([
			v.name,
			String(Math.round(v.timeMs)),
			(v.timeMs / floor.timeMs).toFixed(2),
			mb(v.peakRssBytes),
			mb(v.peakHeapBytes),
			mb(v.retainedBytes),
			String(v.runs[0].batches),
		]);
	}
	for (const line of formatTable(rows, [0])) console.log(line);
	console.log('');
	for (const c of report.checks) console.log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.text}`);
}

// ---------------------------------------------------------------- child process

async function child(implementation: Implementation, zipFile: string): Promise<void> {
	const gc = requireGc();
	const zip = fs.readFileSync(zipFile);
	const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scantrust-archive-bench-'));
	try {
		const probe = await startPeakRssProbe(gc);
		const started = performance.now();
		const { result, codes, batches } = await operate(implementation, zip, zipFile, outDir);
		const timeMs = performance.now() - started;
		const peakHeap = heapNow();
		const peakRss = await probe.stop();
		gc();
		gc();
		const retained = heapNow() - probe.startHeap;
		if (!result) throw new Error('no result'); // the result stays alive up to here
		const measurement: ChildMeasurement = {
			implementation,
			timeMs,
			phasesMs: {},
			peakRssBytes: peakRss - probe.startRss,
			peakHeapBytes: peakHeap - probe.startHeap,
			retainedBytes: retained,
			codes,
			batches,
		};
		process.stdout.write(JSON.stringify(measurement) + '\n');
	} finally {
		fs.rmSync(outDir, { recursive: true, force: true });
	}
}

/** The measured operation: the zip (the floor: in memory; ours: read from its file, as the node does) to batch files on disk. */
async function operate(implementation: Implementation, zip: Buffer, zipFile: string, outDir: string): Promise<{ result: unknown; codes: number; batches: number }> {
	if (implementation === 'floor') {
		const { lines, files } = await floorSplit(zip, outDir);
		return { result: files, codes: lines, batches: files };
	}
	// As the node does: one batch file being written while the next batch is read.
	const withCodes = implementation === 'ours, codes in JSON';
	const held: unknown[] = [];
	let writing: Promise<void> = Promise.resolve();
	const summary = await splitCodesCsv(
		(await openCodesArchive(zipFile)).codesCsv(),
		async (batch) => {
			await writing;
			writing = fs.promises.writeFile(path.join(outDir, `batch-${batch.batch}.csv`), batch.csv!);
			held.push(withCodes ? { batch: batch.batch, codes: batch.codes } : { batch: batch.batch, codeCount: batch.codeCount });
		},
		{ codes: withCodes },
	);
	await writing;
	return { result: held, codes: summary.codeCount, batches: summary.batchCount };
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
