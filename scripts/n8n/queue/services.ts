/**
 * Redis and PostgreSQL for n8n's queue mode, from Debian's packages (`redis-server`, `postgresql`), each started on a
 * private port with its data in a fresh temporary folder, and stopped (process group) and removed by stop().
 *
 * Missing packages are installed with apt-get when running as root (as CI does); otherwise the error says what to
 * install. PostgreSQL refuses to run as root: then initdb and postgres run as the `postgres` user the package creates,
 * in a folder handed to that user.
 */
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import { freePort, onLines } from '../env';
import { spawnSupervised, stopper, type Supervised } from '../supervised';

/** Debian packages the queue-mode runtime needs. */
export const DEBIAN_PACKAGES = ['redis-server', 'postgresql'] as const;

/** Where Debian's postgresql-NN packages put the server binaries. */
const POSTGRES_LIB = '/usr/lib/postgresql';
const REDIS_CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

export type Log = (line: string) => void;

function findOnPath(name: string): string | undefined {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		if (!dir) continue;
		const p = path.join(dir, name);
		try {
			fs.accessSync(p, fs.constants.X_OK);
			return p;
		} catch {
			// not here
		}
	}
	return undefined;
}

/** redis-server, or undefined when not installed. */
export function findRedisServer(): string | undefined {
	return REDIS_CANDIDATES.find((p) => fs.existsSync(p)) ?? findOnPath('redis-server');
}

/** The bin folder of the newest PostgreSQL server installed from Debian's packages (has initdb, postgres, pg_isready). */
export function findPostgresBin(): string | undefined {
	let versions: string[] = [];
	try {
		versions = fs.readdirSync(POSTGRES_LIB).filter((v) => /^\d+(\.\d+)?$/.test(v));
	} catch {
		// not installed
	}
	versions.sort((a, b) => Number(b) - Number(a));
	for (const v of versions) {
		const bin = path.join(POSTGRES_LIB, v, 'bin');
		if (['initdb', 'postgres', 'pg_isready', 'createdb'].every((b) => fs.existsSync(path.join(bin, b)))) return bin;
	}
	const initdb = findOnPath('initdb');
	if (initdb) {
		const bin = path.dirname(fs.realpathSync(initdb));
		if (fs.existsSync(path.join(bin, 'postgres'))) return bin;
	}
	return undefined;
}

/** Debian packages of DEBIAN_PACKAGES whose programs are missing. */
export function missingPackages(): string[] {
	const missing: string[] = [];
	if (!findRedisServer()) missing.push('redis-server');
	if (!findPostgresBin()) missing.push('postgresql');
	return missing;
}

function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Installs the missing Debian packages (apt-get update, then apt-get install -y --no-install-recommends) when running
 * as root; throws with the command to run otherwise, or when apt-get fails.
 */
