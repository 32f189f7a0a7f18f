/**
 * `npm start`: a real n8n with this package, ready to click through.
 *
 *  1. the local Scantrust sandbox (or a real Scantrust environment, see below);
 *  2. n8n 2.41.1 on Node 24, installed the first time into ~/.cache/n8n-nodes-scantrust (progress shown), started
 *     with this repository linked as the community package n8n-nodes-scantrust (its dist/, built by `npm start`);
 *  3. an owner account (printed), the credential "Scantrust API" and the example workflows of examples/;
 *  4. prints the URL and the login; Ctrl-C stops n8n and the sandbox and removes n8n's temporary folder.
 *
 * Options (after `npm start --`):
 *   --port N         n8n's port (default 5678 when free, else any free port; also N8N_PORT)
 *   --sandbox        use the sandbox even when SCANTRUST_TOKEN is set
 *   --user-folder D  keep n8n's data in D (default: a temporary folder removed at the end)
 *   --verbose        print n8n's own log lines (default: written to a log file, whose path is printed)
 * A real Scantrust environment instead of the sandbox: SCANTRUST_TOKEN=<UAT token> and either
 * SCANTRUST_ENVIRONMENT=production|staging (default production) or SCANTRUST_BASE_URL=https://... .
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

import { startSandbox, type Sandbox } from '../test/sandbox';
import { freePort, missingPackageFiles, thisPackage } from './n8n/env';
import { defaultCacheRoot, ensureN8n, N8N_VERSION } from './n8n/install';
import { DEFAULT_OWNER, startN8n, type N8nInstance } from './n8n/instance';
import {
	CREDENTIAL_NAME,
	CREDENTIAL_TYPE,
	DEFAULT_OUTPUT_FOLDER,
	exampleFiles,
	fileAccessEnv,
	loadExample,
	realScantrustFromEnv,
	sandboxCredentialData,
	type RealScantrust,
	type ScantrustCredentialData,
} from './n8n/scantrust';

export const DEFAULT_PORT = 5678;

interface StartArgs {
	port?: number;
	forceSandbox: boolean;
	userFolder?: string;
	verbose: boolean;
}

function parseArgs(argv: string[]): StartArgs {
	const args: StartArgs = { forceSandbox: false, verbose: false };
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split(/=(.*)/s, 2);
		const value = () => {
			const v = inline ?? argv[++i];
			if (v === undefined) throw new Error(`${flag} needs a value`);
			return v;
		};
		if (flag === '--port') {
			const n = Number(value());
			if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`--port needs a port number, got ${argv[i]}`);
			args.port = n;
		} else if (flag === '--sandbox') args.forceSandbox = true;
		else if (flag === '--user-folder') args.userFolder = path.resolve(value());
		else if (flag === '--verbose') args.verbose = true;
		else if (flag === '--help' || flag === '-h') {
			process.stdout.write(
				'npm start [-- --port N] [--sandbox] [--user-folder DIR] [--verbose]\n' +
					'Real Scantrust instead of the sandbox: SCANTRUST_TOKEN=... and SCANTRUST_ENVIRONMENT=production|staging or SCANTRUST_BASE_URL=...\n',
			);
			process.exit(0);
		} else throw new Error(`unknown option ${argv[i]} (try --help)`);
	}
	if (args.port === undefined && process.env.N8N_PORT) {
		const n = Number(process.env.N8N_PORT);
		if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`N8N_PORT is not a port number: ${process.env.N8N_PORT}`);
		args.port = n;
	}
	return args;
}

/** True when `port` can be bound on `host` right now. */
export function portIsFree(port: number, host: string): Promise<boolean> {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.unref();
		srv.once('error', () => resolve(false));
		srv.listen(port, host, () => srv.close(() => resolve(true)));
	});
}

/** The port asked for, else DEFAULT_PORT; when DEFAULT_PORT is taken (another n8n?), any free one. */
export async function choosePort(asked: number | undefined, host: string, note: (line: string) => void): Promise<number> {
	const port = asked ?? DEFAULT_PORT;
	if (await portIsFree(port, host)) return port;
	if (asked !== undefined) throw new Error(`port ${port} is in use; choose another with --port`);
	const other = await freePort();
	note(`port ${port} is in use (another n8n?); using ${other} instead`);
	return other;
}

/** The Scantrust the examples talk to: a real environment when SCANTRUST_TOKEN is set (and no --sandbox), else a new sandbox. */
export async function scantrustToUse(
	forceSandbox: boolean,
	note: (line: string) => void,
): Promise<{ real?: RealScantrust; sandbox?: Sandbox; credentialData: ScantrustCredentialData }> {
	const real = forceSandbox ? undefined : realScantrustFromEnv();
	if (real) {
		note(`using ${real.label} (token from SCANTRUST_TOKEN); no sandbox started`);
		return { real, credentialData: real.data };
	}
	const sandbox = await startSandbox({ generationDelayMs: 2000, ingestionDelayMs: 1000 });
	return { sandbox, credentialData: sandboxCredentialData(sandbox) };
}

const say = (line = '') => process.stdout.write(line + '\n');
const note = (line: string) => process.stderr.write(line + '\n');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What npm start has started, for stopping it (Ctrl-C, a failure, n8n ending on its own). */
const running: { sandbox?: Sandbox; n8n?: N8nInstance; starting?: Promise<unknown>; stopping: boolean } = { stopping: false };

async function stopAll(code: number, quiet = false): Promise<never> {
	if (!running.stopping) {
		running.stopping = true;
		if (!quiet) note('\nstopping n8n and the sandbox…');
		// While n8n is still starting, the shutdown hook of scripts/n8n stops it and startN8n then fails: wait for that.
		if (!running.n8n && running.starting) {
			await Promise.race([running.starting.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000))]);
		}
		await Promise.allSettled([running.n8n?.stop(8000), running.sandbox?.close()]);
		if (!quiet) note('stopped.');
	}
	process.exit(code);
}

