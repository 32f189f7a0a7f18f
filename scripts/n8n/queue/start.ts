/**
 * `npm run start:queue`: n8n in queue mode with this package, ready to click through, as `npm start` but scaled out:
 *
 *  1. the local Scantrust sandbox (or a real Scantrust environment: SCANTRUST_TOKEN etc., as for `npm start`);
 *  2. Redis and PostgreSQL from Debian's packages (installed with apt-get when missing and running as root), each on
 *     a free port with its data in a temporary folder;
 *  3. n8n main (`n8n start`) and two workers (`n8n worker`) from the cached n8n, this package linked in each;
 *  4. an owner account, the credential "Scantrust API" and the example workflows; prints the URL and the login.
 * Ctrl-C stops n8n, Redis, PostgreSQL and the sandbox (each in its own process group) and removes their folders.
 *
 * Options (after `npm run start:queue --`):
 *   --port N          main's port (default 5678 when free, else any free port)
 *   --workers N       number of workers (default 2)
 *   --concurrency N   jobs per worker at the same time (default 10, n8n's own)
 *   --sandbox         use the sandbox even when SCANTRUST_TOKEN is set
 *   --verbose         print every process's log lines (default: written to a log file, whose path is printed)
 *   --bench           instead: time five concurrent downloads on one worker and on two (see bench.ts), then exit;
 *                     with --runs N (timed rounds per setup, default 3) and --codes N (codes per download, default 100,000)
 */
import * as fs from 'fs';
import * as path from 'path';

import type { Sandbox } from '../../../test/sandbox';
import { choosePort, scantrustToUse } from '../../start';
import { missingPackageFiles, thisPackage } from '../env';
import { defaultCacheRoot, ensureN8n, N8N_VERSION } from '../install';
import { DEFAULT_OWNER } from '../instance';
import {
	CREDENTIAL_NAME,
	CREDENTIAL_TYPE,
	DEFAULT_OUTPUT_FOLDER,
	exampleFiles,
	fileAccessEnv,
	loadExample,
} from '../scantrust';
import { runQueueBench } from './bench';
import { DEFAULT_WORKER_CONCURRENCY, DEFAULT_WORKERS, startQueueCluster, type QueueCluster } from './cluster';


interface Args {
	port?: number;
	workers: number;
	concurrency: number;
	forceSandbox: boolean;
	verbose: boolean;
	bench: boolean;
	runs?: number;
	codes?: number;
}

