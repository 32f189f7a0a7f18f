/**
 * The package in n8n's queue mode: one main and two workers (n8n 2.41.1 on Node 24, the cached install), Redis and
 * PostgreSQL from Debian's packages on private ports (scripts/n8n/queue), against the Scantrust sandbox running in
 * this process. Manual runs are offloaded to the workers (OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true); binary data
 * lives in PostgreSQL (n8n's default in queue mode).
 *
 * One setup for the whole file (about 40-70 s). The polling trigger's test spans several tests: n8n polls at most
 * once a minute, so the trigger is activated first and the other tests run while it polls.
 *
 * If n8n, Redis or PostgreSQL cannot be installed or started, every test here fails with the reason: they never skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { freePort, PACKAGE_NAME, repoRoot } from '../../scripts/n8n/env';
import type { N8nInstallation } from '../../scripts/n8n/install';
import type { ExecutionResult, N8nInstance, PreparedWorkflow } from '../../scripts/n8n/instance';
import { startQueueCluster, type LogSource, type QueueCluster } from '../../scripts/n8n/queue/cluster';
import { downloadWorkflow } from '../../scripts/n8n/queue/bench';
import { activateWorkflow, listExecutions, startManualRun, waitUntil } from '../../scripts/n8n/queue/rest';
import {
	CREDENTIAL_NAME,
	CREDENTIAL_TYPE,
	EXAMPLE,
	fileAccessEnv,
	loadExample,
	nodeOutput,
	sandboxCredentialData,
	withNodeParameters,
	withSettings,
} from '../../scripts/n8n/scantrust';
import { BATCH_CSV_HEADER } from '../../nodes/Scantrust/codes/codesCsv';
import { BATCH_SIZE, INGESTION_STATUS, startSandbox, type Sandbox } from '../sandbox';
import { expectOrderCsvRun, ORDER_CSV_QUANTITY } from './orderCsvExample';
import { prepareRealN8n } from './packageBuild';

// A first install of n8n downloads ~2.9 GB (4-8 minutes), Redis and PostgreSQL come from apt-get; then all is cached.
const SETUP_TIMEOUT = 30 * 60_000;
jest.setTimeout(5 * 60_000);

/** Shorter job locks than n8n's defaults (60 s / 10 s / 30 s), so that a dead worker's job is found in ~25 s. */
const LOCKS = { lockDurationMs: 20_000, lockRenewMs: 4_000, stalledIntervalMs: 5_000 };
/** Only work orders whose reference contains this start the trigger's workflow. */
const TRIGGER_MARK = 'queue-e2e-trigger';
const WORKERS = ['worker-1', 'worker-2'];
/** n8n's shortest polling interval: one minute. */
const POLL_MS = 60_000;

const log = (line: string) => process.stderr.write(`[e2e-queue] ${line}\n`);

