/**
 * The headline benchmark: Work Order > Download in a running n8n 2.41.1, as a user runs it after pressing
 * "Execute workflow". n8n is started as `npm start` does (scripts/n8n/instance.ts: `n8n start`, this package linked
 * from dist/, the owner set up, the credential created through the REST API), the Scantrust sandbox runs in this
 * process, and every workflow is run through n8n's REST API (POST /rest/workflows/:id/run, then the execution list
 * until it has finished).
 *
 * For each size (default 100,000, 1,000,000 and 5,000,000 codes) one n8n is started and, after a warm-up run of each
 * workflow on 1,000 codes, runs on the very same sandbox archive:
 *   - Download: Manual Trigger -> Scantrust (Work Order > Download, default options: one item per batch, the batch as
 *     a CSV file in binary "data");
 *   - the generic chain a user builds without this package, up to --chain-max codes (default 1,000,000): Manual
 *     Trigger -> HTTP Request (the codegen_file, as a file) -> Compression (decompress) -> Extract From File (CSV of
 *     codes.csv) -> Code (group the rows per batch: {batch, codeCount, codes}).
 * One n8n per size keeps each memory figure its own: a V8 heap grown by an earlier, bigger run would hide the growth
 * of a later one.
 *
 * Measured per run:
 *   - n8n's execution time: stoppedAt - startedAt of the execution (what the editor shows);
 *   - peak memory growth: the largest sum of VmRSS over n8n's processes (the main process and its task runner),
 *     sampled every 20 ms from /proc, minus that sum right before the run; and the main process's VmHWM (reset
 *     before the run through /proc/<pid>/clear_refs) minus its VmRSS before the run;
 *   - for Download, the node's own time (runData executionTime: GET work order, download, unzip, split, store).
 * The floor: floorSplit.ts run with n8n's own Node, downloading the same archive from the sandbox, unzipping it
 * with zlib and cutting it into 20,000-line batch files (no CSV parsing); its download + split time is what the
 * node's own time is compared with.
 *
 * Targets (judged from these figures): at 1,000,000 codes the Download execution time >= 25x shorter and its peak
 * memory growth >= 5x smaller than the chain's; at 5,000,000 codes memory growth <= 1.3x and execution time <= 5.5x
 * those of 1,000,000; the node's own time <= 1.5x the floor's.
 *
 *   node build/scripts/bench/serverN8nBench.js [--sizes 100000,1000000,5000000] [--chain-max 1000000]
 *     [--runs 3] [--skip download,chain,floor]
 * --runs: Download runs per size (times: their median; memory: the first run, in a fresh n8n). The chain runs once.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { missingPackageFiles, thisPackage } from '../n8n/env';
import { ensureN8n, N8N_VERSION, type N8nInstallation } from '../n8n/install';
import { N8nRestError, startN8n, type N8nInstance, type WorkflowJson } from '../n8n/instance';
import { CREDENTIAL_NAME, CREDENTIAL_TYPE, sandboxCredentialData } from '../n8n/scantrust';
import { startSandbox } from '../../test/sandbox';
import type { FloorMeasurement } from './floorSplit';
import { BENCH_TEMPLATE } from './sandboxWorkOrder';

export const DEFAULT_SIZES = [100_000, 1_000_000, 5_000_000];
export const DEFAULT_CHAIN_MAX = 1_000_000;
const WARM_UP_CODES = 1_000;
const SAMPLE_MS = 20;
const RUN_TIMEOUT_MS = 30 * 60_000;

export const TARGETS = {
	/** At 1,000,000 codes: chain execution time / Download execution time. */
	timeVsChain: 25,
	/** At 1,000,000 codes: chain memory growth / Download memory growth. */
	memoryVsChain: 5,
	/** 5,000,000 codes over 1,000,000 codes, Download. */
	memoryGrowth5M: 1.3,
	time5M: 5.5,
	/** The node's own time / the floor's download + split time. */
	nodeVsFloor: 1.5,
};

