/**
 * What `instance.ts` (a running `n8n start`) and `execute.ts` (`n8n import:*` + `n8n execute`) share: the
 * environment that keeps n8n offline, quiet and reproducible, the user folder with this package linked as a
 * community package, free ports, workflow/credential files, and running n8n CLI commands with Node 24.
 */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import type { N8nInstallation } from './install';

/** Fixed so that credentials imported in plain form and encrypted by n8n can be read by every run. */
export const N8N_ENCRYPTION_KEY = 'n8n-nodes-scantrust-local-dev-key-not-a-secret';
/** npm name of this package; n8n prefixes node types with it (`n8n-nodes-scantrust.scantrust`). */
export const PACKAGE_NAME = 'n8n-nodes-scantrust';

/**
 * n8n modules switched off: `mcp-registry` calls out at boot; the others are AI/telemetry features this package
 * does not use (they cost a few seconds of start-up). Override with `N8N_DISABLED_MODULES` in `env`.
 */
export const DISABLED_MODULES = [
	'mcp-registry',
	'mcp',
	'agents',
	'agent-evals',
	'chat-hub',
	'instance-ai',
	'workflow-builder',
	'insights',
	'otel',
];

/** A folder to link into `$N8N_USER_FOLDER/.n8n/nodes/node_modules/<name>` so n8n loads it as a community package. */
export interface LinkedPackage {
	/** npm package name; n8n's scanner only picks up `n8n-nodes-*` and `@scope/n8n-nodes-*`. */
	name: string;
	/** Folder with package.json (whose `n8n` section lists the compiled nodes and credentials). */
	dir: string;
}

/** A credential as `n8n import:credentials` expects it: `data` in plain form, encrypted by n8n on import. */
export interface CredentialEntry {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

/**
 * The repository root (the folder whose package.json is named n8n-nodes-scantrust), from `start` upwards. A copy of
 * package.json that the compiler emits into build/ (a test imports it) is skipped: only the root has tsconfig.json.
 */
export function repoRoot(start = __dirname): string {
	let dir = path.resolve(start);
	for (;;) {
		const pkg = path.join(dir, 'package.json');
		if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'tsconfig.json'))) {
			try {
				if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
			} catch {
				// not JSON: keep looking
			}
		}
		const up = path.dirname(dir);
		if (up === dir) throw new Error(`cannot find the ${PACKAGE_NAME} repository above ${start}`);
		dir = up;
	}
}

/** This repository as the package to link (n8n reads `dist/` through package.json's `n8n` section). */
export function thisPackage(): LinkedPackage {
	return { name: PACKAGE_NAME, dir: repoRoot() };
}

/** A fresh temporary folder (for `N8N_USER_FOLDER` and the like). */
export function makeTempDir(prefix = 'n8n-scantrust-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Prepares `userFolder` for n8n: `.n8n/nodes/package.json` (as n8n itself creates it when installing a community
 * package) and one symlink per package in `.n8n/nodes/node_modules/`. Returns the nodes folder.
 */
export function linkPackages(userFolder: string, packages: LinkedPackage[]): string {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const modules = path.join(nodesDir, 'node_modules');
	fs.mkdirSync(modules, { recursive: true });
	const pkgJson = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(pkgJson)) {
		fs.writeFileSync(pkgJson, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2) + '\n');
	}
	for (const p of packages) {
		const target = path.resolve(p.dir);
		if (!fs.existsSync(path.join(target, 'package.json'))) {
			throw new Error(`cannot link ${p.name}: ${target} has no package.json`);
		}
		const link = path.join(modules, ...p.name.split('/'));
		fs.mkdirSync(path.dirname(link), { recursive: true });
		fs.rmSync(link, { recursive: true, force: true });
		fs.symlinkSync(target, link, 'dir');
	}
	return nodesDir;
}

/**
 * Removes the package symlinks of `userFolder` (so that deleting the folder can never reach into a linked
 * package), then the folder itself.
 */
export function removeUserFolder(userFolder: string): void {
	const modules = path.join(userFolder, '.n8n', 'nodes', 'node_modules');
	const unlinkIn = (dir: string) => {
		let entries: fs.Dirent[] = [];
		try {
			entries = fs.readdirSync(dir, { withFileTypes: true });
		} catch {
			return;
		}
		for (const e of entries) {
			const p = path.join(dir, e.name);
			if (e.isSymbolicLink()) fs.unlinkSync(p);
			else if (e.isDirectory() && e.name.startsWith('@')) unlinkIn(p);
		}
	};
	unlinkIn(modules);
	fs.rmSync(userFolder, { recursive: true, force: true, maxRetries: 3 });
}