describe('n8n queue mode: main and two workers over Redis and PostgreSQL', () => {
	let installation: N8nInstallation;
	let sandbox: Sandbox;
	let cluster: QueueCluster;
	let outDir: string;
	let credentialId: string;
	const logs = new Map<string, string[]>();
	const wf: Record<'orderCsv' | 'codesReadyEmail' | 'uploadOwnCodes' | 'trigger', PreparedWorkflow> = {} as never;
	const n8n = (): N8nInstance => cluster.main;
	const logOf = (source: string) => logs.get(source) ?? [];

	beforeAll(async () => {
		const t0 = Date.now();
		installation = await prepareRealN8n(log);
		sandbox = await startSandbox({ generationDelayMs: 300, ingestionDelayMs: 300 });
		outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scantrust-e2e-queue-csv-'));
		cluster = await startQueueCluster({
			installation,
			workers: WORKERS.length,
			env: fileAccessEnv([outDir]),
			locks: LOCKS,
			onProgress: log,
			onLog: (source: LogSource, line: string) => {
				const list = logs.get(source) ?? [];
				list.push(line);
				logs.set(source, list);
			},
		});
		await n8n().setupOwner();
		credentialId = (
			await n8n().createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(sandbox) })
		).id;

		const a = withSettings(loadExample(EXAMPLE.orderCsv.file), { quantity: ORDER_CSV_QUANTITY, outputFolder: outDir });
		withNodeParameters(a, EXAMPLE.orderCsv.create, { pollInterval: 0.5 });
		wf.orderCsv = await n8n().createWorkflow(a);
		wf.codesReadyEmail = await n8n().createWorkflow(loadExample(EXAMPLE.codesReadyEmail.file));
		const c = loadExample(EXAMPLE.uploadOwnCodes.file);
		withNodeParameters(c, EXAMPLE.uploadOwnCodes.process, { pollInterval: 0.5 });
		wf.uploadOwnCodes = await n8n().createWorkflow(c);
		// The codes-ready example as a user activates it, polling as often as n8n allows, for the marked orders only.
		const t = loadExample(EXAMPLE.codesReadyEmail.file);
		t.name = `${t.name} (activated)`;
		withNodeParameters(t, EXAMPLE.codesReadyEmail.trigger, {
			pollTimes: { item: [{ mode: 'everyMinute' }] },
			filters: { search: TRIGGER_MARK },
		});
		wf.trigger = await n8n().createWorkflow(t);
		log(`queue-mode n8n ready with the examples in ${Date.now() - t0} ms at ${n8n().url}`);
	}, SETUP_TIMEOUT);

	afterAll(async () => {
		await cluster?.stop();
		await sandbox?.close();
		if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
	});

	/** The worker that ran an execution, by its own log; main only enqueued it. */
	async function ranOnWorker(executionId: string): Promise<string> {
		const worker = await cluster.waitForWorkerOf(executionId, 30_000);
		expect(WORKERS).toContain(worker);
		expect(logOf('main')).toContain(`Enqueued execution ${executionId} (job ${jobOf(worker, executionId)})`);
		expect(logOf('main').some((l) => l.startsWith(`Worker started execution ${executionId} `))).toBe(false);
		return worker;
	}
	function jobOf(worker: string, executionId: string): string {
		const line = logOf(worker).find((l) => l.startsWith(`Worker started execution ${executionId} (job `));
		return /\(job (\d+)\)/.exec(line ?? '')?.[1] ?? '?';
	}

	// ---------------------------------------------------------------------------------------------------------------
	// The trigger, part 1 (the rest comes after the other tests have given it time to poll)

	/** Polls of the activated trigger: its first list request of each poll (offset 0) with the trigger's search. */
	const polls = () =>
		sandbox.requests.filter(
			(r) => r.origin === 'api' && r.method === 'GET' && r.path === '/api/v2/workorders/' && r.query.search === TRIGGER_MARK && (r.query.offset ?? '0') === '0',
		);
	const marked = (name: string) => {
		const wo = sandbox.createWorkOrder({ template: 102, quantity: 100, reference: `${TRIGGER_MARK}-${name}` });
		sandbox.completeGeneration(wo.id);
		return wo;
	};
	const trigger: { before?: number; b?: number; c?: number; d?: number; e?: number; cdEmittedAt?: number } = {};

	it('the package loads on main and on every worker', async () => {
		const types = (await n8n().nodeTypes()).map((t) => t.name);
		expect(types).toEqual(expect.arrayContaining([`${PACKAGE_NAME}.scantrust`, `${PACKAGE_NAME}.scantrustTrigger`]));
		for (const source of ['main', ...WORKERS]) {
			expect(logOf(source).filter((l) => /Failed to load package|Unrecognized node type/i.test(l))).toEqual([]);
			expect(logOf(source).length).toBeGreaterThan(0);
		}
	});

	it('trigger: nothing polls before activation; once activated, main polls in production mode', async () => {
		trigger.before = marked('A').id;
		await new Promise((r) => setTimeout(r, 1500));
		expect(polls()).toHaveLength(0);
		await activateWorkflow(n8n(), wf.trigger.id);
		// activation polls once: work orders that existed before it never start the workflow
		await waitUntil('the activation poll', () => polls().length >= 1, 30_000);
		trigger.b = marked('B').id;
		expect(await listExecutions(n8n(), wf.trigger.id)).toEqual([]);
	});

	// ---------------------------------------------------------------------------------------------------------------
	// The examples, run manually from the editor's API: on the workers

	it('(a) creates a work order, waits, downloads it per batch and writes one CSV per batch, on a worker', async () => {
		const r = await n8n().runWorkflowManually(wf.orderCsv.id, EXAMPLE.orderCsv.trigger, { timeoutMs: 180_000 });
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');
		await ranOnWorker(r.executionId);

		// Read/Write Files from Disk read the batch CSVs back from the binary data store (PostgreSQL) on the worker
		expectOrderCsvRun(r.runData, sandbox, outDir);
	});

	it('(b) the codes-ready example downloads per batch on a worker; main serves the batch CSV the worker stored', async () => {
		const ready = sandbox.createWorkOrder({ template: 102, quantity: 25_000 });
		sandbox.completeGeneration(ready.id);
		const r = await n8n().runWorkflowManually(wf.codesReadyEmail.id, EXAMPLE.codesReadyEmail.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');
		expect(r.mode).toBe('manual');
		await ranOnWorker(r.executionId);

		expect(nodeOutput(r.runData, EXAMPLE.codesReadyEmail.trigger).map((i) => i.json)).toEqual([expect.objectContaining({ id: ready.id })]);
		const batches = nodeOutput(r.runData, EXAMPLE.codesReadyEmail.download);
		expect(batches.map((i) => [i.json.workOrderId, i.json.batch, i.json.codeCount])).toEqual([
			[ready.id, 1, BATCH_SIZE],
			[ready.id, 2, 5_000],
		]);
		const file = batches[0].binary?.data as { id: string; fileName: string; mimeType: string };
		expect(file).toEqual(expect.objectContaining({ fileName: `work-order-${ready.id}-batch-1.csv`, mimeType: 'text/csv' }));
		// n8n 2.x in queue mode keeps binary data in the database: the id says so, and main reads what the worker wrote
		expect(file.id).toMatch(/^database:/);
		const csv = await n8n().rest<string>('GET', `/rest/binary-data?id=${encodeURIComponent(file.id)}&action=download`);
		const lines = String(csv).trimEnd().split(/\r?\n/);
		const codes = sandbox.codesFor(ready.id);
		expect(lines[0]).toBe(BATCH_CSV_HEADER);
		expect(lines).toHaveLength(BATCH_SIZE + 1);
		expect(lines[1].split(',')[0]).toBe(codes[0].extendedId);
		expect(lines[BATCH_SIZE].split(',')[0]).toBe(codes[BATCH_SIZE - 1].extendedId);
		// the disabled e-mail node passes the items through
		expect(nodeOutput(r.runData, EXAMPLE.codesReadyEmail.email).map((i) => i.json)).toEqual(batches.map((i) => i.json));
	});

	it('(c) uploads spreadsheet rows, processes them and waits until Scantrust has created the codes, on a worker', async () => {
		const r = await n8n().runWorkflowManually(wf.uploadOwnCodes.id, EXAMPLE.uploadOwnCodes.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');
		await ranOnWorker(r.executionId);
		const rows = nodeOutput(r.runData, EXAMPLE.uploadOwnCodes.rows).map((i) => i.json);
		expect(rows).toHaveLength(10);
		const uploaded = nodeOutput(r.runData, EXAMPLE.uploadOwnCodes.upload).map((i) => i.json);
		expect(uploaded).toEqual([expect.objectContaining({ codeCount: 10, processed: false, part: 1, parts: 1, status: INGESTION_STATUS.uploading })]);
		const recordKey = String(uploaded[0].recordKey);
		expect(sandbox.state.ingestionRecords.find((x) => x.key === recordKey)?.status).toBe(INGESTION_STATUS.finished);
		for (const row of rows) expect(sandbox.state.knownCodeIds.has(String(row.id))).toBe(true);
	});

	it('five downloads started at once spread over both workers and all succeed', async () => {
		const orders = Array.from({ length: 5 }, () => {
			const wo = sandbox.createWorkOrder({ template: 101, quantity: 25_000 });
			sandbox.completeGeneration(wo.id);
			return wo;
		});
		const workflows = await Promise.all(orders.map((wo) => n8n().createWorkflow(downloadWorkflow(wo.id, credentialId))));
		const started = Date.now();
		const runs = await Promise.all(workflows.map((w) => n8n().runWorkflowManually(w.id, 'Start', { timeoutMs: 180_000 })));
		log(`five concurrent 25,000-code downloads on two workers: ${Date.now() - started} ms`);
		const ranOn: string[] = [];
		for (const [i, r] of runs.entries()) {
			expect(r.error).toBeUndefined();
			expect(r.status).toBe('success');
			ranOn.push(await ranOnWorker(r.executionId));
			const codes = sandbox.codesFor(orders[i].id);
			const batches = nodeOutput(r.runData, 'Download').map((item) => item.json);
			expect(batches.map((b) => [b.workOrderId, b.batch, b.codeCount])).toEqual([
				[orders[i].id, 1, BATCH_SIZE],
				[orders[i].id, 2, 5_000],
			]);
			expect(batches[1]).toEqual(
				expect.objectContaining({ firstExtendedId: codes[BATCH_SIZE].extendedId, lastExtendedId: codes[codes.length - 1].extendedId }),
			);
		}
		expect(new Set(ranOn)).toEqual(new Set(WORKERS));
	});

	// ---------------------------------------------------------------------------------------------------------------
	// The trigger, part 2

	/** Work order ids in the trigger output of each execution of the activated workflow. */
	async function triggerRuns(): Promise<Array<{ id: string; status: string; mode: string; ids: number[]; worker?: string }>> {
		const list = await listExecutions(n8n(), wf.trigger.id);
		const runs = [];
		for (const e of list.sort((x, y) => Number(x.id) - Number(y.id))) {
			const full: ExecutionResult = await n8n().getExecution(e.id);
			const ids = nodeOutput(full.runData, EXAMPLE.codesReadyEmail.trigger).map((i) => Number(i.json.id));
			runs.push({ id: e.id, status: full.status, mode: e.mode, ids, worker: cluster.workerOf(e.id) });
		}
		return runs;
	}
	const finished = (runs: Array<{ status: string }>) => runs.every((r) => ['success', 'error', 'crashed', 'canceled'].includes(r.status));

	it('trigger: each work order created between polls starts exactly one execution, on a worker', async () => {
		// B was created right after activation: the next poll emits it.
		await waitUntil('the poll after B', async () => {
			const runs = await triggerRuns();
			return runs.length >= 1 && finished(runs) && runs;
		}, POLL_MS + 60_000, 1000);
		// C and D together, between two polls: one execution with both, oldest first.
		trigger.c = marked('C').id;
		trigger.d = marked('D').id;
		await waitUntil('the execution for C and D', async () => {
			const runs = await triggerRuns();
			return runs.length >= 2 && finished(runs) && runs;
		}, POLL_MS + 60_000, 1000);
		trigger.cdEmittedAt = Date.now();
		const runs = await triggerRuns();
		expect(runs.map((r) => r.ids)).toEqual([[trigger.b], [trigger.c, trigger.d]]);
		for (const r of runs) {
			expect(r).toEqual(expect.objectContaining({ status: 'success', mode: 'trigger' }));
			expect(WORKERS).toContain(r.worker);
		}
		// One poller (main) at n8n's one-minute interval: after the activation poll, polls are a minute apart.
		const at = polls().map((p) => p.at);
		expect(at.length).toBeGreaterThanOrEqual(3);
		for (let i = 2; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThan(POLL_MS - 5_000);
	});

	it('trigger: after a restart of main the cursor is still there (static data in PostgreSQL): only the order created meanwhile starts the workflow', async () => {
		const stored = await cluster.postgres.query(`SELECT "staticData" FROM workflow_entity WHERE id = '${wf.trigger.id}'`);
		for (const id of [trigger.b, trigger.c, trigger.d]) expect(stored).toContain(`"${id}"`);
		const pollsBefore = polls().length;
		await cluster.restartMain({
			whileStopped: () => {
				trigger.e = marked('E').id;
			},
		});
		await n8n().setupOwner();
		// the restarted main activates the workflow again, which polls at once
		await waitUntil('the poll of the restarted main', () => polls().length > pollsBefore, 60_000);
		await waitUntil('the execution for E', async () => {
			const r = await triggerRuns();
			return r.length >= 3 && finished(r) && r;
		}, 90_000, 1000);
		await new Promise((r) => setTimeout(r, 3000));
		const runs = await triggerRuns();
		expect(runs.map((r) => r.ids)).toEqual([[trigger.b], [trigger.c, trigger.d], [trigger.e]]);
		expect(runs[2]).toEqual(expect.objectContaining({ status: 'success', mode: 'trigger' }));
		expect(runs.flatMap((r) => r.ids)).not.toContain(trigger.before);
	});

	// ---------------------------------------------------------------------------------------------------------------
	// A worker dies in the middle of a download

	it('a worker killed in the middle of a download: n8n fails the execution and runs nothing again; no work order is created twice', async () => {
		const reference = 'queue-e2e-crash-order';
		const crashDir = path.join(outDir, 'crash');
		fs.mkdirSync(crashDir, { recursive: true });
		const w = withSettings(loadExample(EXAMPLE.orderCsv.file), { quantity: 30_000, outputFolder: crashDir });
		w.name = `${w.name} (crash)`;
		withNodeParameters(w, EXAMPLE.orderCsv.create, { pollInterval: 0.5, additionalFields: { reference } });
		const workflow = await n8n().createWorkflow(w);
		const ordersWithReference = () => sandbox.state.workOrders.filter((wo) => wo.reference === reference);

		// The archive's storage answers only after 40 s: the worker is then inside the download when it dies.
		const requestsBefore = sandbox.requests.length;
		sandbox.faults.push({ method: 'GET', path: /\.zip$/, status: 503, delayMs: 40_000, times: 1 });
		const executionId = await startManualRun(n8n(), workflow.id, EXAMPLE.orderCsv.trigger);
		const victim = await cluster.waitForWorkerOf(executionId, 30_000);
		await waitUntil('the archive download', () => sandbox.requests.slice(requestsBefore).some((r) => r.origin === 'storage' && r.path.endsWith('.zip')), 60_000);
		expect(ordersWithReference()).toHaveLength(1);
		await cluster.workers.find((x) => x.name === victim)!.kill();
		const survivor = WORKERS.find((x) => x !== victim)!;

		// n8n's promise: the job's lock expires, another worker's stalled-job check finds it, and since n8n allows no
		// stalled job to run again (maxStalledCount 0) main fails the execution.
		const failed = await waitUntil('the execution to fail', async () => {
			const e = await n8n().getExecution(executionId);
			return ['error', 'crashed', 'success', 'canceled'].includes(e.status) && e;
		}, 150_000, 1000);
		expect(failed.status).toBe('error');
		expect(failed.error?.message).toMatch(/failed to be processed too many times/);
		expect(logOf(survivor).some((l) => l.startsWith(`Worker started execution ${executionId} `))).toBe(false);
		expect(ordersWithReference()).toHaveLength(1);

		// n8n's Retry has nothing to resume (the dead worker saved no progress): it orders nothing.
		const retried = await n8n().retryExecution(executionId, { timeoutMs: 120_000 });
		expect(retried.status).not.toBe('success');
		expect(ordersWithReference()).toHaveLength(1);

		// Running the workflow again with the same Reference returns the order made before the crash.
		const again = await n8n().runWorkflowManually(workflow.id, EXAMPLE.orderCsv.trigger, { timeoutMs: 180_000 });
		expect(again.error).toBeUndefined();
		expect(again.status).toBe('success');
		expect(await ranOnWorker(again.executionId)).toBe(survivor);
		const order = ordersWithReference();
		expect(order).toHaveLength(1);
		expect(nodeOutput(again.runData, EXAMPLE.orderCsv.create).map((i) => [i.json.id, i.json.alreadyExisted])).toEqual([[order[0].id, true]]);
		expect(nodeOutput(again.runData, EXAMPLE.orderCsv.write).map((i) => String(i.json.fileName))).toEqual(
			[1, 2].map((b) => path.join(crashDir, `work-order-${order[0].id}-batch-${b}.csv`)),
		);
	});

	it('trigger: none twice over at least three polls (before and after the restart of main)', async () => {
		// after the poll that emitted C and D: the restarted main's first poll and at least one scheduled poll
		await waitUntil('two polls after the one that emitted C and D', () => polls().filter((p) => p.at > trigger.cdEmittedAt!).length >= 2, POLL_MS + 60_000, 1000);
		await new Promise((r) => setTimeout(r, 3000));
		expect((await triggerRuns()).map((r) => r.ids)).toEqual([[trigger.b], [trigger.c, trigger.d], [trigger.e]]);
	});

	it('stop() ends every process it started (process groups) and removes its folders', async () => {
		const groups = cluster.processGroups();
		expect(groups.length).toBeGreaterThanOrEqual(5); // redis, postgres, main (two after the restart), two workers
		const folders = [cluster.root, cluster.redis.dir, cluster.postgres.dir];
		await cluster.stop();
		for (const pgid of groups) {
			expect(() => process.kill(-pgid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
		}
		for (const folder of folders) expect(fs.existsSync(folder)).toBe(false);
	});
});

describe('npm run start:queue', () => {
	let child: ChildProcess | undefined;

	afterAll(async () => {
		// only when the test failed half-way: Ctrl-C again, and if that does not end it, kill what it started
		if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
		const gone = new Promise((resolve) => child!.once('exit', resolve));
		const left = descendants(child.pid);
		child.kill('SIGINT');
		await Promise.race([gone, new Promise((r) => setTimeout(r, 40_000))]);
		const stuck = child.exitCode === null && child.signalCode === null ? [child.pid] : [];
		for (const pid of [...left.filter(isAlive).map((p) => p.pid), ...stuck]) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	}, 60_000);

	it('Ctrl-C stops every process it started and removes their folders', async () => {
		const root = repoRoot();
		// the script as `npm run start:queue` runs it (tsc -p scripts/n8n; type errors are npm test's typecheck's business)
		spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'scripts', 'n8n')], { cwd: root, stdio: 'ignore' });
		const script = path.join(root, 'build', 'scripts', 'n8n', 'queue', 'start.js');
		expect(fs.existsSync(script)).toBe(true);
		const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => /^n8n-scantrust-(queue|redis|postgres)-/.test(f)));
		child = spawn(process.execPath, [script, '--workers', '1', '--port', String(await freePort())], {
			cwd: root,
			env: { ...process.env, SCANTRUST_TOKEN: '' },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
		child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
		const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
		await waitUntil('npm run start:queue to be ready', () => out.includes('is running'), 240_000, 500).catch((err: Error) => {
			throw new Error(`${err.message}; its output:\n${out.slice(-3000)}`);
		});
		const started = descendants(child.pid!);
		// redis-server, postgres, n8n main and worker (and their task runners)
		expect(started.filter((p) => /redis-server/.test(p.cmd))).toHaveLength(1);
		expect(started.filter((p) => /postgres -D/.test(p.cmd))).toHaveLength(1);
		expect(started.filter((p) => / start$/.test(p.cmd))).toHaveLength(1);
		expect(started.filter((p) => / worker --concurrency=/.test(p.cmd))).toHaveLength(1);
		const folders = fs.readdirSync(os.tmpdir()).filter((f) => /^n8n-scantrust-(queue|redis|postgres)-/.test(f) && !before.has(f));
		expect(folders).toHaveLength(3);

		child.kill('SIGINT'); // what Ctrl-C sends to the foreground process; what it started has its own process groups
		expect(await exited).toBe(0);
		expect(out).toContain('stopped.');
		expect(started.filter((p) => isAlive(p))).toEqual([]);
		for (const f of folders) expect(fs.existsSync(path.join(os.tmpdir(), f))).toBe(false);
	}, 6 * 60_000);
});

