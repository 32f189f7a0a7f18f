/**
 * n8n in queue mode on one machine, for `npm run start:queue` and the end-to-end tests: Redis and PostgreSQL
 * (services.ts), then one main (`n8n start`: editor, REST API, triggers and schedules) and N workers (`n8n worker`),
 * all from the cached n8n (install.ts), with the same encryption key and this package linked in each process's own
 * user folder, as on separate machines.
 *
 * Every process runs with EXECUTIONS_MODE=queue and OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true, so that manual runs
 * from the editor or the REST API run on workers too, and N8N_DEFAULT_BINARY_DATA_MODE=database (n8n 2.x's default in
 * queue mode, written out here): binary data (the batch CSV files) is kept in PostgreSQL, where main and every worker
 * read it; the `filesystem` mode would need one folder shared by all processes.
 *
 * Which worker ran an execution: the worker logs `Worker started execution <id> (job <job>)` and `Worker finished
 * execution <id>`, and main logs `Execution <id> (job <job>) finished` with the worker's host id; n8n keeps no worker
 * in the execution record itself. `workerOf()` reads the workers' own lines.
 */
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import {
	freePort,
	linkPackages,
	makeTempDir,
	n8nEnv,
	removeUserFolder,
	runN8nCli,
	thisPackage,
	trackForShutdown,
	type LinkedPackage,
} from '../env';
import { ensureN8n, type N8nInstallation } from '../install';
import { startN8n, type N8nInstance } from '../instance';
import { waitUntil } from './rest';
import { spawnSupervised, stopper } from '../supervised';
import { ensureDebianPackages, startPostgres, startRedis, type PostgresServer, type RedisServer } from './services';

/** Workers started by default. */
export const DEFAULT_WORKERS = 2;
/** Jobs one worker runs at the same time (n8n's default for `n8n worker`). */
export const DEFAULT_WORKER_CONCURRENCY = 10;

/**
 * Bull's job lock settings (n8n's QUEUE_WORKER_LOCK_DURATION, QUEUE_WORKER_LOCK_RENEW_TIME,
 * QUEUE_WORKER_STALLED_INTERVAL, in ms). A worker renews the lock of each running job; when a worker dies, its jobs'
 * locks expire and the next stalled-job check of another worker finds them. n8n sets Bull's maxStalledCount to 0:
 * such a job is not run again, its execution fails.
 */
export interface QueueLockSettings {
	lockDurationMs: number;
	lockRenewMs: number;
	stalledIntervalMs: number;
}

/** n8n 2.41's defaults: a dead worker's executions fail within about 1.5 minutes. */
export const N8N_DEFAULT_LOCK_SETTINGS: Readonly<QueueLockSettings> = Object.freeze({
	lockDurationMs: 60_000,
	lockRenewMs: 10_000,
	stalledIntervalMs: 30_000,
});

export type LogSource = 'main' | 'redis' | 'postgres' | `worker-${number}`;

export interface QueueClusterOptions {
	installation?: N8nInstallation;
	/** Number of workers (default 2). */
	workers?: number;
	/** Jobs per worker at the same time (`n8n worker --concurrency`, default 10). */
	workerConcurrency?: number;
	/** Main's HTTP port (default: a free one). */
	port?: number;
	/** Main's bind address (default 127.0.0.1). */
	listenAddress?: string;
	/** Extra environment for every n8n process (`undefined` removes a variable). */
	env?: Record<string, string | undefined>;
	/** Job lock settings; default n8n's own. */
	locks?: QueueLockSettings;
	/** Every line a process prints. */
	onLog?: (source: LogSource, line: string) => void;
	/** Progress messages (default: stderr). */
	onProgress?: (line: string) => void;
	/** Packages linked into every n8n process (default: this repository). */
	packages?: LinkedPackage[];
	/** Limit for each process to get ready (default 180 s). */
	startTimeoutMs?: number;
}