/** The compiled files listed in a package's `n8n` section that do not exist (empty when it is built). */
export function missingPackageFiles(p: LinkedPackage): string[] {
	const pkg = JSON.parse(fs.readFileSync(path.join(p.dir, 'package.json'), 'utf8')) as {
		n8n?: { nodes?: string[]; credentials?: string[] };
	};
	const files = [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])];
	return files.filter((f) => !fs.existsSync(path.join(p.dir, f)));
}

function ensureDir(dir: string): string {
	fs.mkdirSync(dir, { recursive: true });
	return dir;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			const port = typeof addr === 'object' && addr ? addr.port : 0;
			srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
		});
	});
}

/**
 * Environment for every n8n process: the caller's (minus npm's and jest's variables that change n8n's
 * behaviour, e.g. NODE_ENV=test), Node 24 first on PATH, the fixed encryption key, the given user folder,
 * and everything that would call out to the internet at boot turned off.
 */
export function n8nEnv(
	inst: Pick<N8nInstallation, 'nodeDir'>,
	userFolder: string,
	extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (/^npm_/i.test(k) || k === 'NODE_OPTIONS' || k === 'JEST_WORKER_ID' || k === 'INIT_CWD') continue;
		env[k] = v;
	}
	Object.assign(env, {
		PATH: [path.join(inst.nodeDir, 'bin'), process.env.PATH ?? ''].filter(Boolean).join(path.delimiter),
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		// n8n's temp files (e.g. /tmp/n8nDataTableUploads) go inside the user folder and disappear with it
		TMPDIR: ensureDir(path.join(userFolder, '.n8n', 'tmp')),
		N8N_ENCRYPTION_KEY,
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		// offline and quiet: no telemetry, version check, templates, onboarding survey, MCP registry fetch at boot
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_DISABLED_MODULES: DISABLED_MODULES.join(','),
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_OUTPUT: 'console',
		N8N_LOG_LEVEL: 'info',
		DB_TYPE: 'sqlite',
		EXECUTIONS_MODE: 'regular',
	});
	for (const [k, v] of Object.entries(extra)) {
		if (v === undefined) delete env[k];
		else env[k] = v;
	}
	return env;
}

export interface CliResult {
	/** Exit code (128 + signal number when killed by a signal). */
	code: number;
	/** The signal that ended the process, if any. */
	signal?: NodeJS.Signals;
	stdout: string;
	stderr: string;
	/** Wall time of the command in milliseconds. */
	ms: number;
}

/**
 * Runs `node24 n8n <args>` to completion, collecting its output (each line also goes to `onLine`).
 * `keepStdout: false` drops stdout from the result (for commands that print a lot); `onLine` still sees it.
 */
export function runN8nCli(
	inst: Pick<N8nInstallation, 'nodeBin' | 'n8nBin'>,
	args: string[],
	o: {
		env: NodeJS.ProcessEnv;
		cwd?: string;
		timeoutMs?: number;
		onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
		keepStdout?: boolean;
		/**
		 * Send n8n's stdout to this file and read it once n8n has exited. n8n exits right after logging a command's
		 * result; through a pipe the end of a big result (a few MB and more, e.g. `execute --rawOutput`) is lost,
		 * while writes to a file are synchronous and complete. `onLine` then sees stdout only after the exit.
		 */
		stdoutFile?: string;
	},
): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const outFd = o.stdoutFile ? fs.openSync(o.stdoutFile, 'w', 0o600) : undefined;
		let child;
		try {
			child = spawn(inst.nodeBin, [inst.n8nBin, ...args], {
				cwd: o.cwd ?? o.env.N8N_USER_FOLDER ?? process.cwd(),
				env: o.env,
				stdio: ['ignore', outFd ?? 'pipe', 'pipe'],
				detached: true,
			});
		} finally {
			if (outFd !== undefined) fs.closeSync(outFd);
		}
		const out: string[] = [];
		const err: string[] = [];
		const keep = o.keepStdout !== false;
		const onOut = (l: string) => {
			if (keep) out.push(l);
			o.onLine?.(l, 'stdout');
		};
		if (child.stdout) onLines(child.stdout, onOut);
		onLines(child.stderr!, (l) => {
			err.push(l);
			o.onLine?.(l, 'stderr');
		});
		const kill = () => killGroup(child.pid, 'SIGKILL');
		const untrack = trackForShutdown({
			kill,
			cleanup: async () => {
				kill();
			},
		});
		let timedOut = false;
		const timer = o.timeoutMs
			? setTimeout(() => {
					timedOut = true;
					kill();
				}, o.timeoutMs)
			: undefined;
		child.on('error', (e) => {
			if (timer) clearTimeout(timer);
			untrack();
			reject(new Error(`cannot run n8n (${inst.nodeBin} ${inst.n8nBin}): ${e.message}`));
		});
		child.on('close', async (code, signal) => {
			const ms = Date.now() - started;
			if (timer) clearTimeout(timer);
			untrack();
			// the task runner n8n starts may outlive it: end the whole process group
			killGroup(child.pid, 'SIGKILL');
			if (o.stdoutFile) {
				await new Promise<void>((done) => {
					const stream = fs.createReadStream(o.stdoutFile!);
					stream.on('error', () => done());
					stream.on('close', () => done());
					onLines(stream, onOut);
				});
			}
			const res: CliResult = {
				code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : -1),
				signal: signal ?? undefined,
				stdout: out.join('\n'),
				stderr: err.join('\n'),
				ms,
			};
			if (timedOut) {
				reject(
					Object.assign(
						new Error(`n8n ${args[0]} did not finish within ${o.timeoutMs} ms; last output:\n${tail(res, 15)}`),
						{ result: res },
					),
				);
			} else resolve(res);
		});
	});
}