export type Part = 'download' | 'chain' | 'floor';
export const PARTS: Part[] = ['download', 'chain', 'floor'];

export interface ServerRun {
	kind: 'download' | 'chain';
	codes: number;
	executionId: string;
	/** stoppedAt - startedAt. */
	executionMs: number;
	/** Wall time from POST .../run to the execution being reported finished. */
	wallMs: number;
	/** Peak of the summed VmRSS of n8n's processes minus the sum before the run. */
	peakTreeGrowthBytes: number;
	/** Peak of the summed VmRSS of n8n's processes during the run (n8n's own memory included). */
	peakTreeBytes: number;
	/** VmHWM of n8n's main process after the run minus its VmRSS before (0 when the kernel peak could not be reset). */
	mainHwmGrowthBytes: number;
	/** Download only: the node's executionTime in runData. */
	nodeMs?: number;
	/** Runs measured: the times are their median, the memory figures the first run's. */
	runs?: number;
	/** Items the measured node put out, and codes in them (Download; the chain up to 100,000 codes). */
	items?: number;
	codesOut?: number;
}

export interface ServerSize {
	codes: number;
	archiveBytes: number;
	download?: ServerRun;
	chain?: ServerRun;
	floor?: FloorMeasurement;
}

export interface ServerBenchReport {
	n8nVersion: string;
	sizes: ServerSize[];
	checks: { name: string; text: string; pass: boolean }[];
}

export interface ServerBenchOptions {
	sizes?: number[];
	chainMax?: number;
	/** Runs of the Download workflow per size (median time; memory from the first run, in a fresh n8n). Default 3. */
	runs?: number;
	skip?: Part[];
	log?: (line: string) => void;
	installation?: N8nInstallation;
}

// ------------------------------------------------------------------------------------------------ /proc

const PAGE = 4096;

function rssBytes(pid: number): number {
	try {
		return Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
	} catch {
		return 0; // gone
	}
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
	try {
		const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) : 0;
	} catch {
		return 0;
	}
}

/** n8n's processes: its main process and every process of its process group (n8n is started detached). */
function processTree(mainPid: number): number[] {
	const pids = [mainPid];
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name) || Number(name) === mainPid) continue;
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[2]) === mainPid) pids.push(Number(name)); // process group id
		} catch {
			// gone
		}
	}
	return pids;
}

/** CPU time (user + system, in clock ticks) used so far by the processes. */
function cpuTicks(pids: number[]): number {
	let ticks = 0;
	for (const pid of pids) {
		try {
			const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			ticks += Number(fields[11]) + Number(fields[12]);
		} catch {
			// gone
		}
	}
	return ticks;
}

/**
 * Waits until n8n is idle: after start it keeps working for a while (it writes the editor's static files, loads
 * modules), which would be counted in a run's time and memory. Idle: under 5% of a core for 1.5 s in a row.
 */
async function waitIdle(mainPid: number, timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let quiet = 0;
	let last = cpuTicks(processTree(mainPid));
	while (quiet < 3 && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 500));
		const now = cpuTicks(processTree(mainPid));
		quiet = now - last <= 2 ? quiet + 1 : 0; // 2 ticks of 10 ms in 500 ms: 4% of a core
		last = now;
	}
}