export interface QueueWorker {
	/** `worker-1`, `worker-2`, ... */
	readonly name: string;
	readonly healthPort: number;
	readonly userFolder: string;
	readonly process: ChildProcess;
	/** True once the process has exited. */
	exited(): boolean;
	logs(): string[];
	/** SIGTERM (n8n waits for running jobs up to N8N_GRACEFUL_SHUTDOWN_TIMEOUT), SIGKILL after `graceMs`. */
	stop(graceMs?: number): Promise<void>;
	/** SIGKILL to the worker's process group (its task runner included), as a crash; resolves once it is gone. */
	kill(): Promise<void>;
}

export interface QueueCluster {
	readonly installation: N8nInstallation;
	/** The current main (replaced by restartMain()). */
	readonly main: N8nInstance;
	/** Every worker started, including stopped ones. */
	readonly workers: QueueWorker[];
	readonly redis: RedisServer;
	readonly postgres: PostgresServer;
	/** Environment every n8n process shares (queue, database, binary data, encryption key). */
	readonly sharedEnv: Record<string, string>;
	/** Folder holding each process's user folder; removed by stop(). */
	readonly root: string;
	/**
	 * Stops main and starts it again on the same database and user folder (same port unless `port` is given), running
	 * `whileStopped` in between; resolves when the new main is ready (log in again: it is a new REST client).
	 */
	restartMain(o?: { port?: number; whileStopped?: () => unknown }): Promise<N8nInstance>;
	/** Starts one more worker (named `worker-<n>`); resolves when it is ready. */
	startWorker(): Promise<QueueWorker>;
	/** The worker that ran (started) `executionId`, by its own log, or undefined. */
	workerOf(executionId: string): string | undefined;
	/** Waits until a worker has logged `executionId` as started; resolves with its name. */
	waitForWorkerOf(executionId: string, timeoutMs?: number): Promise<string>;
	/** Process group ids of every process started (mains before a restart and stopped workers included). */
	processGroups(): number[];
	/** Stops every process (n8n first, then Redis and PostgreSQL) and removes the folders. Idempotent. */
	stop(): Promise<void>;
}

const STARTED = /Worker started execution (\d+) \(job /;

/** Environment every n8n process of a queue-mode setup needs, besides Redis's and PostgreSQL's. */
export function queueModeEnv(locks: QueueLockSettings = N8N_DEFAULT_LOCK_SETTINGS): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		QUEUE_WORKER_LOCK_DURATION: String(locks.lockDurationMs),
		QUEUE_WORKER_LOCK_RENEW_TIME: String(locks.lockRenewMs),
		QUEUE_WORKER_STALLED_INTERVAL: String(locks.stalledIntervalMs),
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
	};
}

async function distinctFreePort(taken: Set<number>): Promise<number> {
	for (;;) {
		const p = await freePort();
		if (!taken.has(p)) {
			taken.add(p);
			return p;
		}
	}
}

