/**
 * A real `n8n start` (Node 24, cached install) with this package linked as a community package, plus a small
 * REST client for what `npm start`, `npm run demo` and the end-to-end tests need: owner setup and login,
 * importing credentials and workflows, running a workflow manually from a trigger (so a polling trigger's
 * `poll()` runs once), reading executions, testing a credential, listing node types.
 *
 * Payloads follow n8n 2.41.1's own code (n8n/dist/controllers, n8n/dist/workflows, @n8n/api-types/dist/dto).
 */
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';

import { ensureN8n, type N8nInstallation } from './install';
import { spawnSupervised, stopper } from './supervised';
import {
	freePort,
	importCredentialsCli,
	importWorkflowsCli,
	linkPackages,
	makeTempDir,
	n8nEnv,
	removeUserFolder,
	seedDatabase,
	thisPackage,
	workflowIdFor,
	type CredentialEntry,
	type LinkedPackage,
	type PreparedWorkflow,
} from './env';

export type { CredentialEntry, LinkedPackage, PreparedWorkflow } from './env';

export interface StartN8nOptions {
	/** `N8N_USER_FOLDER` (n8n keeps `.n8n/database.sqlite` etc. inside). Default: a fresh temp folder, removed by stop(). */
	userFolder?: string;
	/** Keep a temp user folder on stop() (to inspect it). */
	keepUserFolder?: boolean;
	/** HTTP port. Default: a free one. */
	port?: number;
	/** Extra environment for n8n (overrides the defaults; `undefined` removes a variable). */
	env?: Record<string, string | undefined>;
	/** Every line n8n prints. Default: kept in memory only (see `logs()`). */
	onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
	/** Packages to link into `.n8n/nodes/node_modules`. Default: this repository as n8n-nodes-scantrust. */
	packages?: LinkedPackage[];
	/** Credentials to import (CLI, before start) — entries or a JSON file. */
	credentials?: CredentialEntry[] | string;
	/** Workflow files to import (CLI, before start). */
	workflows?: string[];
	/** Installation to use. Default: `await ensureN8n()` (installs on first use, with progress on stderr). */
	installation?: N8nInstallation;
	/** How long to wait for /healthz/readiness. Default 180 s. */
	startTimeoutMs?: number;
	/** Bind address. Default 127.0.0.1 (not reachable from other machines). */
	listenAddress?: string;
	/** Start a fresh user folder from a pre-migrated empty database (see env.ts seedDatabase). Default true. */
	seedDatabase?: boolean;
}

/** A workflow in n8n's export format (the part this client uses). */
export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: Array<{ name: string; type: string; [k: string]: unknown }>;
	connections?: Record<string, unknown>;
	settings?: Record<string, unknown>;
	pinData?: Record<string, unknown>;
	[k: string]: unknown;
}

