/**
 * Runs a workflow headlessly in a real n8n, without starting the server:
 *   n8n import:credentials --input=<file>      (plain `data`, encrypted on import with the fixed key)
 *   n8n import:workflow --separate --input=<dir>
 *   N8N_LOG_FORMAT=json n8n execute --id=<id> --rawOutput
 * The run's result is the last JSON log line whose message parses to an object with `data.resultData`
 * (logged at level info, also when the run fails). n8n's stdout goes to a file, read after the exit: through a
 * pipe the end of a big result was lost when n8n exited. When a run fails before its first node nothing is printed:
 * the execution is then read from n8n's SQLite database (with Node 24 and n8n's own sqlite3).
 *
 * `n8n execute` only starts from a Manual Trigger (or Execute Workflow Trigger) and runs in mode `cli`, where a
 * polling trigger's poll() is never called: use instance.ts (`runWorkflowManually`) for that.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { ensureN8n, type N8nInstallation } from './install';
import {
	freePort,
	importCredentialsCli,
	importWorkflowsCli,
	linkPackages,
	makeTempDir,
	n8nEnv,
	removeUserFolder,
	runN8nCli,
	seedDatabase,
	thisPackage,
	trackForShutdown,
	type CredentialEntry,
	type LinkedPackage,
} from './env';
import { summarizeExecution, type ExecutionResult, type ExecutionStatus } from './instance';

export interface ExecuteWorkflowOptions {
	/** Workflow file to import and run (its `id` is used, or a stable one is added). */
	workflowFile?: string;
	/** Id of a workflow already imported into `userFolder` (instead of `workflowFile`). */
	workflowId?: string;
	/** Credentials to import first: a JSON file (array of `{id, name, type, data}`) or the entries. */
	credentialsFile?: string | CredentialEntry[];
	/** `N8N_USER_FOLDER`. Default: a fresh temp folder, removed afterwards unless `keepUserFolder`. */
	userFolder?: string;
	keepUserFolder?: boolean;
	/** Packages to link. Default: this repository as n8n-nodes-scantrust. */
	packages?: LinkedPackage[];
	/** Extra environment for n8n. */
	env?: Record<string, string | undefined>;
	/** Every line n8n prints (the big result line is passed too, so keep this cheap). */
	onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
	installation?: N8nInstallation;
	/** Limit for `n8n execute`. Default 15 minutes. */
	timeoutMs?: number;
	/** Start a fresh user folder from a pre-migrated empty database (see env.ts seedDatabase). Default true. */
	seedDatabase?: boolean;
}

export interface CliExecutionResult extends Omit<ExecutionResult, 'executionId'> {
	workflowId: string;
	/** Known when read from the database. */
	executionId?: string;
	/** Where the result came from. */
	source: 'stdout' | 'database';
	exitCode: number;
	/** Wall time of `n8n execute` (import excluded). */
	executeMs: number;
	/** Wall time of the imports. */
	importMs: number;
	/** n8n's log lines (messages only, without the result line), the last 200. */
	logs: string[];
	userFolder: string;
}