/** Something started here that must not outlive this process. */
export interface ShutdownHook {
	/** Synchronous last resort, at process exit (e.g. SIGKILL a process group). */
	kill(): void;
	/** Orderly stop on SIGINT/SIGTERM/SIGHUP (e.g. stop n8n, remove its temp folder). */
	cleanup(): Promise<void>;
}

const SIGNAL_EXIT_CODES: Array<[NodeJS.Signals, number]> = [
	['SIGINT', 130],
	['SIGTERM', 143],
	['SIGHUP', 129],
];
const hooks = new Set<ShutdownHook>();
const signalListeners = new Map<NodeJS.Signals, () => void>();
let exitListener: (() => void) | undefined;

/**
 * Registers `hook` until the returned function is called. While anything is registered: at process exit every
 * hook's kill() runs; on Ctrl-C (SIGINT), SIGTERM or SIGHUP every hook's cleanup() runs, and then, if the program
 * has no listener of its own for that signal, the process exits with 128+signal as it would have by default.
 * A program with its own handler keeps control (and may call the same stop functions: they are idempotent).
 */
export function trackForShutdown(hook: ShutdownHook): () => void {
	hooks.add(hook);
	if (!exitListener) {
		exitListener = () => {
			for (const h of hooks) {
				try {
					h.kill();
				} catch {
					// exiting anyway
				}
			}
		};
		process.on('exit', exitListener);
		for (const [sig, code] of SIGNAL_EXIT_CODES) {
			const listener = () => {
				const ownHandlers = process.listeners(sig).filter((l) => l !== listener);
				const all = Promise.allSettled([...hooks].map((h) => h.cleanup()));
				if (ownHandlers.length === 0) {
					void all.finally(() => process.exit(code));
					setTimeout(() => process.exit(code), 10_000).unref();
				}
			};
			signalListeners.set(sig, listener);
			process.on(sig, listener);
		}
	}
	return () => {
		hooks.delete(hook);
		if (hooks.size === 0 && exitListener) {
			process.removeListener('exit', exitListener);
			exitListener = undefined;
			for (const [sig, l] of signalListeners) process.removeListener(sig, l);
			signalListeners.clear();
		}
	};
}

/** Sends `signal` to the process group led by `pid` (processes spawned with `detached: true`). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
	if (!pid) return false;
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		try {
			process.kill(pid, signal);
			return true;
		} catch {
			return false;
		}
	}
}

/** Calls `onLine` for each complete line of a stream (CR, LF and CRLF). */
export function onLines(stream: NodeJS.ReadableStream, onLine: (l: string) => void): void {
	// Only each new chunk is scanned, and a long line is joined once: `execute --rawOutput` prints a
	// 1,000,000-code result as one line of hundreds of MB.
	let pending: string[] = [];
	const emit = (line: string) => {
		const clean = line.replace(/\r$/, '');
		if (clean) onLine(clean);
	};
	stream.setEncoding('utf8');
	stream.on('data', (chunk: string) => {
		let start = 0;
		for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
			pending.push(chunk.slice(start, nl));
			emit(pending.length === 1 ? pending[0] : pending.join(''));
			pending = [];
			start = nl + 1;
		}
		if (start < chunk.length) pending.push(chunk.slice(start));
	});
	stream.on('end', () => {
		if (pending.length) emit(pending.join(''));
		pending = [];
	});
}