/** Reads a workflow file (one object with `nodes`), with a clear error when it is not one. */
export function readWorkflowJson(file: string): WorkflowJson {
	let wf: unknown;
	try {
		wf = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch (err) {
		throw new Error(`cannot read workflow ${file}: ${(err as Error).message}`);
	}
	if (!wf || typeof wf !== 'object' || Array.isArray(wf) || !Array.isArray((wf as WorkflowJson).nodes)) {
		throw new Error(`${file} is not an n8n workflow (expected one object with "nodes" and "connections")`);
	}
	return wf as WorkflowJson;
}

export interface OwnerCredentials {
	email: string;
	password: string;
	firstName?: string;
	lastName?: string;
}

/** Default owner for local runs; the password meets n8n's rules (8+ characters, a digit, an uppercase letter). */
export const DEFAULT_OWNER: Required<OwnerCredentials> = {
	email: 'owner@example.com',
	password: 'Scantrust-n8n-1',
	firstName: 'Local',
	lastName: 'Owner',
};

export type ExecutionStatus =
	| 'new'
	| 'running'
	| 'success'
	| 'error'
	| 'canceled'
	| 'crashed'
	| 'waiting'
	| 'unknown';

/** Output items of one node run (`json` plus optional `binary` metadata). */
export interface NodeItem {
	json: Record<string, unknown>;
	binary?: Record<string, unknown>;
	[key: string]: unknown;
}

/** One run of a node (n8n's ITaskData, loosely typed). */
export interface TaskData {
	startTime?: number;
	executionTime?: number;
	executionStatus?: string;
	data?: { main?: Array<NodeItem[] | null> };
	error?: { message?: string; description?: string; [key: string]: unknown };
	[key: string]: unknown;
}

export type RunData = Record<string, TaskData[]>;

export interface ExecutionResult {
	executionId: string;
	status: ExecutionStatus;
	finished: boolean;
	mode?: string;
	/** `resultData.runData`: per node name, one entry per run. */
	runData: RunData;
	lastNodeExecuted?: string;
	/** Items of the first output of the last run of `lastNodeExecuted`. */
	lastNodeOutput: NodeItem[];
	/** The execution error, if any (message plus n8n's description). */
	error?: { message: string; description?: string; node?: string; raw: unknown };
	/** The whole execution data (n8n's IRunExecutionData) as returned by the REST API. */
	data: Record<string, unknown>;
	startedAt?: string;
	stoppedAt?: string;
}

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

export class N8nRestError extends Error {
	constructor(
		readonly method: string,
		readonly path: string,
		readonly status: number,
		readonly body: unknown,
	) {
		super(`n8n ${method} ${path} answered ${status}: ${describeBody(body)}`);
		this.name = 'N8nRestError';
	}
}

export interface N8nInstance {
	/** Base URL for API calls (http://127.0.0.1:PORT). */
	readonly url: string;
	/** URL to show a user (http://localhost:PORT). */
	readonly editorUrl: string;
	readonly port: number;
	readonly userFolder: string;
	readonly installation: N8nInstallation;
	/** Environment n8n runs with (for running further CLI commands against the same database). */
	readonly env: NodeJS.ProcessEnv;
	readonly process: ChildProcess;
	/** Workflows imported at start (`opts.workflows`), with their ids. */
	readonly workflows: PreparedWorkflow[];
	/** The last ~500 lines n8n printed. */
	logs(): string[];
	/** Kills n8n's process group (SIGTERM, then SIGKILL after `graceMs`, default 10 s) and waits for it. */
	stop(graceMs?: number): Promise<void>;

	/** Any REST call: `rest('GET', '/rest/workflows')`; returns the `data` of n8n's `{data}` envelope. */
	rest<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T>;
	/** POST /rest/owner/setup (or, when an owner exists, POST /rest/login); keeps the auth cookie. */
	setupOwner(owner?: OwnerCredentials): Promise<Record<string, unknown>>;
	/** POST /rest/login {emailOrLdapLoginId, password}; keeps the auth cookie. */
	login(email?: string, password?: string): Promise<Record<string, unknown>>;
	/** `n8n import:credentials` against this instance's database (works while n8n runs). */
	importCredentials(creds: CredentialEntry[] | string): Promise<void>;
	/** `n8n import:workflow` for each file; returns their ids (added to a temp copy when a file has none). */
	importWorkflows(files: string[]): Promise<PreparedWorkflow[]>;
	/**
	 * POST /rest/credentials (needs login): n8n encrypts `data` and returns the new id. Faster than
	 * `importCredentials` (no extra n8n boot, ~4 s each) once the owner is set up.
	 */
	createCredential(credential: { name: string; type: string; data: Record<string, unknown> }): Promise<{ id: string; name: string }>;
	/**
	 * POST /rest/workflows (needs login) with a workflow object in n8n's export format, or a JSON file of one.
	 * Credentials referenced by name (an unknown or missing id) are resolved to the project's credential of that
	 * name and type, as on import. Without `id` the workflow gets a stable one derived from its name / file.
	 */
	createWorkflow(workflow: string | WorkflowJson): Promise<PreparedWorkflow>;
	/** GET /rest/workflows. */
	listWorkflows(): Promise<Array<{ id: string; name: string; active: boolean; [k: string]: unknown }>>;
	/**
	 * POST /rest/workflows/:id/run with `{triggerToStartFrom: {name: triggerName}}`, then polls the execution
	 * until it has finished. A polling trigger's `poll()` runs once (mode `manual`).
	 */
	runWorkflowManually(
		workflowId: string,
		triggerName: string,
		opts?: { timeoutMs?: number; destinationNode?: string },
	): Promise<ExecutionResult>;
	/** GET /rest/executions/:id, with the data unflattened. */
	getExecution(executionId: string): Promise<ExecutionResult>;
	/**
	 * POST /rest/executions/:id/retry, as the editor's "Retry with original workflow" (or, with `loadWorkflow`,
	 * "with currently saved workflow"): a new execution in mode `retry`; resolves once it has finished.
	 */
	retryExecution(executionId: string, opts?: { loadWorkflow?: boolean; timeoutMs?: number }): Promise<ExecutionResult>;
	/**
	 * POST /rest/credentials/test `{credentials: {id, name, type, data}}`. With `id` of an imported credential, its
	 * stored data (GET /rest/credentials/:id?includeData=true) is tested, with `data` (if given) overriding single
	 * fields, e.g. `{token: 'wrong'}`. Without `id`, `data` is tested as is (owner only).
	 */
	testCredential(credential: {
		id?: string;
		name?: string;
		type: string;
		data?: Record<string, unknown>;
	}): Promise<CredentialTestResult>;
	/** GET /types/nodes.json: every node type n8n loaded (needs login). */
	nodeTypes(): Promise<Array<{ name: string; displayName: string; version: number | number[]; [k: string]: unknown }>>;
	/** GET /types/credentials.json: every credential type n8n loaded (needs login). */
	credentialTypes(): Promise<Array<{ name: string; displayName: string; [k: string]: unknown }>>;
}

/**
 * Starts `n8n start` and resolves once GET /healthz/readiness answers 200 (7-18 s, with the machine's load). Rejects with n8n's
 * last log lines when it exits or does not get ready in time.
 */
export async function startN8n(opts: StartN8nOptions = {}): Promise<N8nInstance> {
	const installation = opts.installation ?? (await ensureN8n());
	const ownFolder = !opts.userFolder;
	const userFolder = path.resolve(opts.userFolder ?? makeTempDir('n8n-scantrust-user-'));
	fs.mkdirSync(userFolder, { recursive: true });
	const tmpDir = path.join(userFolder, '.tmp-import');
	const packages = opts.packages ?? [thisPackage()];
	linkPackages(userFolder, packages);

	const port = opts.port ?? (await freePort());
	let brokerPort = await freePort();
	while (brokerPort === port) brokerPort = await freePort();
	const listen = opts.listenAddress ?? '127.0.0.1';
	const env = n8nEnv(installation, userFolder, {
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: listen,
		N8N_HOST: 'localhost',
		N8N_PROTOCOL: 'http',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
		...opts.env,
	});
	const logBuf: string[] = [];
	const onLine = (line: string, stream: 'stdout' | 'stderr') => {
		logBuf.push(line);
		if (logBuf.length > 500) logBuf.shift();
		opts.onLog?.(line, stream);
	};

	let imported: PreparedWorkflow[] = [];
	try {
		if (opts.seedDatabase !== false) await seedDatabase(installation, userFolder, onLine);
		// Imports before start: one n8n boot each, no concurrent access to the database.
		if (opts.credentials) await importCredentialsCli(installation, env, opts.credentials, tmpDir, onLine);
		if (opts.workflows?.length) imported = await importWorkflowsCli(installation, env, opts.workflows, tmpDir, onLine);
	} catch (err) {
		if (ownFolder && !opts.keepUserFolder) removeUserFolder(userFolder);
		throw err;
	}

	const p = spawnSupervised('n8n', installation.nodeBin, [installation.n8nBin, 'start'], { cwd: userFolder, env, onLine });
	const child = p.child;
	// Never leave an n8n behind: killed at process exit, stopped on Ctrl-C.
	const { stop } = stopper(p, {
		signal: 'SIGTERM',
		graceMs: 10_000,
		shutdownGraceMs: 5000,
		after: () => {
			if (ownFolder && !opts.keepUserFolder) removeUserFolder(userFolder);
		},
	});

	const url = `http://127.0.0.1:${port}`;
	const client = new RestClient(url);
	try {
		await waitReady(url, () => p.exited(), opts.startTimeoutMs ?? 180_000);
	} catch (err) {
		await stop(2000);
		const last = logBuf.slice(-25).map((l) => '    ' + l).join('\n');
		throw new Error(`${(err as Error).message}\nn8n's last output:\n${last}`);
	}

	const instance: N8nInstance = {
		url,
		editorUrl: `http://localhost:${port}`,
		port,
		userFolder,
		installation,
		env,
		process: child,
		workflows: imported,
		logs: () => [...logBuf],
		stop,
		rest: (method, p, body) => client.request(method, p, body),
		async setupOwner(owner = DEFAULT_OWNER) {
			const o = { ...DEFAULT_OWNER, ...owner };
			try {
				return await client.request<Record<string, unknown>>('POST', '/rest/owner/setup', {
					email: o.email,
					firstName: o.firstName,
					lastName: o.lastName,
					password: o.password,
				});
			} catch (err) {
				// Already set up (a reused user folder): log in instead.
				if (err instanceof N8nRestError && err.status === 400 && /already/i.test(describeBody(err.body))) {
					return await instance.login(o.email, o.password);
				}
				throw err;
			}
		},
		async login(email = DEFAULT_OWNER.email, password = DEFAULT_OWNER.password) {
			return await client.request<Record<string, unknown>>('POST', '/rest/login', {
				emailOrLdapLoginId: email,
				password,
			});
		},
		async importCredentials(creds) {
			await importCredentialsCli(installation, env, creds, tmpDir, onLine);
		},
		async importWorkflows(files) {
			return await importWorkflowsCli(installation, env, files, tmpDir, onLine);
		},
		async createCredential(c) {
			const r = await client.request<{ id: string; name: string }>('POST', '/rest/credentials', {
				name: c.name,
				type: c.type,
				data: c.data,
			});
			return { id: String(r.id), name: r.name };
		},
		async createWorkflow(workflow) {
			const source = typeof workflow === 'string' ? path.resolve(workflow) : '';
			const wf = typeof workflow === 'string' ? readWorkflowJson(source) : workflow;
			const name = typeof wf.name === 'string' && wf.name ? wf.name : path.basename(source || 'workflow', '.json');
			const id = typeof wf.id === 'string' && wf.id ? wf.id : workflowIdFor(path.basename(source) + '\0' + name);
			const body: Record<string, unknown> = {
				id,
				name,
				nodes: wf.nodes,
				connections: wf.connections ?? {},
				settings: wf.settings ?? {},
				pinData: wf.pinData ?? {},
			};
			if (wf.meta && typeof wf.meta === 'object') body.meta = wf.meta;
			// tags would need the ids of existing tags: left out
			const saved = await client.request<{ id: string; name: string }>('POST', '/rest/workflows', body);
			const triggers = (wf.nodes ?? []).filter((n) => /trigger$/i.test(String(n.type))).map((n) => String(n.name));
			return { id: String(saved.id), name: saved.name ?? name, file: source, source, triggers };
		},
		async listWorkflows() {
			const r = await client.request<unknown>('GET', '/rest/workflows');
			// the list comes either as an array or (with pagination) as {count, data}
			return (Array.isArray(r) ? r : ((r as { data?: unknown[] }).data ?? [])) as Array<{
				id: string;
				name: string;
				active: boolean;
			}>;
		},
		async runWorkflowManually(workflowId, triggerName, o = {}) {
			const body: Record<string, unknown> = { triggerToStartFrom: { name: triggerName } };
			if (o.destinationNode) body.destinationNode = { nodeName: o.destinationNode, mode: 'inclusive' };
			const started = await client.request<{ executionId?: string; waitingForWebhook?: boolean }>(
				'POST',
				`/rest/workflows/${encodeURIComponent(workflowId)}/run`,
				body,
			);
			if (!started?.executionId) {
				throw new Error(
					started?.waitingForWebhook
						? `workflow ${workflowId}: "${triggerName}" waits for a webhook call; manual runs here only start from ` +
								'manual, schedule or polling triggers'
						: `workflow ${workflowId}: n8n did not start an execution (${JSON.stringify(started)})`,
				);
			}
			return await waitForExecution(client, installation, String(started.executionId), o.timeoutMs ?? 120_000);
		},
		async getExecution(executionId) {
			return await fetchExecution(client, installation, executionId);
		},
		async retryExecution(executionId, o = {}) {
			const retried = await client.request<{ id?: string }>('POST', `/rest/executions/${encodeURIComponent(executionId)}/retry`, {
				loadWorkflow: o.loadWorkflow ?? false,
			});
			if (!retried?.id) throw new Error(`n8n did not retry execution ${executionId} (${JSON.stringify(retried).slice(0, 200)})`);
			return await waitForExecution(client, installation, String(retried.id), o.timeoutMs ?? 120_000);
		},
		async testCredential(c) {
			let data = c.data;
			let name = c.name ?? '';
			if (c.id) {
				// n8n tests exactly the data it is sent (restoring only redacted placeholders), so start from the stored
				// values, as the editor does, and apply the overrides on top.
				const stored = await client.request<{ name?: string; data?: Record<string, unknown> }>(
					'GET',
					`/rest/credentials/${encodeURIComponent(c.id)}?includeData=true`,
				);
				data = { ...(stored?.data ?? {}), ...(c.data ?? {}) };
				name = c.name ?? stored?.name ?? '';
			}
			return await client.request<CredentialTestResult>('POST', '/rest/credentials/test', {
				credentials: { id: c.id ?? '', name, type: c.type, data: data ?? {} },
			});
		},
		async nodeTypes() {
			return await client.raw<Array<{ name: string; displayName: string; version: number | number[] }>>(
				'GET',
				'/types/nodes.json',
			);
		},
		async credentialTypes() {
			return await client.raw<Array<{ name: string; displayName: string }>>('GET', '/types/credentials.json');
		},
	};
	return instance;
}

// ---------------------------------------------------------------------------------------------------------------

async function waitReady(
	url: string,
	exited: () => { code: number | null; signal: NodeJS.Signals | null } | undefined,
	timeoutMs: number,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const e = exited();
		if (e) throw new Error(`n8n exited before it was ready (exit code ${e.code}, signal ${e.signal})`);
		try {
			const res = await fetch(`${url}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
			if (res.status === 200) return;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) throw new Error(`n8n did not get ready within ${Math.round(timeoutMs / 1000)} s (${url})`);
		await sleep(250);
	}
}

class RestClient {
	private cookies = new Map<string, string>();

	constructor(private readonly base: string) {}

	/** A call to n8n's internal REST API; unwraps `{data}`. */
	async request<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
		const json = await this.raw<unknown>(method, urlPath, body);
		if (json && typeof json === 'object' && 'data' in (json as object)) return (json as { data: T }).data;
		return json as T;
	}

	/** A call returning the parsed JSON body as is. */
	async raw<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (body !== undefined) headers['content-type'] = 'application/json';
		if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		const res = await fetch(this.base + urlPath, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		for (const c of res.headers.getSetCookie?.() ?? []) {
			const [pair] = c.split(';');
			const i = pair.indexOf('=');
			if (i > 0) {
				const name = pair.slice(0, i).trim();
				const value = pair.slice(i + 1).trim();
				if (value && !/expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.set(name, value);
				else this.cookies.delete(name);
			}
		}
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			// not JSON
		}
		if (!res.ok) throw new N8nRestError(method, urlPath, res.status, parsed);
		return parsed as T;
	}
}

function describeBody(body: unknown): string {
	if (body && typeof body === 'object') {
		const b = body as { message?: unknown; hint?: unknown };
		if (typeof b.message === 'string') return b.message + (typeof b.hint === 'string' ? ` (${b.hint})` : '');
		return JSON.stringify(body).slice(0, 500);
	}
	return String(body ?? '').slice(0, 500);
}

const FINAL: ExecutionStatus[] = ['success', 'error', 'canceled', 'crashed'];

async function waitForExecution(
	client: RestClient,
	inst: N8nInstallation,
	executionId: string,
	timeoutMs: number,
): Promise<ExecutionResult> {
	const deadline = Date.now() + timeoutMs;
	let delay = 200;
	for (;;) {
		let r: ExecutionResult | undefined;
		try {
			r = await fetchExecution(client, inst, executionId);
		} catch (err) {
			// right after the start the execution may not be saved yet
			if (!(err instanceof N8nRestError && err.status === 404)) throw err;
		}
		if (r && (FINAL.includes(r.status) || (r.finished && r.status !== 'running'))) return r;
		if (Date.now() > deadline) {
			throw new Error(
				`execution ${executionId} did not finish within ${Math.round(timeoutMs / 1000)} s (status ${r?.status ?? 'not saved yet'})`,
			);
		}
		await sleep(delay);
		delay = Math.min(delay * 2, 1000);
	}
}

let flattedParse: ((s: string) => unknown) | undefined;

/** n8n's own `flatted` (the REST API sends execution data flattened with it), loaded from the n8n install. */
function unflatten(inst: N8nInstallation, s: string): unknown {
	if (!flattedParse) {
		const req = createRequire(path.join(inst.dir, 'node_modules', 'n8n', 'package.json'));
		flattedParse = (req('flatted') as { parse: (s: string) => unknown }).parse;
	}
	return flattedParse(s);
}

async function fetchExecution(client: RestClient, inst: N8nInstallation, executionId: string): Promise<ExecutionResult> {
	const e = await client.request<{
		id: string;
		status?: ExecutionStatus;
		finished?: boolean;
		mode?: string;
		data?: unknown;
		startedAt?: string;
		stoppedAt?: string;
	}>('GET', `/rest/executions/${encodeURIComponent(executionId)}`);
	if (!e) throw new N8nRestError('GET', `/rest/executions/${executionId}`, 404, 'execution not found');
	// While an execution is being created its data may still be empty ("[]" flattens to undefined).
	const parsed = typeof e.data === 'string' && e.data ? unflatten(inst, e.data) : e.data;
	const data = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
	return summarizeExecution(String(e.id ?? executionId), e.status ?? 'unknown', !!e.finished, data, {
		mode: e.mode,
		startedAt: e.startedAt,
		stoppedAt: e.stoppedAt,
	});
}

/** Builds an ExecutionResult from n8n's IRunExecutionData (`{resultData: {runData, lastNodeExecuted, error}}`). */
export function summarizeExecution(
	executionId: string,
	status: ExecutionStatus,
	finished: boolean,
	data: Record<string, unknown>,
	extra: { mode?: string; startedAt?: string; stoppedAt?: string } = {},
): ExecutionResult {
	const resultData = (data.resultData ?? {}) as {
		runData?: RunData;
		lastNodeExecuted?: string;
		error?: { message?: string; description?: string; node?: { name?: string } };
	};
	const runData = resultData.runData ?? {};
	const last = resultData.lastNodeExecuted;
	const runs = last ? runData[last] : undefined;
	const lastRun = runs?.[runs.length - 1];
	const err = resultData.error;
	return {
		executionId,
		status,
		finished,
		...extra,
		runData,
		lastNodeExecuted: last,
		lastNodeOutput: lastRun?.data?.main?.[0] ?? [],
		error: err
			? {
					message: err.message ?? 'unknown error',
					description: err.description ?? undefined,
					node: err.node?.name,
					raw: err,
				}
			: undefined,
		data,
	};
}

function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}