async function main(): Promise<void> {
	const t0 = Date.now();
	const args = parseArgs(process.argv.slice(2));
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.on(sig, () => {
			if (running.stopping) {
				note('stopping anyway.');
				process.exit(130);
			}
			void stopAll(0);
		});
	}

	const pkg = thisPackage();
	const missing = missingPackageFiles(pkg);
	if (missing.length) {
		throw new Error(`the package is not built (missing ${missing.join(', ')}): run \`npm run build\` (npm start does it for you)`);
	}

	// 1. Scantrust: the sandbox, or a real environment.
	const { real, sandbox: started, credentialData } = await scantrustToUse(args.forceSandbox, note);
	running.sandbox = started;

	// 2. n8n: install (first time), port, start.
	const installation = await ensureN8n({ onProgress: (line) => note(line) });
	const listen = process.env.N8N_LISTEN_ADDRESS || '127.0.0.1';
	const port = await choosePort(args.port, listen, note);
	fs.mkdirSync(DEFAULT_OUTPUT_FOLDER, { recursive: true });
	const logDir = path.join(defaultCacheRoot(), 'logs');
	fs.mkdirSync(logDir, { recursive: true });
	const logFile = path.join(logDir, `n8n-${port}.log`);
	const log = fs.createWriteStream(logFile, { flags: 'w' });
	note(`starting n8n ${N8N_VERSION} on port ${port} (log: ${logFile})…`);
	const tStart = Date.now();
	running.starting = startN8n({
		installation,
		port,
		listenAddress: listen,
		userFolder: args.userFolder,
		env: fileAccessEnv([DEFAULT_OUTPUT_FOLDER]),
		onLog: (line) => {
			log.write(line + '\n');
			if (args.verbose) note(`  n8n| ${line}`);
		},
	});
	const n8n = (await running.starting) as N8nInstance;
	running.n8n = n8n;
	if (running.stopping) return;
	const sandbox = running.sandbox;
	const startedMs = Date.now() - tStart;

	// 3. Owner, credential, example workflows (through n8n's REST API: no extra n8n boot).
	await n8n.setupOwner(DEFAULT_OWNER);
	const existing = args.userFolder
		? ((await n8n.rest<Array<{ id: string; name: string; type: string }>>('GET', '/rest/credentials')) ?? []).find(
				(c) => c.name === CREDENTIAL_NAME && c.type === CREDENTIAL_TYPE,
			)
		: undefined;
	let credentialId: string;
	if (existing) {
		// a kept user folder: point the existing credential at this run's sandbox (its port changes every run)
		await n8n.rest('PATCH', `/rest/credentials/${existing.id}`, { name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: credentialData });
		credentialId = existing.id;
	} else {
		credentialId = (await n8n.createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: credentialData })).id;
	}
	const known = new Set((await n8n.listWorkflows()).map((w) => w.name));
	const imported: string[] = [];
	for (const file of exampleFiles()) {
		const wf = loadExample(file);
		if (known.has(String(wf.name))) continue; // kept user folder: never overwrite the user's edits
		const saved = await n8n.createWorkflow({ ...wf });
		imported.push(`${saved.name}  (${n8n.editorUrl}/workflow/${saved.id})`);
	}
	const test = await n8n.testCredential({ id: credentialId, type: CREDENTIAL_TYPE });

	// 4. What to open.
	const lines = [
		'',
		`n8n ${N8N_VERSION} with n8n-nodes-scantrust is running (ready in ${secs(Date.now() - t0)}; n8n itself ${secs(startedMs)})`,
		'',
		`  Open      ${n8n.editorUrl}`,
		`  Log in    ${DEFAULT_OWNER.email}  /  ${DEFAULT_OWNER.password}`,
		'',
		real
			? `  Scantrust ${real.label}; credential "${CREDENTIAL_NAME}" (token from SCANTRUST_TOKEN, not shown)`
			: `  Scantrust local sandbox ${sandbox!.apiUrl} (token ${sandbox!.token}); credential "${CREDENTIAL_NAME}"`,
		`            credential test: ${test.status === 'OK' ? 'OK' : `FAILED: ${test.message}`}`,
		imported.length ? '  Workflows' : `  Workflows already in ${args.userFolder} (not re-imported)`,
		...imported.map((w) => `    - ${w}`),
		`  Files     the CSV example writes to ${DEFAULT_OUTPUT_FOLDER}`,
		real ? '  Careful   the examples create real, billed work orders: open their Settings node before running them.' : '',
		'',
		args.userFolder
			? `n8n's data stays in ${args.userFolder}. Ctrl-C stops n8n${sandbox ? ' and the sandbox' : ''}.`
			: `Ctrl-C stops n8n${sandbox ? ' and the sandbox' : ''}; this n8n's data is temporary (export workflows you want to keep).`,
		'',
	];
	say(lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n'));

	// n8n ending on its own (crash) ends npm start too.
	n8n.process.once('exit', (code, signal) => {
		if (running.stopping) return;
		note(`n8n exited on its own (exit code ${code}, signal ${signal}); last lines of ${logFile}:`);
		for (const l of n8n.logs().slice(-20)) note(`  ${l}`);
		void stopAll(1);
	});
}

if (require.main === module) {
	main().catch((err: Error) => {
		if (running.stopping) return;
		process.stderr.write(`\nnpm start failed: ${err.message}\n`);
		void stopAll(1, true);
	});
}
