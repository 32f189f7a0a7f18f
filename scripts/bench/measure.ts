/**
 * Measurement code shared by the benchmarks (archiveBench, ownCodesBench, downloadOperationBench).
 *
 * Each measured run is a child process of its own (`node --expose-gc <compiled bench>.js --child ...`) that
 * prints its figures as one JSON line on stdout (last line); the parent collects them with `measureInChild`.
 * In the child:
 *   - peak RSS: `startPeakRssProbe` starts a worker thread that samples process.memoryUsage.rss() every 2 ms
 *     (RSS is process-wide, so the worker sees the main thread's memory while that thread is blocked in
 *     synchronous code), cross-checked with the kernel's own peak (VmHWM, reset through /proc/self/clear_refs
 *     before the operation, Linux). The probe's `startRss` is the baseline to subtract;
 *   - heap: `heapNow()` is heapUsed + external of the main isolate (external already includes arrayBuffers).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

// ---------------------------------------------------------------- parent side

/**
 * Runs `script --child ...args` in a child process (`node --expose-gc`) and returns the JSON of its last stdout
 * line. Asynchronous, so that a sandbox running in the parent keeps answering the child's requests.
 */
export function measureInChild<T>(script: string, args: string[], env?: NodeJS.ProcessEnv): Promise<T> {
	return new Promise((resolve, reject) => {
		const child = execFile(
			process.execPath,
			['--expose-gc', script, '--child', ...args],
			{ encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: env ? { ...process.env, ...env } : undefined },
			(error, stdout) => {
				if (error) {
					reject(error);
					return;
				}
				try {
					resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T);
				} catch (parseError) {
					reject(new Error(`child ${path.basename(script)} ${args[0]}: no measurement on stdout (${(parseError as Error).message})`));
				}
			},
		);
		// The child's diagnostics go straight to our stderr, as with stdio 'inherit'.
		child.stderr?.pipe(process.stderr);
	});
}

/**
 * The compiled .js of a benchmark module (the child must be plain JavaScript): `moduleFile` itself when it is
 * already compiled, otherwise its counterpart under build/ (`npx tsc -p scripts/bench`).
 */
export function compiledScript(moduleFile: string): string {
	if (moduleFile.endsWith('.js')) return moduleFile;
	const built = path.resolve(__dirname, '../../build/scripts/bench', `${path.basename(moduleFile, '.ts')}.js`);
	if (!fs.existsSync(built)) throw new Error(`compile first: npx tsc -p scripts/bench (missing ${built})`);
	return built;
}

// ---------------------------------------------------------------- child side

const SAMPLER = `
const { parentPort } = require('node:worker_threads');
let peak = 0;
const sample = () => { const rss = process.memoryUsage.rss(); if (rss > peak) peak = rss; };
const timer = setInterval(sample, 2);
parentPort.on('message', (m) => {
	if (m === 'reset') { peak = 0; sample(); parentPort.postMessage('ready'); }
	if (m === 'stop') { clearInterval(timer); sample(); parentPort.postMessage(peak); parentPort.close(); }
});
`;

/** `global.gc`; throws unless the process runs with --expose-gc. */
export function requireGc(): () => void {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('run the child with node --expose-gc');
	return gc;
}

/** heapUsed + external of this isolate (external already includes arrayBuffers, so they are not added twice). */
export function heapNow(): number {
	const m = process.memoryUsage();
	return m.heapUsed + m.external;
}

export interface PeakRssProbe {
	/** RSS right before the measurement started (after two full GCs): the baseline. */
	startRss: number;
	/** heapNow() at the same moment. */
	startHeap: number;
	/** Stops sampling; the peak RSS of the process since the start (absolute bytes, not minus startRss). */
	stop(): Promise<number>;
}

/**
 * Starts the peak-RSS measurement: sampler worker up, two full GCs, baseline figures, kernel peak reset, sampler
 * reset. Start the measured operation right after the returned promise resolves.
 */
export async function startPeakRssProbe(gc: () => void): Promise<PeakRssProbe> {
	const sampler = new Worker(SAMPLER, { eval: true });
	await ask(sampler, 'reset');
	gc();
	gc();
	const startRss = process.memoryUsage.rss();
	const startHeap = heapNow();
	const kernelPeak = resetKernelPeak();
	await ask(sampler, 'reset');
	return {
		startRss,
		startHeap,
		async stop() {
			const sampledPeak = (await ask(sampler, 'stop')) as number;
			return Math.max(sampledPeak, kernelPeak ? readKernelPeak() : 0);
		},
	};
}

export function ask(worker: Worker, message: string): Promise<unknown> {
	return new Promise((resolve) => {
		worker.once('message', resolve);
		worker.postMessage(message);
	});
}

/** Resets the kernel's peak RSS of this process (Linux); false where that is not possible. */
export function resetKernelPeak(): boolean {
	try {
		fs.writeFileSync('/proc/self/clear_refs', '5');
		return readKernelPeak() > 0;
	} catch {
		return false;
	}
}

export function readKernelPeak(): number {
	try {
		const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
}

/** Runs a child's `main` and exits 0, or prints the error and exits 1. */
export function childMain(main: () => Promise<void>): void {
	main().then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}

// ---------------------------------------------------------------- helpers

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mb(bytes: number): string {
	return (bytes / 1024 / 1024).toFixed(1);
}

export function seconds(ms: number): string {
	return (ms / 1000).toFixed(2);
}

export function argValue(args: string[], name: string): string | undefined {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : undefined;
}

/** A numeric command-line option; undefined when absent, an error when not a positive number. */
export function numberArg(args: string[], name: string): number | undefined {
	const value = argValue(args, name);
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} wants a positive number, got "${value}"`);
	return n;
}

/** Lines of a table: columns padded to their widest cell, left-aligned where `leftAligned` says, else right. */
export function formatTable(rows: string[][], leftAligned: number[] = [0]): string[] {
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
	return rows.map((row) => row.map((cell, i) => (leftAligned.includes(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}
