/**
 * `npm run bench`: every benchmark of the package, then one summary table with every figure.
 *
 *   1. codes archive (archiveBench): parse and split of a 1,000,000-code work order's archive from the sandbox,
 *      ours vs a bare adm-zip + csv-parse script; PASS/FAIL: time <= 1.2x bare, peak memory <= 2x bare;
 *   2. Work Order > Download end to end through n8n-core against the sandbox, same work order
 *      (downloadOperationBench), with default options and without attachments;
 *   3. own codes validate-and-build of 1,000,000 ids (ownCodesBench);
 *   4. Code Upload > Upload round trip of 1,000,000 ids against the sandbox (uploadBench);
 *   5. Work Order > Download of the same size in a real n8n (realN8nBench), against the figure of the chain a user
 *      builds without this package; PASS/FAIL: at least 5x faster, at most a third of its peak memory.
 * 1 and 2 share one sandbox (started here) and its work order; 4 starts its own.
 *
 * node build/scripts/bench/index.js [--codes 1000000] [--rows 1000000] [--runs 3] [--e2e-runs 1]
 *   [--only archive,download,owncodes,upload]
 *   --codes     codes of the work order (1, 2); --rows: ids of the own codes file (3, 4);
 *   --runs      runs per variant of the comparisons (1, 3), median reported; --e2e-runs: the same for 2.
 * Exit code 0: every check passed; 1: a check failed; 2: a benchmark could not run (the others still do).
 */
import type { ArchiveBenchReport } from './archiveBench';
import { runArchiveBench } from './archiveBench';
import { runDownloadOperationBench, type DownloadOperationBenchReport } from './downloadOperationBench';
import { argValue, formatTable, mb, numberArg, seconds } from './measure';
import { runOwnCodesBench, type OwnCodesBenchReport } from './ownCodesBench';
import { startBenchSandbox } from './sandboxWorkOrder';
import { runUploadBench, type UploadBenchReport } from './uploadBench';
import { formatRealN8nReport, runRealN8nBench, type RealN8nBenchFigures } from './realN8nBench';

