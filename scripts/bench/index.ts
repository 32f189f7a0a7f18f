/**
 * `npm run bench`: every benchmark of the package, then one summary table with every figure.
 *
 *   server    the headline (serverN8nBench): Work Order > Download in a running n8n 2.41.1 (n8n start, REST API) for
 *             100,000, 1,000,000 and 5,000,000 codes, against the generic chain (HTTP Request, Compression, Extract
 *             From File, Code) up to 1,000,000 codes on the same archive, and a bare zlib floor script; PASS/FAIL on
 *             the targets (time and memory against the chain, 5,000,000 against 1,000,000, the node against the floor);
 *   archive   the archive to batch files (archiveBench): our reader against the floor script, same process kind;
 *             PASS/FAIL: time <= 1.5x the floor, peak memory <= the floor's + 64 MB;
 *   download  Work Order > Download end to end through n8n-core against the sandbox (downloadOperationBench), with
 *             default options and with "Codes in JSON" on;
 *   owncodes  own codes validate-and-build of 1,000,000 ids (ownCodesBench);
 *   upload    Code Upload > Upload round trip of 1,000,000 ids against the sandbox (uploadBench);
 *   n8n       Work Order > Download in n8n's CLI (`n8n execute`, realN8nBench), against the chain's figure of
 *             n8n-runtime.md; PASS/FAIL: at least 5x faster, at most a third of its peak memory;
 *   scm       Code > Update of 100,000 codes against the sandbox (scmBench), next to the floor the 10 calls/s limit
 *             sets; PASS/FAIL: at most 1.2x the floor, never more than 10 calls in any second.
 * archive and download share one sandbox (started here) and its work order; the others start their own.
 *
 * node build/scripts/bench/index.js [--only server,archive,download,owncodes,upload,n8n,scm] [--skip <same names>]
 *   [--codes 1000000] [--rows 1000000] [--runs 3] [--e2e-runs 1]
 *   [--sizes 100000,1000000,5000000] [--chain-max 1000000] [--server-runs 3] [--server-skip download,chain,floor]
 *   --codes     codes of the work order (archive, download, n8n); --rows: ids of the own codes file (owncodes, upload);
 *   --runs      runs per variant of the comparisons (archive, owncodes), median reported; --e2e-runs: the same for download;
 *   --sizes     work order sizes of the server benchmark; --chain-max: largest size the chain runs at (it takes
 *               minutes and gigabytes); --server-runs: Download runs per size (median time);
 *               --server-skip: parts of the server benchmark to leave out.
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
import { runScmBench, type ScmBenchReport } from './scmBench';
import { formatServerReport, PARTS, runServerN8nBench, type Part, type ServerBenchReport } from './serverN8nBench';

const BENCHMARKS = ['server', 'archive', 'download', 'owncodes', 'upload', 'n8n', 'scm'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

export interface BenchOptions {
	codes?: number;
	rows?: number;
	runs?: number;
	e2eRuns?: number;
	only?: Benchmark[];
	skip?: Benchmark[];
	sizes?: number[];
	chainMax?: number;
	serverRuns?: number;
	serverSkip?: Part[];
}

export interface BenchResults {
	archive?: ArchiveBenchReport;
	download?: DownloadOperationBenchReport;
	ownCodes?: OwnCodesBenchReport;
	upload?: UploadBenchReport;
	realN8n?: RealN8nBenchFigures;
	server?: ServerBenchReport;
	scm?: ScmBenchReport;
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
	for (const name of options.skip ?? []) selected.delete(name);
	const results: BenchResults = { errors: [], elapsedMs: 0 };
	const attempt = async (benchmark: Benchmark, run: () => Promise<void>) => {
		try {
			await run();
		} catch (error) {
			console.error(`\n${benchmark} benchmark failed to run:`, error);
			results.errors.push({ benchmark, error });
		}
	};

	if (selected.has('server')) {
		heading('Work Order > Download in a running n8n (server mode), against the generic chain and the floor');
		await attempt('server', async () => {
			results.server = await runServerN8nBench({
				sizes: options.sizes,
				chainMax: options.chainMax,
				runs: options.serverRuns,
				skip: options.serverSkip,
				log: (line) => console.log(line),
			});
			console.log('\n' + formatServerReport(results.server));
		});
	}
	if (selected.has('archive') || selected.has('download')) {
		heading(`sandbox work order of ${codes.toLocaleString('en-US')} codes`);
		const bench = await startBenchSandbox((line) => console.log(line));
		try {
			const workOrder = await bench.addWorkOrder(codes);
			if (selected.has('archive')) {
				heading('codes archive to batch files: ours vs the bare zlib floor');
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
		heading('Work Order > Download in n8n CLI mode (n8n execute), against the chain without this package');
		await attempt('n8n', async () => {
			results.realN8n = await runRealN8nBench({ quantity: codes, log: (line) => console.log(line) });
			console.log('\n' + formatRealN8nReport(results.realN8n));
		});
	}
	if (selected.has('scm')) {
		heading('Code > Update of 100,000 codes against the sandbox, next to the rate limit\'s floor');
		await attempt('scm', async () => {
			results.scm = await runScmBench({ codes: 100_000 });
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
					(v.variant.startsWith('bare') ? '' : `, ${v.files} file(s), ${mb(v.outputBytes)} MB out`),
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
	const server = results.server;
	if (server) {
		for (const size of server.sizes) {
			const bench = `n8n server ${size.codes.toLocaleString('en-US')}`;
			if (size.download) {
				table.push([
					bench,
					'Download, default options',
					`${seconds(size.download.executionMs)} s`,
					mb(size.download.peakTreeGrowthBytes),
					`execution time; peak memory growth; node ${seconds(size.download.nodeMs ?? 0)} s`,
				]);
			}
			if (size.chain) {
				table.push([bench, 'generic chain', `${seconds(size.chain.executionMs)} s`, mb(size.chain.peakTreeGrowthBytes), 'execution time; peak memory growth']);
			}
			if (size.floor) {
				table.push([bench, 'floor script', `${seconds(size.floor.totalMs)} s`, mb(size.floor.peakRssGrowthBytes), 'download + unzip + cut; peak growth']);
			}
		}
		for (const c of server.checks) checks.push({ name: `n8n server: ${c.name}`, pass: c.pass, text: c.text });
	}
	const real = results.realN8n;
	if (real) {
		const bench = `n8n CLI download ${real.headline.run.codes.toLocaleString('en-US')}`;
		for (const [variant, v] of [
			['default options', real.headline],
			['"Codes in JSON" on', real.json],
		] as const) {
			table.push([
				bench,
				`${variant} (import + execute)`,
				`${seconds(v.run.importMs + v.run.executeMs)} s`,
				mb(v.run.peakTreeRssBytes),
				`node ${seconds(v.run.nodeMs)} s, ${v.run.batches} batches, result ${mb(v.run.resultBytes)} MB`,
			]);
		}
		checks.push({ name: 'n8n CLI time, default options', pass: real.headline.pass.time, text: `${real.headline.speedup.toFixed(1)}x faster than the chain (limit >= 5)` });
		checks.push({
			name: 'n8n CLI memory, default options',
			pass: real.headline.pass.memory,
			text: `${(real.headline.memoryFraction * 100).toFixed(0)}% of the chain's peak (limit <= 33%)`,
		});
		table.push([bench, 'chain without this package', `${seconds(real.chain.wallMs)} s`, mb(real.chain.peakBytes), 'n8n-runtime.md']);
	}
	const scm = results.scm;
	if (scm) {
		table.push([
			`code update ${scm.codes.toLocaleString('en-US')}`,
			'Code > Update, 10 calls/s',
			`${seconds(scm.totalMs)} s`,
			'-',
			`floor ${seconds(scm.floorMs)} s (${scm.calls} calls at 10/s), check ${seconds(scm.checkMs)} s, busiest second ${scm.busiestSecond} calls`,
		]);
		checks.push({ name: 'SCM update time', pass: scm.pass, text: `${scm.ratio.toFixed(2)}x the rate limit's floor (limit 1.2), busiest second ${scm.busiestSecond} calls (limit 10)` });
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
	const names = (flag: string, known: readonly string[]) => {
		const list = argValue(args, flag)?.split(',');
		const unknown = list?.filter((name) => !known.includes(name));
		if (unknown?.length) {
			console.error(`${flag}: unknown name(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
			process.exit(2);
		}
		return list;
	};
	const sizes = argValue(args, '--sizes')?.split(',').map(Number);
	if (sizes?.some((n) => !(Number.isInteger(n) && n > 0))) {
		console.error('--sizes wants whole numbers > 0, comma-separated');
		process.exit(2);
	}
	const chainMax = argValue(args, '--chain-max');
	runAllBenchmarks({
		codes: numberArg(args, '--codes'),
		rows: numberArg(args, '--rows'),
		runs: numberArg(args, '--runs'),
		e2eRuns: numberArg(args, '--e2e-runs'),
		only: names('--only', BENCHMARKS) as Benchmark[] | undefined,
		skip: names('--skip', BENCHMARKS) as Benchmark[] | undefined,
		sizes,
		chainMax: chainMax === undefined ? undefined : Number(chainMax),
		serverRuns: numberArg(args, '--server-runs'),
		serverSkip: names('--server-skip', PARTS) as Part[] | undefined,
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