export async function ensureDebianPackages(log: Log = (l) => process.stderr.write(l + '\n')): Promise<void> {
	const missing = missingPackages();
	if (!missing.length) return;
	const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
	if (!isRoot() || !findOnPath('apt-get')) {
		throw new Error(
			`n8n's queue mode here needs ${missing.join(' and ')} (Debian packages). Install ${missing.length > 1 ? 'them' : 'it'} ` +
				`as root: ${command}`,
		);
	}
	log(`[queue] installing ${missing.join(', ')} from Debian's packages (${command})`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
		const r = await run('apt-get', args, env, log);
		if (r.code !== 0) {
			throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.code}); last output:\n    ${r.tail.join('\n    ')}`);
		}
	}
	const still = missingPackages();
	if (still.length) throw new Error(`apt-get installed ${missing.join(', ')} but ${still.join(', ')} still cannot be found`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: Log): Promise<{ code: number; tail: string[] }> {
	return new Promise((resolve) => {
		const tail: string[] = [];
		const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
		const onLine = (l: string) => {
			tail.push(l);
			if (tail.length > 15) tail.shift();
			if (/^(Setting up|E:|W:|Err)/.test(l)) log(`[queue]   ${l}`);
		};
		onLines(child.stdout, onLine);
		onLines(child.stderr, onLine);
		child.on('error', (e) => resolve({ code: -1, tail: [...tail, e.message] }));
		child.on('close', (code) => resolve({ code: code ?? -1, tail }));
	});
}

// ---------------------------------------------------------------------------------------------------------------

async function waitFor(what: string, check: () => Promise<boolean>, p: Supervised, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const e = p.exited();
		if (e) throw new Error(`${what} exited before it was ready (exit code ${e.code}, signal ${e.signal}); last output:\n    ${p.logs.slice(-15).join('\n    ')}`);
		if (await check().catch(() => false)) return;
		if (Date.now() > deadline) {
			throw new Error(`${what} was not ready within ${Math.round(timeoutMs / 1000)} s; last output:\n    ${p.logs.slice(-15).join('\n    ')}`);
		}
		await new Promise((r) => setTimeout(r, 200));
	}
}

function randomSecret(): string {
	return crypto.randomBytes(18).toString('base64url');
}

// ---------------------------------------------------------------------------------------------------------------
// Redis

export interface RedisServer {
	host: string;
	port: number;
	password: string;
	/** Environment for n8n (QUEUE_BULL_REDIS_*). */
	n8nEnv: Record<string, string>;
	/** Process (and process group) id of redis-server. */
	pid: number | undefined;
	/** Its temporary folder (removed by stop()). */
	dir: string;
	logs(): string[];
	/** Sends a command (as RESP) and returns the raw reply, e.g. `command('DBSIZE')`. */
	command(...args: string[]): Promise<string>;
	stop(): Promise<void>;
}

/** A one-shot Redis conversation: AUTH, then the commands; resolves with everything the server answered. */
function redisTalk(port: number, password: string, commands: string[][], expectReplies: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		let buf = '';
		const all = [['AUTH', password], ...commands];
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error('redis did not answer'));
		}, 3000);
		socket.on('connect', () => {
			socket.write(all.map((c) => `*${c.length}\r\n` + c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')).join(''));
		});
		socket.on('data', (d) => {
			buf += d.toString('utf8');
			// enough for the simple replies asked for here: one line per reply
			if (buf.split('\r\n').filter(Boolean).length >= expectReplies + 1) {
				clearTimeout(timer);
				socket.end();
				resolve(buf);
			}
		});
		socket.on('error', (e) => {
			clearTimeout(timer);
			reject(e);
		});
	});
}

export async function startRedis(o: { port?: number; onLog?: (line: string) => void; timeoutMs?: number } = {}): Promise<RedisServer> {
	const bin = findRedisServer();
	if (!bin) throw new Error('redis-server is not installed (Debian: apt-get install redis-server)');
	const port = o.port ?? (await freePort());
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-scantrust-redis-'));
	const password = randomSecret();
	// The password is in a config file, not on the command line (where `ps` would show it).
	const conf = path.join(dir, 'redis.conf');
	fs.writeFileSync(conf, `requirepass ${password}\n`, { mode: 0o600 });
	const p = spawnSupervised('redis-server', bin, [
		conf,
		'--port', String(port),
		'--bind', '127.0.0.1',
		'--save', '',
		'--appendonly', 'no',
		'--daemonize', 'no',
		'--dir', dir,
		'--loglevel', 'warning',
	], { cwd: dir, onLine: o.onLog });
	const { stop } = stopper(p, { signal: 'SIGTERM', graceMs: 5000, after: () => fs.rmSync(dir, { recursive: true, force: true }) });
	try {
		await waitFor('redis-server', async () => (await redisTalk(port, password, [['PING']], 1)).includes('+PONG'), p, o.timeoutMs ?? 30_000);
	} catch (err) {
		await stop();
		throw err;
	}
	return {
		host: '127.0.0.1',
		port,
		password,
		n8nEnv: { QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(port), QUEUE_BULL_REDIS_PASSWORD: password },
		pid: p.child.pid,
		dir,
		logs: () => [...p.logs],
		command: (...args) => redisTalk(port, password, [args], 1),
		stop,
	};
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

export interface PostgresServer {
	/** Major version of the server (`15` on Debian 12). */
	major: string;
	host: string;
	port: number;
	user: string;
	password: string;
	database: string;
	/** Environment for n8n (DB_TYPE=postgresdb, DB_POSTGRESDB_*). */
	n8nEnv: Record<string, string>;
	/** Process (and process group) id of the postgres server. */
	pid: number | undefined;
	/** Its temporary folder with the cluster's data (removed by stop()). */
	dir: string;
	logs(): string[];
	/** Runs SQL with psql (unaligned, tuples only, `|` between columns); resolves with its stdout. */
	query(sql: string): Promise<string>;
	/** pg_dump of the database as plain SQL (no owners, no privileges) into `file`. */
	dump(file: string): Promise<void>;
	/** Runs a plain SQL file (a dump) against the database; stops at the first error. */
	restore(file: string): Promise<void>;
	/** Drops the database and creates it empty again. */
	recreate(): Promise<void>;
	stop(): Promise<void>;
}

interface Account {
	uid: number;
	gid: number;
	name: string;
}

/** The `postgres` account of Debian's package, to run the server when this process is root. */
function postgresAccount(): Account {
	const r = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' });
	const fields = (r.stdout || '').trim().split(':');
	if (r.status !== 0 || fields.length < 4) {
		throw new Error('running as root, PostgreSQL needs a non-root user to run as, and there is no "postgres" user (Debian: apt-get install postgresql)');
	}
	return { name: 'postgres', uid: Number(fields[2]), gid: Number(fields[3]) };
}

function chownTree(dir: string, a: Account): void {
	fs.chownSync(dir, a.uid, a.gid);
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) chownTree(p, a);
		else fs.chownSync(p, a.uid, a.gid);
	}
}

export async function startPostgres(
	o: { port?: number; database?: string; onLog?: (line: string) => void; timeoutMs?: number } = {},
): Promise<PostgresServer> {
	const bin = findPostgresBin();
	if (!bin) throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql)');
	const port = o.port ?? (await freePort());
	const user = 'n8n';
	const database = o.database ?? 'n8n';
	const password = randomSecret();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-scantrust-postgres-'));
	const account = isRoot() ? postgresAccount() : undefined;
	const as = account ? { uid: account.uid, gid: account.gid } : {};
	const dataDir = path.join(dir, 'data');
	const pwFile = path.join(dir, 'pw');
	fs.writeFileSync(pwFile, password + '\n', { mode: 0o600 });
	if (account) chownTree(dir, account);
	const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C', PGPASSWORD: password };
	delete env.PGDATA;

	const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
	const init = spawnSync(
		path.join(bin, 'initdb'),
		['-D', dataDir, '-U', user, `--pwfile=${pwFile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
		{ cwd: dir, env, encoding: 'utf8', ...as },
	);
	fs.rmSync(pwFile, { force: true });
	if (init.status !== 0) {
		removeDir();
		throw new Error(`initdb failed (exit ${init.status}): ${(init.stderr || init.stdout || String(init.error)).trim().split('\n').slice(-8).join('\n    ')}`);
	}

	// A throwaway cluster: no fsync; Unix socket inside its own folder, TCP on loopback only.
	const p = spawnSupervised('postgres', path.join(bin, 'postgres'), [
		'-D', dataDir,
		'-p', String(port),
		'-c', 'listen_addresses=127.0.0.1',
		'-c', `unix_socket_directories=${dir}`,
		'-c', 'fsync=off',
		'-c', 'synchronous_commit=off',
		'-c', 'full_page_writes=off',
		'-c', 'max_connections=200',
	], { cwd: dir, env, onLine: o.onLog, ...as });
	// SIGINT is PostgreSQL's "fast" shutdown: it ends client sessions instead of waiting for them.
	const { stop } = stopper(p, { signal: 'SIGINT', graceMs: 10_000, after: removeDir });

	const client = (program: string, args: string[]) =>
		new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
			const c = spawn(path.join(bin, program), ['-h', '127.0.0.1', '-p', String(port), '-U', user, ...args], {
				env,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let stdout = '';
			let stderr = '';
			c.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
			c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
			c.on('error', (e) => resolve({ code: -1, stdout, stderr: e.message }));
			c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
		});
	try {
		await waitFor('postgres', async () => (await client('pg_isready', ['-d', 'postgres', '-q'])).code === 0, p, o.timeoutMs ?? 60_000);
		const made = await client('createdb', [database]);
		if (made.code !== 0) throw new Error(`createdb ${database} failed: ${made.stderr.trim()}`);
	} catch (err) {
		await stop();
		throw err;
	}
	const version = spawnSync(path.join(bin, 'postgres'), ['-V'], { encoding: 'utf8' }).stdout ?? '';
	return {
		major: /PostgreSQL\)?\s+(\d+)/.exec(version)?.[1] ?? path.basename(path.dirname(bin)),
		host: '127.0.0.1',
		port,
		user,
		password,
		database,
		n8nEnv: {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: database,
			DB_POSTGRESDB_USER: user,
			DB_POSTGRESDB_PASSWORD: password,
		},
		pid: p.child.pid,
		dir,
		logs: () => [...p.logs],
		async query(sql) {
			const r = await client('psql', ['-d', database, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
			if (r.code !== 0) throw new Error(`psql failed (exit ${r.code}): ${r.stderr.trim()}`);
			return r.stdout;
		},
		async dump(file) {
			const r = await client('pg_dump', ['-d', database, '--no-owner', '--no-privileges', '-f', file]);
			if (r.code !== 0) throw new Error(`pg_dump failed (exit ${r.code}): ${r.stderr.trim()}`);
		},
		async restore(file) {
			const r = await client('psql', ['-d', database, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file]);
			if (r.code !== 0) throw new Error(`restoring ${file} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' ')}`);
		},
		async recreate() {
			for (const [program, args] of [['dropdb', ['--if-exists', database]], ['createdb', [database]]] as const) {
				const r = await client(program, [...args]);
				if (r.code !== 0) throw new Error(`${program} ${database} failed: ${r.stderr.trim()}`);
			}
		},
		stop,
	};
}