export async function startQueueCluster(opts: QueueClusterOptions = {}): Promise<QueueCluster> {
	const progress = opts.onProgress ?? ((l: string) => process.stderr.write(l + '\n'));
	const onLog = opts.onLog ?? (() => undefined);
	const timeoutMs = opts.startTimeoutMs ?? 180_000;
	const packages = opts.packages ?? [thisPackage()];
	const installation = opts.installation ?? (await ensureN8n({ onProgress: progress }));
	await ensureDebianPackages(progress);

	const root = makeTempDir('n8n-scantrust-queue-');
	const ports = new Set<number>();
	let redis: RedisServer | undefined;
	let postgres: PostgresServer | undefined;
	let main: N8nInstance | undefined;
	const workers: QueueWorker[] = [];
	const byExecution = new Map<string, string>();
	let workerCount = 0;
	const mainPids: number[] = [];
	let stopping: Promise<void> | undefined;

	const stop = (): Promise<void> =>
		(stopping ??= (async () => {
			// Workers first (they hold jobs), then main, then what they all use.
			await Promise.allSettled(workers.map((w) => w.stop(15_000)));
			await main?.stop(15_000).catch(() => undefined);
			await Promise.allSettled([redis?.stop(), postgres?.stop()]);
			for (const entry of fs.existsSync(root) ? fs.readdirSync(root) : []) removeUserFolder(path.join(root, entry));
			fs.rmSync(root, { recursive: true, force: true });
			untrack();
		})());
	// Last resort (Ctrl-C while starting): the services and processes register their own hooks too.
	const untrack = trackForShutdown({ kill: () => undefined, cleanup: () => stop() });

	try {
		const t0 = Date.now();
		[redis, postgres] = await Promise.all([
			startRedis({ onLog: (l) => onLog('redis', l) }),
			startPostgres({ onLog: (l) => onLog('postgres', l) }),
		]);
		for (const p of [redis.port, postgres.port]) ports.add(p);
		progress(`[queue] Redis on port ${redis.port}, PostgreSQL on port ${postgres.port} (${Date.now() - t0} ms)`);
		const sharedEnv: Record<string, string> = {
			...queueModeEnv(opts.locks),
			...redis.n8nEnv,
			...postgres.n8nEnv,
		};
		const envFor = (extra: Record<string, string>) => ({ ...sharedEnv, ...extra, ...opts.env });

		const mainFolder = path.join(root, 'main');
		let mainPort = opts.port ?? (await distinctFreePort(ports));
		ports.add(mainPort);
		const startMain = async (port: number) => {
			const t = Date.now();
			const instance = await startN8n({
				installation,
				userFolder: mainFolder,
				port,
				listenAddress: opts.listenAddress,
				packages,
				seedDatabase: false,
				startTimeoutMs: timeoutMs,
				env: envFor({}),
				onLog: (l) => onLog('main', l),
			});
			if (instance.process.pid) mainPids.push(instance.process.pid);
			progress(`[queue] main ready on port ${port} (${Date.now() - t} ms)`);
			return instance;
		};
		const seeded = await seedPostgres(installation, postgres, sharedEnv, root, (l) => onLog('main', l));
		progress(`[queue] database: ${SEED_RESULTS[seeded]}`);
		// Main first: it runs any database migrations left, which the workers then rely on.
		main = await startMain(mainPort);

		const startWorker = async (): Promise<QueueWorker> => {
			const name = `worker-${++workerCount}` as const;
			const folder = path.join(root, name);
			fs.mkdirSync(folder, { recursive: true });
			linkPackages(folder, packages);
			const healthPort = await distinctFreePort(ports);
			const brokerPort = await distinctFreePort(ports);
			const env = n8nEnv(
				installation,
				folder,
				envFor({
					N8N_RUNNERS_BROKER_PORT: String(brokerPort),
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
				}),
			);
			const t = Date.now();
			const worker = spawnWorker(name, installation, env, folder, healthPort, opts.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY, (l) => {
				const m = STARTED.exec(l);
				if (m) byExecution.set(m[1], name);
				onLog(name, l);
			});
			workers.push(worker);
			await worker.ready(timeoutMs);
			progress(`[queue] ${name} ready (health port ${healthPort}, ${Date.now() - t} ms)`);
			return worker;
		};
		await Promise.all(Array.from({ length: opts.workers ?? DEFAULT_WORKERS }, () => startWorker()));

		const cluster: QueueCluster = {
			installation,
			get main() {
				return main!;
			},
			workers,
			redis,
			postgres,
			sharedEnv,
			root,
			async restartMain(o = {}) {
				await main!.stop(15_000);
				await o.whileStopped?.();
				mainPort = o.port ?? mainPort;
				main = await startMain(mainPort);
				return main;
			},
			startWorker,
			processGroups: () =>
				[...mainPids, ...workers.map((w) => w.process.pid), redis!.pid, postgres!.pid].filter((p): p is number => typeof p === 'number'),
			workerOf: (id) => byExecution.get(String(id)),
			waitForWorkerOf: (id, ms = 60_000) => waitUntil(`a worker to log execution ${id} as started`, () => byExecution.get(String(id)), ms, 100),
			stop,
		};
		return cluster;
	} catch (err) {
		await stop();
		throw err;
	}
}