/** Last `n` lines of a CLI result's output, for error messages. */
export function tail(r: Pick<CliResult, 'stdout' | 'stderr'>, n: number): string {
	return (r.stdout + '\n' + r.stderr)
		.split('\n')
		.filter((l) => l.trim())
		.slice(-n)
		.map((l) => '    ' + (l.length > 500 ? l.slice(0, 500) + '…' : l))
		.join('\n');
}

export interface PreparedWorkflow {
	id: string;
	name: string;
	/** File to import (the original, or a temp copy when an id had to be added). */
	file: string;
	/** The original file. */
	source: string;
	/** Node names of the workflow's trigger-ish nodes (type ending in `Trigger` or `trigger`). */
	triggers: string[];
}

/** A 16-character workflow id like n8n's own, derived from `seed` so repeated imports keep their id. */
export function workflowIdFor(seed: string): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = crypto.createHash('sha256').update(seed).digest();
	let id = '';
	for (let i = 0; i < 16; i++) id += alphabet[bytes[i] % alphabet.length];
	return id;
}

/**
 * Reads a workflow JSON file (n8n's export format: one object with nodes and connections). When it has no
 * `id`, writes a copy with a stable id into `tmpDir` so the caller knows the id n8n will use.
 */
export function prepareWorkflowFile(file: string, tmpDir: string): PreparedWorkflow {
	const source = path.resolve(file);
	let wf: { id?: unknown; name?: unknown; nodes?: Array<{ name: string; type: string }> };
	try {
		wf = JSON.parse(fs.readFileSync(source, 'utf8'));
	} catch (err) {
		throw new Error(`cannot read workflow ${source}: ${(err as Error).message}`);
	}
	if (Array.isArray(wf) || !wf || !Array.isArray(wf.nodes)) {
		throw new Error(`${source} is not an n8n workflow (expected one object with "nodes" and "connections")`);
	}
	const name = typeof wf.name === 'string' && wf.name ? wf.name : path.basename(source, '.json');
	const triggers = wf.nodes.filter((n) => /trigger$/i.test(n.type)).map((n) => n.name);
	if (typeof wf.id === 'string' && wf.id) return { id: wf.id, name, file: source, source, triggers };
	const id = workflowIdFor(path.basename(source) + '\0' + name);
	const copy = path.join(tmpDir, `${id}.json`);
	fs.mkdirSync(tmpDir, { recursive: true });
	fs.writeFileSync(copy, JSON.stringify({ ...wf, id, name }, null, 2));
	return { id, name, file: copy, source, triggers };
}

/** Writes credentials (given as entries, or a file path used as is) to a JSON array file; returns its path. */
export function credentialsFile(creds: CredentialEntry[] | string, tmpDir: string): string {
	if (typeof creds === 'string') return path.resolve(creds);
	for (const c of creds) {
		if (!c.id || !c.name || !c.type || typeof c.data !== 'object') {
			throw new Error(`a credential needs id, name, type and data: ${JSON.stringify({ ...c, data: '…' })}`);
		}
	}
	fs.mkdirSync(tmpDir, { recursive: true });
	const file = path.join(tmpDir, `credentials-${process.pid}-${Date.now()}.json`);
	fs.writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
	return file;
}

/** `n8n import:credentials`, throwing with n8n's output when it fails. */
export async function importCredentialsCli(
	inst: Pick<N8nInstallation, 'nodeBin' | 'n8nBin'>,
	env: NodeJS.ProcessEnv,
	creds: CredentialEntry[] | string,
	tmpDir: string,
	onLine?: (line: string, stream: 'stdout' | 'stderr') => void,
): Promise<CliResult> {
	const file = credentialsFile(creds, tmpDir);
	const r = await runN8nCli(inst, ['import:credentials', `--input=${file}`], { env, onLine, timeoutMs: 120_000 });
	if (r.code !== 0 || !/Successfully imported/i.test(r.stdout + r.stderr)) {
		throw new Error(`n8n import:credentials --input=${file} failed (exit ${r.code}):\n${tail(r, 15)}`);
	}
	return r;
}