export async function executeWorkflowCli(opts: ExecuteWorkflowOptions): Promise<CliExecutionResult> {
	if (!opts.workflowFile && !opts.workflowId) throw new Error('executeWorkflowCli needs workflowFile or workflowId');
	const inst = opts.installation ?? (await ensureN8n());
	const ownFolder = !opts.userFolder;
	const userFolder = path.resolve(opts.userFolder ?? makeTempDir('n8n-scantrust-exec-'));
	fs.mkdirSync(userFolder, { recursive: true });
	const tmpDir = path.join(userFolder, '.tmp-import');
	// On Ctrl-C the n8n child is killed by runN8nCli's own hook; this one removes the temp folder.
	const untrack = trackForShutdown({
		kill: () => undefined,
		cleanup: async () => {
			if (ownFolder && !opts.keepUserFolder) removeUserFolder(userFolder);
		},
	});
	try {
		linkPackages(userFolder, opts.packages ?? [thisPackage()]);
		const env = n8nEnv(inst, userFolder, {
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			N8N_PORT: String(await freePort()),
			...opts.env,
			// the result is only printed as an info-level JSON log line
			N8N_LOG_FORMAT: 'json',
			N8N_LOG_LEVEL: 'info',
		});
		const logs: string[] = [];
		const keepLog = (l: string) => {
			logs.push(l.length > 2000 ? l.slice(0, 2000) + '…' : l);
			if (logs.length > 200) logs.shift();
		};
		const importLine = (line: string, stream: 'stdout' | 'stderr') => {
			keepLog(logMessage(line));
			opts.onLog?.(line, stream);
		};

		const importStart = Date.now();
		if (opts.seedDatabase !== false) await seedDatabase(inst, userFolder, importLine);
		if (opts.credentialsFile) await importCredentialsCli(inst, env, opts.credentialsFile, tmpDir, importLine);
		let workflowId = opts.workflowId;
		if (opts.workflowFile) {
			const [wf] = await importWorkflowsCli(inst, env, [opts.workflowFile], tmpDir, importLine);
			workflowId = wf.id;
		}
		const importMs = Date.now() - importStart;

		let resultText: string | undefined;
		// stdout through a file: through a pipe, n8n's exit cuts off a big result (see runN8nCli's stdoutFile)
		fs.mkdirSync(tmpDir, { recursive: true });
		const stdoutFile = path.join(tmpDir, `execute-${process.pid}-${Date.now()}.out`);
		const r = await runN8nCli(inst, ['execute', `--id=${workflowId}`, '--rawOutput'], {
			env,
			keepStdout: false,
			stdoutFile,
			timeoutMs: opts.timeoutMs ?? 15 * 60_000,
			onLine: (line, stream) => {
				opts.onLog?.(line, stream);
				const msg = logMessage(line);
				if (msg.startsWith('{') && msg.includes('"resultData"')) {
					resultText = msg;
					return;
				}
				keepLog(msg);
			},
		}).finally(() => fs.rmSync(stdoutFile, { force: true }));

		const base = { workflowId: workflowId!, exitCode: r.code, executeMs: r.ms, importMs, logs, userFolder };
		if (resultText) {
			const run = JSON.parse(resultText) as {
				data?: Record<string, unknown>;
				status?: ExecutionStatus;
				finished?: boolean;
				mode?: string;
				startedAt?: string;
				stoppedAt?: string;
			};
			const s = summarizeExecution('', run.status ?? (r.code === 0 ? 'success' : 'error'), !!run.finished, run.data ?? {}, {
				mode: run.mode,
				startedAt: run.startedAt,
				stoppedAt: run.stoppedAt,
			});
			const { executionId: _unused, ...rest } = s;
			void _unused;
			return { ...rest, ...base, source: 'stdout' };
		}

		// Nothing printed: the run failed before its first node (e.g. a credential missing). Look in the database.
		const fromDb = await readLastExecution(inst, userFolder, workflowId!).catch((err: Error) => {
			logs.push(`reading the execution from the database failed: ${err.message}`);
			return undefined;
		});
		if (fromDb) {
			return { ...fromDb, ...base, source: 'database' };
		}
		throw new Error(
			`n8n execute --id=${workflowId} printed no result (exit code ${r.code}) and no execution is in the database ` +
				`${path.join(userFolder, '.n8n', 'database.sqlite')}. n8n's last output:\n` +
				logs
					.slice(-20)
					.map((l) => '    ' + l)
					.join('\n'),
		);
	} finally {
		untrack();
		if (ownFolder && !opts.keepUserFolder) removeUserFolder(userFolder);
	}
}

/** The `message` of a JSON log line (N8N_LOG_FORMAT=json), or the line itself. */
function logMessage(line: string): string {
	if (!line.startsWith('{')) return line;
	try {
		const o = JSON.parse(line) as { message?: unknown };
		return typeof o.message === 'string' ? o.message : line;
	} catch {
		return line;
	}
}

/**
 * The newest execution of `workflowId` from `$userFolder/.n8n/database.sqlite`, read by a Node 24 child process
 * with n8n's sqlite3 and flatted (the data column is flatted JSON).
 */
export async function readLastExecution(
	inst: N8nInstallation,
	userFolder: string,
	workflowId: string,
): Promise<ExecutionResult | undefined> {
	const db = path.join(userFolder, '.n8n', 'database.sqlite');
	if (!fs.existsSync(db)) return undefined;
	const script = `
const sqlite3 = require('sqlite3');
const { parse } = require('flatted');
const [db, wf] = process.argv.slice(1);
const d = new sqlite3.Database(db, sqlite3.OPEN_READONLY);
d.get(
	'SELECT e.id, e.status, e.finished, e.mode, e.startedAt, e.stoppedAt, e.storedAt, x.data FROM execution_entity e ' +
		'LEFT JOIN execution_data x ON x.executionId = e.id WHERE e.workflowId = ? ORDER BY e.id DESC LIMIT 1',
	[wf],
	(err, row) => {
		if (err) { process.stderr.write(String(err)); process.exit(2); }
		if (!row) { process.stdout.write('null'); return; }
		const data = row.data ? parse(row.data) : null;
		process.stdout.write(JSON.stringify({ ...row, data }));
	},
);`;
	const out = await new Promise<string>((resolve, reject) => {
		const child = spawn(inst.nodeBin, ['-e', script, db, workflowId], {
			cwd: inst.dir,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const chunks: Buffer[] = [];
		let err = '';
		child.stdout.on('data', (c: Buffer) => chunks.push(c));
		child.stderr.on('data', (c: Buffer) => (err += c.toString()));
		child.on('error', reject);
		child.on('close', (code) =>
			code === 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(err || `exit ${code}`)),
		);
	});
	const row = JSON.parse(out) as null | {
		id: number;
		status: ExecutionStatus;
		finished: number | boolean;
		mode: string;
		startedAt?: string;
		stoppedAt?: string;
		storedAt?: string;
		data: Record<string, unknown> | null;
	};
	if (!row) return undefined;
	return summarizeExecution(String(row.id), row.status, !!row.finished, row.data ?? {}, {
		mode: row.mode,
		startedAt: row.startedAt ?? undefined,
		stoppedAt: row.stoppedAt ?? undefined,
	});
}