/** Resets the kernel's peak RSS of a process; false when not allowed. */
function resetPeak(pid: number): boolean {
	try {
		fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

/** Samples the summed RSS of n8n's processes every SAMPLE_MS (the process list refreshed every 500 ms). */
function startTreeSampler(mainPid: number): { baseline: number; stop(): { peak: number; growth: number } } {
	let pids = processTree(mainPid);
	const sum = () => pids.reduce((n, pid) => n + rssBytes(pid), 0);
	const baseline = sum();
	let peak = baseline;
	let ticks = 0;
	const timer = setInterval(() => {
		if (++ticks % 25 === 0) pids = processTree(mainPid);
		peak = Math.max(peak, sum());
	}, SAMPLE_MS);
	return {
		baseline,
		stop() {
			clearInterval(timer);
			peak = Math.max(peak, sum());
			return { peak, growth: peak - baseline };
		},
	};
}

// ------------------------------------------------------------------------------------------------ workflows

const TRIGGER = 'Run manually';
const DOWNLOAD_NODE = 'Download codes';
const CHAIN_LAST = 'Group per batch';

export function downloadWorkflow(workOrderId: number): WorkflowJson {
	return {
		name: `bench: Download work order ${workOrderId}`,
		nodes: [
			{ id: 'c0a1c2d3-0000-4000-8000-000000000001', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'c0a1c2d3-0000-4000-8000-000000000002',
				name: DOWNLOAD_NODE,
				type: 'n8n-nodes-scantrust.scantrust',
				typeVersion: 1,
				position: [220, 0],
				parameters: { resource: 'workOrder', operation: 'download', workOrderId: String(workOrderId), output: 'batches', options: {} },
				credentials: { [CREDENTIAL_TYPE]: { id: '', name: CREDENTIAL_NAME } },
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: DOWNLOAD_NODE, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** Groups Extract From File's rows ({row: [extended id, serial, sequence, batch, url]}) per batch. */
const GROUP_PER_BATCH = `const batches = new Map();
for (const item of $input.all()) {
  const r = item.json.row;
  let codes = batches.get(r[3]);
  if (!codes) batches.set(r[3], (codes = []));
  codes.push({ extendedId: r[0], serialNumber: r[1], sequenceNumber: r[2], url: r[4] });
}
return [...batches].map(([batch, codes]) => ({ json: { batch: Number(batch), codeCount: codes.length, codes } }));`;

export function chainWorkflow(workOrderId: number, archiveUrl: string): WorkflowJson {
	const node = (n: number, name: string, type: string, typeVersion: number, parameters: Record<string, unknown>) => ({
		id: `c0a1c2d3-0000-4000-8000-00000000010${n}`,
		name,
		type,
		typeVersion,
		position: [220 * n, 0],
		parameters,
	});
	const nodes = [
		node(0, TRIGGER, 'n8n-nodes-base.manualTrigger', 1, {}),
		node(1, 'Fetch archive', 'n8n-nodes-base.httpRequest', 4.2, {
			url: archiveUrl,
			options: { response: { response: { responseFormat: 'file' } } },
		}),
		node(2, 'Unzip', 'n8n-nodes-base.compression', 1.1, { operation: 'decompress', binaryPropertyName: 'data', outputPrefix: 'file_' }),
		node(3, 'Read codes.csv', 'n8n-nodes-base.extractFromFile', 1.1, {
			operation: 'csv',
			binaryPropertyName: "={{ Object.keys($binary).find((key) => $binary[key].fileName === 'codes.csv') }}",
			options: { headerRow: false, includeEmptyCells: true },
		}),
		node(4, CHAIN_LAST, 'n8n-nodes-base.code', 2, { jsCode: GROUP_PER_BATCH }),
	];
	const connections: Record<string, unknown> = {};
	for (let i = 0; i < nodes.length - 1; i++) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return { name: `bench: generic chain, work order ${workOrderId}`, nodes, connections, settings: { executionOrder: 'v1' } };
}

// ------------------------------------------------------------------------------------------------ runs

interface ExecutionSummary {
	id: string;
	status: string;
	startedAt?: string;
	stoppedAt?: string;
}

const FINAL = ['success', 'error', 'canceled', 'crashed'];

/** A REST call that asks again while n8n's database answers 503 "Database is not ready!" (saving a large execution). */
async function restPatiently<T>(n8n: N8nInstance, method: string, urlPath: string, body?: unknown): Promise<T> {
	const deadline = Date.now() + RUN_TIMEOUT_MS;
	for (;;) {
		try {
			return await n8n.rest<T>(method, urlPath, body);
		} catch (error) {
			if (n8n.process.exitCode !== null || n8n.process.signalCode !== null) {
				throw new Error(`n8n ended (exit code ${n8n.process.exitCode}, signal ${n8n.process.signalCode}); its last output:\n${n8n.logs().slice(-30).join('\n')}`);
			}
			// Busy (a blocked event loop drops connections) or saving a large execution (503): ask again.
			const busy = (error instanceof N8nRestError && error.status === 503) || (error instanceof TypeError && error.message === 'fetch failed');
			if (!busy || Date.now() > deadline) throw error;
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/** Waits for the execution through the execution list (its data is not loaded: that would weigh on n8n's memory). */
async function waitFinished(n8n: N8nInstance, workflowId: string, executionId: string): Promise<ExecutionSummary> {
	const deadline = Date.now() + RUN_TIMEOUT_MS;
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	for (;;) {
		const list = await restPatiently<{ results?: ExecutionSummary[] }>(n8n, 'GET', `/rest/executions?filter=${filter}`);
		const found = list.results?.find((e) => String(e.id) === executionId);
		if (found && FINAL.includes(found.status) && found.stoppedAt) return found;
		if (Date.now() > deadline) throw new Error(`execution ${executionId} did not finish within ${RUN_TIMEOUT_MS / 60_000} min`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

async function measureRun(
	n8n: N8nInstance,
	workflowId: string,
	kind: ServerRun['kind'],
	codes: number,
	verify: boolean,
): Promise<ServerRun> {
	const mainPid = n8n.process.pid!;
	await waitIdle(mainPid); // n8n's own work after start or after the previous run is not the run's
	const mainRssBefore = statusKb(mainPid, 'VmRSS') * 1024;
	const peakReset = resetPeak(mainPid);
	const sampler = startTreeSampler(mainPid);
	const started = performance.now();
	let summary: ExecutionSummary;
	let executionId: string;
	let tree: { peak: number; growth: number };
	try {
		const run = await n8n.rest<{ executionId?: string }>('POST', `/rest/workflows/${encodeURIComponent(workflowId)}/run`, {
			triggerToStartFrom: { name: TRIGGER },
		});
		if (!run?.executionId) throw new Error(`n8n did not start an execution of workflow ${workflowId}: ${JSON.stringify(run)}`);
		executionId = String(run.executionId);
		summary = await waitFinished(n8n, workflowId, executionId);
	} finally {
		tree = sampler.stop();
	}
	const wallMs = performance.now() - started;
	const mainHwmGrowth = peakReset ? statusKb(mainPid, 'VmHWM') * 1024 - mainRssBefore : 0;
	if (summary.status !== 'success') {
		throw new Error(`${kind} of ${codes} codes ended with status ${summary.status}; n8n's last output:\n${n8n.logs().slice(-20).join('\n')}`);
	}
	const result: ServerRun = {
		kind,
		codes,
		executionId,
		executionMs: Date.parse(summary.stoppedAt!) - Date.parse(summary.startedAt!),
		wallMs,
		peakTreeGrowthBytes: tree.growth,
		peakTreeBytes: tree.peak,
		mainHwmGrowthBytes: Math.max(0, mainHwmGrowth),
	};
	if (verify) {
		// Read after the measurement: loading an execution's data costs n8n memory of its own.
		const execution = await n8n.getExecution(executionId);
		const last = kind === 'download' ? DOWNLOAD_NODE : CHAIN_LAST;
		const items = execution.runData[last]?.[0]?.data?.main?.[0] ?? [];
		result.items = items.length;
		result.codesOut = items.reduce((n, item) => n + Number(item.json.codeCount ?? 0), 0);
		if (kind === 'download') result.nodeMs = Number(execution.runData[DOWNLOAD_NODE]?.[0]?.executionTime ?? 0);
		if (result.codesOut !== codes) throw new Error(`${kind} put out ${result.codesOut} codes, the work order has ${codes}`);
	}
	await restPatiently(n8n, 'POST', '/rest/executions/delete', { ids: [executionId] });
	return result;
}

function runFloor(installation: N8nInstallation, url: string): Promise<FloorMeasurement> {
	const script = path.join(__dirname, 'floorSplit.js');
	return new Promise((resolve, reject) => {
		execFile(installation.nodeBin, [script, '--url', url], { encoding: 'utf8', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
			if (error) reject(new Error(`floor script failed: ${error.message}\n${stderr}`));
			else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as FloorMeasurement);
		});
	});
}

// ------------------------------------------------------------------------------------------------ the benchmark

export async function runServerN8nBench(opts: ServerBenchOptions = {}): Promise<ServerBenchReport> {
	if (process.platform !== 'linux') throw new Error('the server-mode benchmark reads /proc: Linux only');
	const log = opts.log ?? ((line: string) => process.stderr.write(`[server bench] ${line}\n`));
	const missing = missingPackageFiles(thisPackage());
	if (missing.length) throw new Error(`build the package first (npm run build): missing ${missing.join(', ')}`);
	const sizes = opts.sizes ?? DEFAULT_SIZES;
	const chainMax = opts.chainMax ?? DEFAULT_CHAIN_MAX;
	const skip = new Set(opts.skip ?? []);
	const installation = opts.installation ?? (await ensureN8n({ onProgress: log }));
	const sandbox = await startSandbox({ generationDelayMs: 0, ingestionDelayMs: 0, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
	const codegenFile = (id: number) => sandbox.state.workOrders.find((w) => w.id === id)!.codegen_file!;
	const workOrder = async (codes: number) => {
		const started = performance.now();
		const wo = sandbox.createWorkOrder({ template: BENCH_TEMPLATE, quantity: codes });
		sandbox.completeGeneration(wo.id);
		// The storage origin builds the archive on its first GET and keeps it: build it now, outside the measurements.
		const response = await fetch(codegenFile(wo.id));
		if (!response.ok) throw new Error(`GET codegen_file of work order ${wo.id}: HTTP ${response.status}`);
		const bytes = (await response.arrayBuffer()).byteLength;
		log(`sandbox work order ${wo.id}: ${codes.toLocaleString('en-US')} codes, archive ${mb(bytes)} MB, made in ${sec(performance.now() - started)} s`);
		return { id: wo.id, bytes };
	};
	const report: ServerBenchReport = { n8nVersion: N8N_VERSION, sizes: [], checks: [] };
	try {
		const warmUp = await workOrder(WARM_UP_CODES);
		for (const codes of sizes) {
			const wo = await workOrder(codes);
			const size: ServerSize = { codes, archiveBytes: wo.bytes };
			report.sizes.push(size);
			const withChain = !skip.has('chain') && codes <= chainMax;
			if (!skip.has('download') || withChain) {
				log(`starting n8n ${N8N_VERSION} (n8n start) for ${codes.toLocaleString('en-US')} codes`);
				const n8n = await startN8n({ installation });
				try {
					await n8n.setupOwner();
					await n8n.createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(sandbox) });
					const create = async (wf: WorkflowJson) => (await n8n.createWorkflow(wf)).id;
					if (!skip.has('download')) {
						await measureRun(n8n, await create(downloadWorkflow(warmUp.id)), 'download', WARM_UP_CODES, true);
						const workflowId = await create(downloadWorkflow(wo.id));
						const runs: ServerRun[] = [];
						for (let run = 0; run < Math.max(1, opts.runs ?? 3); run++) {
							runs.push(await measureRun(n8n, workflowId, 'download', codes, true));
							log(describe(runs[run]));
						}
						size.download = {
							...runs[0],
							executionMs: median(runs.map((r) => r.executionMs)),
							wallMs: median(runs.map((r) => r.wallMs)),
							nodeMs: median(runs.map((r) => r.nodeMs ?? 0)),
							runs: runs.length,
						};
					}
					if (withChain) {
						await measureRun(n8n, await create(chainWorkflow(warmUp.id, codegenFile(warmUp.id))), 'chain', WARM_UP_CODES, true);
						size.chain = await measureRun(n8n, await create(chainWorkflow(wo.id, codegenFile(wo.id))), 'chain', codes, codes <= 100_000);
						log(describe(size.chain));
					}
				} finally {
					await n8n.stop();
				}
			}
			if (!skip.has('floor')) {
				await runFloor(installation, codegenFile(warmUp.id));
				size.floor = await runFloor(installation, codegenFile(wo.id));
				if (size.floor.lines !== codes) throw new Error(`the floor script cut ${size.floor.lines} lines, the work order has ${codes} codes`);
				log(`floor script, ${codes.toLocaleString('en-US')} codes: download ${sec(size.floor.downloadMs)} s + unzip and cut ${sec(size.floor.splitMs)} s, peak growth ${mb(size.floor.peakRssGrowthBytes)} MB`);
			}
		}
	} finally {
		await sandbox.close();
	}
	report.checks = judge(report.sizes);
	return report;
}

function judge(sizes: ServerSize[]): ServerBenchReport['checks'] {
	const checks: ServerBenchReport['checks'] = [];
	const at = (codes: number) => sizes.find((s) => s.codes === codes);
	const m1 = at(1_000_000);
	const m5 = at(5_000_000);
	if (m1?.download && m1.chain) {
		const time = m1.chain.executionMs / m1.download.executionMs;
		const memory = m1.chain.peakTreeGrowthBytes / Math.max(1, m1.download.peakTreeGrowthBytes);
		checks.push({
			name: '1,000,000 codes, execution time vs the chain',
			text: `${time.toFixed(1)}x shorter (target >= ${TARGETS.timeVsChain}x)`,
			pass: time >= TARGETS.timeVsChain,
		});
		checks.push({
			name: '1,000,000 codes, peak memory growth vs the chain',
			text: `${memory.toFixed(1)}x smaller (target >= ${TARGETS.memoryVsChain}x)`,
			pass: memory >= TARGETS.memoryVsChain,
		});
	}
	if (m1?.download && m5?.download) {
		const memory = m5.download.peakTreeGrowthBytes / Math.max(1, m1.download.peakTreeGrowthBytes);
		const time = m5.download.executionMs / m1.download.executionMs;
		checks.push({
			name: '5,000,000 vs 1,000,000 codes, peak memory growth',
			text: `${memory.toFixed(2)}x (target <= ${TARGETS.memoryGrowth5M}x)`,
			pass: memory <= TARGETS.memoryGrowth5M,
		});
		checks.push({
			name: '5,000,000 vs 1,000,000 codes, execution time',
			text: `${time.toFixed(2)}x (target <= ${TARGETS.time5M}x)`,
			pass: time <= TARGETS.time5M,
		});
	}
	for (const s of sizes) {
		if (s.download?.nodeMs && s.floor) {
			const ratio = s.download.nodeMs / s.floor.totalMs;
			checks.push({
				name: `${s.codes.toLocaleString('en-US')} codes, the node's own time vs the floor script`,
				text: `${ratio.toFixed(2)}x (node ${sec(s.download.nodeMs)} s, floor ${sec(s.floor.totalMs)} s; target <= ${TARGETS.nodeVsFloor}x)`,
				pass: ratio <= TARGETS.nodeVsFloor,
			});
		}
	}
	return checks;
}

// ------------------------------------------------------------------------------------------------ report

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const sec = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function describe(r: ServerRun): string {
	return (
		`${r.kind} ${r.codes.toLocaleString('en-US')} codes: execution ${sec(r.executionMs)} s` +
		(r.nodeMs !== undefined ? ` (node ${sec(r.nodeMs)} s)` : '') +
		`, peak memory growth ${mb(r.peakTreeGrowthBytes)} MB (main process VmHWM +${mb(r.mainHwmGrowthBytes)} MB), wall ${sec(r.wallMs)} s`
	);
}

/** Not a target: the peak with n8n's own memory, 5,000,000 against 1,000,000 codes. */
function absolutePeakNote(sizes: ServerSize[]): string[] {
	const m1 = sizes.find((s) => s.codes === 1_000_000)?.download;
	const m5 = sizes.find((s) => s.codes === 5_000_000)?.download;
	if (!m1 || !m5) return [];
	return [`note  5,000,000 vs 1,000,000 codes, peak memory with n8n's own (not a target): ${(m5.peakTreeBytes / m1.peakTreeBytes).toFixed(2)}x`];
}

export function formatServerReport(report: ServerBenchReport): string {
	const rows = [['codes', 'set-up', "n8n's execution time s", 'peak memory growth MB', 'main VmHWM growth MB', 'peak memory MB', 'node / script time s']];
	for (const s of report.sizes) {
		const codes = s.codes.toLocaleString('en-US');
		if (s.download) {
			rows.push([codes, `Download, default options${s.download.runs && s.download.runs > 1 ? ` (median of ${s.download.runs})` : ''}`, sec(s.download.executionMs), mb(s.download.peakTreeGrowthBytes), mb(s.download.mainHwmGrowthBytes), mb(s.download.peakTreeBytes), sec(s.download.nodeMs ?? 0)]);
		}
		if (s.chain) {
			rows.push([codes, 'generic chain (HTTP, Compression, Extract, Code)', sec(s.chain.executionMs), mb(s.chain.peakTreeGrowthBytes), mb(s.chain.mainHwmGrowthBytes), mb(s.chain.peakTreeBytes), '']);
		}
		if (s.floor) {
			rows.push([codes, 'floor: bare zlib script, 20,000-line files', '', mb(s.floor.peakRssGrowthBytes), '', '', sec(s.floor.totalMs)]);
		}
	}
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
	const lines = rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
	lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
	const archives = report.sizes.map((s) => `${s.codes.toLocaleString('en-US')} codes: ${mb(s.archiveBytes)} MB`).join(', ');
	return [
		`n8n ${report.n8nVersion} in server mode (n8n start, workflows run through the REST API), one n8n per size; archives ${archives}`,
		'',
		...lines,
		'',
		'peak memory growth = largest summed VmRSS of n8n and its task runner during the run minus the sum before it (sampled every 20 ms);',
		'peak memory = that largest sum itself (n8n\'s own memory included);',
		"node / script time = the Download node's own time (download, unzip, split, store) / the floor script's download + unzip + cut.",
		'',
		...report.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.text}`),
		...absolutePeakNote(report.sizes),
	].join('\n');
}

if (require.main === module) {
	const args = process.argv.slice(2);
	const value = (name: string) => {
		const i = args.indexOf(name);
		return i >= 0 ? args[i + 1] : undefined;
	};
	const sizes = value('--sizes')?.split(',').map(Number);
	const chainMax = value('--chain-max') === undefined ? undefined : Number(value('--chain-max'));
	const skip = value('--skip')?.split(',') as Part[] | undefined;
	const runs = value('--runs') === undefined ? undefined : Number(value('--runs'));
	if (sizes?.some((n) => !(Number.isInteger(n) && n > 0)) || (chainMax !== undefined && !(chainMax >= 0)) || skip?.some((p) => !PARTS.includes(p)) || (runs !== undefined && !(Number.isInteger(runs) && runs > 0))) {
		process.stderr.write(`usage: serverN8nBench.js [--sizes 100000,1000000,5000000] [--chain-max 1000000] [--runs 3] [--skip ${PARTS.join(',')}]\n`);
		process.exit(2);
	}
	runServerN8nBench({ sizes, chainMax, skip, runs }).then(
		(report) => {
			process.stdout.write(formatServerReport(report) + '\n');
			process.exit(report.checks.every((c) => c.pass) ? 0 : 1);
		},
		(error: Error) => {
			process.stderr.write(`server-mode bench failed: ${error.stack ?? error.message}\n`);
			process.exit(2);
		},
	);
}