function parseArgs(argv: string[]): Args {
	const args: Args = { workers: DEFAULT_WORKERS, concurrency: DEFAULT_WORKER_CONCURRENCY, forceSandbox: false, verbose: false, bench: false };
	const count = (flag: string, v: string | undefined, max: number) => {
		const n = Number(v);
		if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${flag} needs a whole number from 1 to ${max}, got ${v}`);
		return n;
	};
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split(/=(.*)/s, 2);
		const value = () => inline ?? argv[++i];
		if (flag === '--port') args.port = count(flag, value(), 65535);
		else if (flag === '--workers') args.workers = count(flag, value(), 16);
		else if (flag === '--concurrency') args.concurrency = count(flag, value(), 100);
		else if (flag === '--sandbox') args.forceSandbox = true;
		else if (flag === '--verbose') args.verbose = true;
		else if (flag === '--bench') args.bench = true;
		else if (flag === '--runs') args.runs = count(flag, value(), 100);
		else if (flag === '--codes') args.codes = count(flag, value(), 10_000_000);
		else if (flag === '--help' || flag === '-h') {
			process.stdout.write('npm run start:queue [-- --port N] [--workers N] [--concurrency N] [--sandbox] [--verbose] [--bench [--runs N] [--codes N]]\n');
			process.exit(0);
		} else throw new Error(`unknown option ${argv[i]} (try --help)`);
	}
	return args;
}

const say = (line = '') => process.stdout.write(line + '\n');
const note = (line: string) => process.stderr.write(line + '\n');

const running: { sandbox?: Sandbox; cluster?: QueueCluster; starting?: Promise<unknown>; stopping: boolean } = { stopping: false };

async function stopAll(code: number): Promise<never> {
	if (!running.stopping) {
		running.stopping = true;
		note('\nstopping n8n (main and workers), Redis, PostgreSQL and the sandbox…');
		// While starting, the shutdown hooks of scripts/n8n stop what is up and the start then fails: wait for that.
		if (!running.cluster && running.starting) {
			await Promise.race([running.starting.catch(() => undefined), new Promise((r) => setTimeout(r, 30_000))]);
		}
		await Promise.allSettled([running.cluster?.stop(), running.sandbox?.close()]);
		note('stopped.');
	}
	process.exit(code);
}

async function main(): Promise<void> {
	const t0 = Date.now();
	const args = parseArgs(process.argv.slice(2));
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.on(sig, () => {
			if (running.stopping) return;
			void stopAll(0);
		});
	}
	const missing = missingPackageFiles(thisPackage());
	if (missing.length) throw new Error(`the package is not built (missing ${missing.join(', ')}): run \`npm run build\``);
	const installation = await ensureN8n({ onProgress: note });

	const logDir = path.join(defaultCacheRoot(), 'logs');
	fs.mkdirSync(logDir, { recursive: true });
	if (args.bench) {
		const benchLog = path.join(logDir, 'n8n-queue-bench.log');
		const out = fs.createWriteStream(benchLog, { flags: 'w' });
		note(`benchmark; the processes' log: ${benchLog}`);
		const onLog = (source: string, line: string) => out.write(`${source}| ${line}\n`);
		running.starting = runQueueBench({ installation, log: note, runs: args.runs, codes: args.codes, onLog }).then((report) => say(report));
		await running.starting;
		return;
	}

	const { real, sandbox: started, credentialData } = await scantrustToUse(args.forceSandbox, note);
	running.sandbox = started;
	const port = await choosePort(args.port, '127.0.0.1', note);
	fs.mkdirSync(DEFAULT_OUTPUT_FOLDER, { recursive: true });
	const logFile = path.join(logDir, `n8n-queue-${port}.log`);
	const log = fs.createWriteStream(logFile, { flags: 'w' });
	note(`starting Redis, PostgreSQL, n8n ${N8N_VERSION} main on port ${port} and ${args.workers} worker(s) (log: ${logFile})…`);
	running.starting = startQueueCluster({
		installation,
		port,
		workers: args.workers,
		workerConcurrency: args.concurrency,
		env: fileAccessEnv([DEFAULT_OUTPUT_FOLDER]),
		onProgress: note,
		onLog: (source, line) => {
			log.write(`${source}| ${line}\n`);
			if (args.verbose) note(`  ${source}| ${line}`);
		},
	});
	const cluster = (await running.starting) as QueueCluster;
	running.cluster = cluster;
	if (running.stopping) return;

	const n8n = cluster.main;
	await n8n.setupOwner(DEFAULT_OWNER);
	const credentialId = (await n8n.createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: credentialData })).id;
	const imported: string[] = [];
	for (const file of exampleFiles()) {
		const saved = await n8n.createWorkflow({ ...loadExample(file) });
		imported.push(`${saved.name}  (${n8n.editorUrl}/workflow/${saved.id})`);
	}
	const test = await n8n.testCredential({ id: credentialId, type: CREDENTIAL_TYPE });
	const sandbox = running.sandbox;
	say(
		[
			'',
			`n8n ${N8N_VERSION} in queue mode with n8n-nodes-scantrust is running (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
			'',
			`  Open      ${n8n.editorUrl}`,
			`  Log in    ${DEFAULT_OWNER.email}  /  ${DEFAULT_OWNER.password}`,
			`  Main      port ${n8n.port}: editor, REST API, triggers and schedules`,
			`  Workers   ${cluster.workers.map((w) => `${w.name} (health http://127.0.0.1:${w.healthPort}/healthz)`).join(', ')}: every execution, manual ones included`,
			`  Redis     127.0.0.1:${cluster.redis.port}   PostgreSQL 127.0.0.1:${cluster.postgres.port} (database ${cluster.postgres.database}); binary data in PostgreSQL`,
			real
				? `  Scantrust ${real.label}; credential "${CREDENTIAL_NAME}" (token from SCANTRUST_TOKEN, not shown)`
				: `  Scantrust local sandbox ${sandbox!.apiUrl} (token ${sandbox!.token}); credential "${CREDENTIAL_NAME}"`,
			`            credential test: ${test.status === 'OK' ? 'OK' : `FAILED: ${test.message}`}`,
			'  Workflows',
			...imported.map((w) => `    - ${w}`),
			`  Files     the CSV example writes to ${DEFAULT_OUTPUT_FOLDER}`,
			real ? '  Careful   the examples create real, billed work orders: open their Settings node before running them.' : '',
			'',
			'Ctrl-C stops everything started here; all data is temporary (export workflows you want to keep).',
			'',
		]
			.filter((l, i, all) => l !== '' || all[i - 1] !== '')
			.join('\n'),
	);

	// A process ending on its own ends start:queue too.
	for (const p of [n8n.process, ...cluster.workers.map((w) => w.process)]) {
		p.once('exit', (code, signal) => {
			if (running.stopping) return;
			note(`an n8n process exited on its own (exit code ${code}, signal ${signal}); see ${logFile}`);
			void stopAll(1);
		});
	}
}

if (require.main === module) {
	main()
		.then(() => {
			if (running.cluster === undefined && !running.stopping) process.exit(0); // --bench: done
		})
		.catch((err: Error) => {
			if (running.stopping) return;
			process.stderr.write(`\nnpm run start:queue failed: ${err.message}\n`);
			void stopAll(1);
		});
}