const BENCHMARKS = ['archive', 'download', 'owncodes', 'upload', 'n8n'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

export interface BenchOptions {
	codes?: number;
	rows?: number;
	runs?: number;
	e2eRuns?: number;
	only?: Benchmark[];
}

export interface BenchResults {
	archive?: ArchiveBenchReport;
	download?: DownloadOperationBenchReport;
	ownCodes?: OwnCodesBenchReport;
	upload?: UploadBenchReport;
	realN8n?: RealN8nBenchFigures;
	errors: { benchmark: Benchmark; error: unknown }[];
	elapsedMs: number;
}

function heading(title: string): void {
	console.log(`\n=== ${title} ${'='.repeat(Math.max(3, 100 - title.length))}\n`);
}

export async function runAllBenchmarks(options: BenchOptions = {}): Promise<BenchResults> {
	const started = performance.now();
	const codes = options.codes ?? 1_000_000;
	const rows = options.rows ?? 1_000_000;
	const selected = new Set<Benchmark>(options.only ?? BENCHMARKS);
	const results: BenchResults = { errors: [], elapsedMs: 0 };
	const attempt = async (benchmark: Benchmark, run: () => Promise<void>) => {
		try {
			await run();
		} catch (error) {
			console.error(`\n${benchmark} benchmark failed to run:`, error);
			results.errors.push({ benchmark, error });
		}
	};

	if (selected.has('archive') || selected.has('download')) {
		heading(`sandbox work order of ${codes.toLocaleString('en-US')} codes`);
		const bench = await startBenchSandbox((line) => console.log(line));
		try {
			const workOrder = await bench.addWorkOrder(codes);
			if (selected.has('archive')) {
				heading('codes archive: parse and split, ours vs bare adm-zip + csv-parse');
				await attempt('archive', async () => {
					results.archive = await runArchiveBench({ zipPath: workOrder.zipPath, runs: options.runs ?? 3 });
				});
			}
			if (selected.has('download')) {
				heading('Work Order > Download, end to end through n8n-core');
				await attempt('download', async () => {
					results.download = await runDownloadOperationBench({ sandbox: bench, workOrder, runs: options.e2eRuns ?? 1 });
				});
			}
		} finally {
			await bench.close();
		}
	}
	if (selected.has('owncodes')) {
		heading('own codes: validate and build the upload file');
		await attempt('owncodes', async () => {
			results.ownCodes = await runOwnCodesBench({ rows, runs: options.runs ?? 3 });
		});
	}
	if (selected.has('upload')) {
		heading('Code Upload > Upload, round trip against the sandbox');
		await attempt('upload', async () => {
			// validate-and-build is measured by the own codes benchmark above
			results.upload = await runUploadBench({ rows, buildBench: false });
		});
	}
	if (selected.has('n8n')) {
		heading('Work Order > Download in a real n8n, against the chain without this package');
		await attempt('n8n', async () => {
			results.realN8n = await runRealN8nBench({ quantity: codes, log: (line) => console.log(line) });
			console.log('\n' + formatRealN8nReport(results.realN8n));
		});
	}
	results.elapsedMs = performance.now() - started;
	return results;
}

/** Every figure in one table, then the checks; returns whether every check passed. */
export function printSummary(results: BenchResults): boolean {
	heading('summary');
	const table = [['benchmark', 'variant', 'time', 'peak RSS MB', 'figures']];
	const checks: { name: string; pass: boolean; text: string }[] = [];

	const archive = results.archive;
	if (archive) {
		const bench = `archive to batch files ${archive.codes.toLocaleString('en-US')}`;
		for (const v of archive.variants) {
			const floor = archive.variants.find((b) => b.implementation === 'floor' && b.name.slice(5) === v.name.slice(v.implementation.length))!;
			table.push([
				bench,
				v.name,
				`${Math.round(v.timeMs)} ms`,
				mb(v.peakRssBytes),
				`${(v.timeMs / floor.timeMs).toFixed(2)}x floor time, heap ${mb(v.peakHeapBytes)} MB, retained ${mb(v.retainedBytes)} MB`,
			]);
		}
		for (const c of archive.checks) checks.push({ name: `archive ${c.name}`, pass: c.pass, text: c.text });
	}
	const download = results.download;
	if (download) {
		const bench = `download operation ${download.codes.toLocaleString('en-US')}`;
		for (const v of download.variants) {
			table.push([
				bench,
				v.variant,
				`${seconds(v.timeMs)} s`,
				mb(v.peakRssBytes),
				`${v.items} items, ${v.attachments} attachments, retained ${mb(v.retainedBytes)} MB, baseline RSS ${mb(v.baselineRssBytes)} MB`,
			]);
		}
	}
	const ownCodes = results.ownCodes;
	if (ownCodes) {
		const bench = `own codes validate+build ${ownCodes.rows.toLocaleString('en-US')}`;
		for (const v of ownCodes.variants) {
			table.push([
				bench,
				v.variant,
				`${Math.round(v.timeMs)} ms`,
				mb(v.peakRssBytes),
				`heap after ${mb(v.heapAfterBytes)} MB, retained ${mb(v.retainedBytes)} MB` +
					(v.variant === 'bare' ? '' : `, ${v.files} file(s), ${mb(v.outputBytes)} MB out`),
			]);
		}
	}
	const upload = results.upload;
	if (upload) {
		const bench = `upload round trip ${upload.rows.toLocaleString('en-US')}`;
		for (const r of upload.results) {
			table.push([
				bench,
				`source ${r.source}`,
				`${seconds(r.totalMs)} s`,
				'-',
				`validate+build ${seconds(r.validateAndBuildMs)} s, storage upload ${seconds(r.storageUploadMs)} s, ` +
					`process+wait ${seconds(r.processAndWaitMs)} s; ${r.uploadFiles} file(s), ${mb(r.uploadedBytes)} MB`,
			]);
		}
	}
	const real = results.realN8n;
	if (real) {
		const bench = `real n8n download ${real.headline.run.codes.toLocaleString('en-US')}`;
		for (const [variant, v] of [
			['default options', real.headline],
			['"Codes in JSON" off', real.lean],
		] as const) {
			table.push([
				bench,
				`${variant} (import + execute)`,
				`${seconds(v.run.importMs + v.run.executeMs)} s`,
				mb(v.run.peakTreeRssBytes),
				`node ${seconds(v.run.nodeMs)} s, ${v.run.batches} batches, result ${mb(v.run.resultBytes)} MB`,
			]);
			checks.push({ name: `real n8n time, ${variant}`, pass: v.pass.time, text: `${v.speedup.toFixed(1)}x faster than the chain (limit >= 5)` });
			checks.push({
				name: `real n8n memory, ${variant}`,
				pass: v.pass.memory,
				text: `${(v.memoryFraction * 100).toFixed(0)}% of the chain's peak (limit <= 33%)`,
			});
		}
		table.push([bench, 'chain without this package', `${seconds(real.chain.wallMs)} s`, mb(real.chain.peakBytes), 'n8n-runtime.md']);
	}
	for (const line of formatTable(table, [0, 1, 4])) console.log(line.trimEnd());
	console.log('');
	for (const c of checks) console.log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.text}`);
	for (const e of results.errors) console.log(`ERROR ${e.benchmark}: ${(e.error as Error)?.message ?? String(e.error)}`);
	console.log(`\nbenchmarks took ${seconds(results.elapsedMs)} s`);
	return checks.every((c) => c.pass);
}

if (require.main === module) {
	const args = process.argv.slice(2);
	const only = argValue(args, '--only')?.split(',');
	const unknown = only?.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
	if (unknown?.length) {
		console.error(`--only: unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
		process.exit(2);
	}
	runAllBenchmarks({
		codes: numberArg(args, '--codes'),
		rows: numberArg(args, '--rows'),
		runs: numberArg(args, '--runs'),
		e2eRuns: numberArg(args, '--e2e-runs'),
		only: only as Benchmark[] | undefined,
	}).then(
		(results) => {
			const pass = printSummary(results);
			process.exit(!pass ? 1 : results.errors.length ? 2 : 0);
		},
		(error) => {
			console.error(error);
			process.exit(2);
		},
	);
}