/** `n8n import:workflow` for each file, throwing with n8n's output when one fails. */
export async function importWorkflowsCli(
	inst: Pick<N8nInstallation, 'nodeBin' | 'n8nBin'>,
	env: NodeJS.ProcessEnv,
	files: string[],
	tmpDir: string,
	onLine?: (line: string, stream: 'stdout' | 'stderr') => void,
): Promise<PreparedWorkflow[]> {
	const prepared = files.map((f) => prepareWorkflowFile(f, tmpDir));
	if (!prepared.length) return prepared;
	// One n8n boot for all files: copy them into one folder and use --separate.
	const dir = path.join(tmpDir, `workflows-${process.pid}-${Date.now()}`);
	fs.mkdirSync(dir, { recursive: true });
	for (const p of prepared) fs.copyFileSync(p.file, path.join(dir, `${p.id}.json`));
	const r = await runN8nCli(inst, ['import:workflow', '--separate', `--input=${dir}`], {
		env,
		onLine,
		timeoutMs: 120_000,
	});
	fs.rmSync(dir, { recursive: true, force: true });
	const skipped = /Skipping invalid workflow file/i.test(r.stdout + r.stderr);
	if (r.code !== 0 || skipped || !/Successfully imported/i.test(r.stdout + r.stderr)) {
		throw new Error(
			`n8n import:workflow failed for ${prepared.map((p) => p.source).join(', ')} (exit ${r.code}):\n${tail(r, 15)}`,
		);
	}
	return prepared;
}

/**
 * Gives a fresh user folder an already migrated, empty n8n database, copied from a template kept in the n8n
 * install folder (`<n8n dir>/.db-template/database.sqlite`, made once with `n8n list:workflow`). Saves the
 * 150-odd migrations (~5 s, more on a busy machine) each fresh folder would otherwise run at its first n8n boot.
 * Nothing in that database is specific to a folder (a shell owner, its personal project, default settings).
 * Never fails: on any problem n8n just migrates the database itself.
 */
export async function seedDatabase(
	inst: Pick<N8nInstallation, 'nodeBin' | 'n8nBin' | 'dir' | 'nodeDir'>,
	userFolder: string,
	onLine?: (line: string, stream: 'stdout' | 'stderr') => void,
): Promise<'exists' | 'copied' | 'created' | 'skipped'> {
	const db = path.join(userFolder, '.n8n', 'database.sqlite');
	if (fs.existsSync(db)) return 'exists';
	const template = path.join(inst.dir, '.db-template', 'database.sqlite');
	let result: 'copied' | 'created' = 'copied';
	try {
		if (!fs.existsSync(template)) {
			result = 'created';
			const tmpFolder = makeTempDir('n8n-scantrust-dbtemplate-');
			try {
				const env = n8nEnv(inst, tmpFolder, { N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
				const r = await runN8nCli(inst, ['list:workflow'], { env, onLine, timeoutMs: 180_000 });
				const made = path.join(tmpFolder, '.n8n', 'database.sqlite');
				if (r.code !== 0 || !fs.existsSync(made)) return 'skipped';
				// fold the WAL into the file so that one file is a complete database
				const chk = await new Promise<number>((resolve) => {
					const c = spawn(
						inst.nodeBin,
						[
							'-e',
							"const s=require('sqlite3');const d=new s.Database(process.argv[1]);" +
								"d.exec('PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;',(e)=>{if(e){console.error(e);process.exit(1)}d.close(()=>process.exit(0))})",
							made,
						],
						{ cwd: inst.dir, stdio: 'ignore' },
					);
					c.on('error', () => resolve(-1));
					c.on('close', (code) => resolve(code ?? -1));
				});
				if (chk !== 0 || fs.existsSync(made + '-wal')) return 'skipped';
				fs.mkdirSync(path.dirname(template), { recursive: true });
				const tmp = `${template}.tmp-${process.pid}-${Date.now()}`;
				fs.copyFileSync(made, tmp);
				fs.renameSync(tmp, template);
			} finally {
				fs.rmSync(tmpFolder, { recursive: true, force: true });
			}
		}
		fs.mkdirSync(path.dirname(db), { recursive: true });
		fs.copyFileSync(template, db);
		return result;
	} catch (err) {
		onLine?.(`(could not seed the n8n database, n8n will create it: ${(err as Error).message})`, 'stderr');
		return 'skipped';
	}
}