function spawnWorker(
	name: string,
	installation: N8nInstallation,
	env: NodeJS.ProcessEnv,
	folder: string,
	healthPort: number,
	concurrency: number,
	onLine: (line: string) => void,
): QueueWorker & { ready(timeoutMs: number): Promise<void> } {
	const p = spawnSupervised(name, installation.nodeBin, [installation.n8nBin, 'worker', `--concurrency=${concurrency}`], {
		cwd: folder,
		env,
		onLine: (l) => onLine(l),
	});
	const child = p.child;
	const { stop, kill } = stopper(p, { signal: 'SIGTERM', graceMs: 15_000, shutdownGraceMs: 5000 });
	return {
		name,
		healthPort,
		userFolder: folder,
		process: child,
		exited: () => p.exited() !== undefined,
		logs: () => [...p.logs],
		stop,
		kill,
		async ready(timeoutMs: number) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const exited = p.exited();
				if (exited) {
					throw new Error(
						`n8n ${name} exited before it was ready (exit code ${exited.code}, signal ${exited.signal}); last output:\n    ` +
							p.logs.slice(-25).join('\n    '),
					);
				}
				try {
					const res = await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
					if (res.status === 200) return;
				} catch {
					// not listening yet
				}
				if (Date.now() > deadline) {
					await stop(2000);
					throw new Error(`n8n ${name} was not ready within ${Math.round(timeoutMs / 1000)} s; last output:\n    ${p.logs.slice(-25).join('\n    ')}`);
				}
				await new Promise((r) => setTimeout(r, 250));
			}
		},
	};
}

const SEED_RESULTS = {
	restored: 'migrated empty database restored from the cached template',
	created: 'migrated once by n8n and kept as a template for the next runs',
	skipped: 'no template; n8n migrates it',
} as const;

/**
 * Gives the fresh database n8n's schema from a dump kept in the n8n install folder
 * (`<n8n dir>/.pg-template/n8n-pg<major>.sql`), made once by letting `n8n list:workflow` migrate an empty database.
 * Saves the ~150 migrations (~20 s) main would otherwise run at its first boot; like the SQLite template of env.ts,
 * nothing in it belongs to one setup (no owner, keys or settings of an instance). Never fails: on any problem the
 * database is emptied again and main migrates it.
 */
async function seedPostgres(
	installation: N8nInstallation,
	postgres: PostgresServer,
	sharedEnv: Record<string, string>,
	root: string,
	onLine: (line: string) => void,
): Promise<keyof typeof SEED_RESULTS> {
	const template = path.join(installation.dir, '.pg-template', `n8n-pg${postgres.major}.sql`);
	const tmp = `${template}.tmp-${process.pid}-${Date.now()}`;
	try {
		if (fs.existsSync(template)) {
			await postgres.restore(template);
			return 'restored';
		}
		const folder = path.join(root, 'migrate');
		fs.mkdirSync(folder, { recursive: true });
		const env = n8nEnv(installation, folder, { ...sharedEnv, N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
		const r = await runN8nCli(installation, ['list:workflow'], { env, onLine, timeoutMs: 300_000 });
		removeUserFolder(folder);
		if (r.code !== 0) throw new Error(`n8n list:workflow exited with ${r.code}`);
		fs.mkdirSync(path.dirname(template), { recursive: true });
		await postgres.dump(tmp);
		fs.renameSync(tmp, template);
		return 'created';
	} catch (err) {
		onLine(`(no database template: ${(err as Error).message}; n8n migrates the database itself)`);
		fs.rmSync(tmp, { force: true });
		await postgres.recreate();
		return 'skipped';
	}
}