interface ProcessInfo {
	pid: number;
	/** Start time in clock ticks since boot (/proc/<pid>/stat field 22), so that a reused pid is not mistaken. */
	start: string;
	cmd: string;
}

function readStat(pid: number): { ppid: number; start: string } | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return { ppid: Number(fields[1]), start: fields[19] };
	} catch {
		return undefined;
	}
}

/** Every process below `pid` right now. */
function descendants(pid: number): ProcessInfo[] {
	const all = fs
		.readdirSync('/proc')
		.filter((d) => /^\d+$/.test(d))
		.map(Number)
		.map((p) => ({ pid: p, stat: readStat(p) }))
		.filter((p): p is { pid: number; stat: { ppid: number; start: string } } => p.stat !== undefined);
	const found: ProcessInfo[] = [];
	const walk = (parent: number) => {
		for (const p of all.filter((x) => x.stat.ppid === parent)) {
			let cmd = '';
			try {
				cmd = fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
			} catch {
				// gone meanwhile
			}
			found.push({ pid: p.pid, start: p.stat.start, cmd });
			walk(p.pid);
		}
	};
	walk(pid);
	return found;
}

function isAlive(p: ProcessInfo): boolean {
	const now = readStat(p.pid);
	return now !== undefined && now.start === p.start;
}
