import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';

import { apiRequest } from '../transport/request';
import { waitFor, type WaitSettings } from './wait';

/**
 * SCM updates: activation, blacklisting, product and SCM fields of codes. The synchronous route takes the codes in
 * calls of at most 1,000, paced under the `scm_update` scope (10 requests per second), and each code's result is
 * read from Scantrust's answer; the asynchronous route updates by constraint in a background task.
 */

export const SCM_UPLOAD_PATH = '/api/v2/scm/upload/';
export const SCM_ASYNC_UPLOAD_PATH = '/api/v2/scm/upload/async/';
export const scmTaskPath = (id: string) => `/api/v2/scm/tasks/${encodeURIComponent(id)}/`;

/** Needed by both routes (Scantrust also lists codes_view, scm_code_edit and product_view). */
export const SCM_PERMISSION = 'scm_bulk_edit';

/** Unverified: the synchronous answer's per-code result, `{<data key value>: [names of the fields changed]}`. */
export const SYNC_ITEMS_FIELD = 'items';
/** Unverified: the synchronous answer's count of codes changed, used only when the per-code result is missing. */
export const SYNC_COUNT_FIELD = 'codes_affected';
/** Unverified: task states. Scantrust's page names "pending, running, error"; a client in the wild reads complete and failed. */
export const TASK_DONE_STATES: readonly string[] = ['complete', 'completed', 'done', 'finished', 'success', 'succeeded'];
export const TASK_FAILED_STATES: readonly string[] = ['failed', 'error', 'failure'];

/** The special fields of an update; every other field is an SCM field of the code's campaign. */
export const BUILT_IN_FIELDS: readonly string[] = ['activation_status', 'blacklist_reason', 'product', 'is_consumed', 'consumed_date'];

export interface ScmLimits {
	/** Codes per synchronous call (Scantrust: the synchronous route is for fewer than 1,000 codes at a time). */
	maxCodesPerCall: number;
	/** The `scm_update` scope. */
	callsPerSecond: number;
	/** Added to each one-second window, for clocks that do not agree to the millisecond. */
	windowMarginMs: number;
	/** Calls in flight at once. */
	concurrency: number;
	/** How often a call that timed out (504, nothing updated) is halved and sent again. */
	timeoutSplits: number;
	/** Pause before a halved call is sent, in seconds. */
	timeoutPauseSeconds: number;
}

export const DEFAULT_SCM_LIMITS: Readonly<ScmLimits> = Object.freeze({
	maxCodesPerCall: 1000,
	callsPerSecond: 10,
	windowMarginMs: 5,
	concurrency: 4,
	timeoutSplits: 2,
	timeoutPauseSeconds: 1,
});

/**
 * Keeps calls under `limit` in any window of `windowMs` as the server counts them, whatever the network does: a
 * call reaches the server before its answer comes back, so a call holds its slot until `windowMs` after its answer.
 */
export class RateGate {
	private inFlight = 0;
	private readonly answeredAt: number[] = [];

	constructor(
		private readonly limit: number,
		private readonly windowMs: number,
	) {}

	/** Waits for a slot; call the function it returns once the answer is in. */
	async acquire(): Promise<() => void> {
		for (;;) {
			const now = Date.now();
			while (this.answeredAt.length > 0 && this.answeredAt[0] <= now - this.windowMs) this.answeredAt.shift();
			if (this.inFlight + this.answeredAt.length < this.limit) break;
			await sleep(this.answeredAt.length > 0 ? this.answeredAt[0] + this.windowMs - now + 1 : 10);
		}
		this.inFlight++;
		return () => {
			this.inFlight--;
			this.answeredAt.push(Date.now());
		};
	}
}

/** One code to update: the input item it comes from, its data key value, and the fields to set. */
export interface ScmEntry {
	itemIndex: number;
	code: string;
	fields: IDataObject;
}

/** What Scantrust reported for one code: the fields it changed ([] when it found the code and changed nothing). */
export interface ScmResult {
	changed: string[] | null;
}

export type ScmOutcome = ScmResult | Error;

/** A failure that makes every further call pointless (token, permission). */
function isFatal(error: unknown): boolean {
	return error instanceof NodeApiError && (error.httpCode === '401' || error.httpCode === '403');
}

function describeCode(dataKey: string, code: string): string {
	return `code "${code}" (${dataKey})`;
}

function entryError(ctx: IExecuteFunctions, entry: ScmEntry, dataKey: string, problem: string, description: string, httpCode?: string): NodeOperationError {
	const error = new NodeOperationError(ctx.getNode(), `Item ${entry.itemIndex}: ${describeCode(dataKey, entry.code)} was not updated: ${problem}`, {
		itemIndex: entry.itemIndex,
		description,
	});
	if (httpCode) (error as NodeOperationError & { httpCode?: string }).httpCode = httpCode;
	return error;
}

/** The fields of the DRF answer `{items: [{}, {field: [messages]}, ...]}` that concern one item of the call. */
function itemComplaints(error: NodeApiError, batchSize: number): Array<string | undefined> | undefined {
	const items = (error.errorResponse as IDataObject | undefined)?.items;
	if (!Array.isArray(items) || items.length !== batchSize) return undefined;
	return items.map((item) => {
		if (item === null || typeof item !== 'object' || Object.keys(item).length === 0) return undefined;
		return Object.entries(item as IDataObject)
			.map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(' ') : String(messages)}`)
			.join('; ');
	});
}

/** Reads each code's result from the answer; a code the answer does not confirm is an error, never a success. */
function readResults(ctx: IExecuteFunctions, answer: IDataObject, batch: ScmEntry[], dataKey: string): ScmOutcome[] {
	const items = answer[SYNC_ITEMS_FIELD];
	if (items !== null && typeof items === 'object' && !Array.isArray(items)) {
		const perCode = items as IDataObject;
		return batch.map((entry) => {
			const fields = perCode[entry.code];
			if (Array.isArray(fields)) return { changed: fields.map(String) };
			return entryError(
				ctx,
				entry,
				dataKey,
				'Scantrust did not report it as updated (no code has this value, or it is not visible to this token)',
				`Scantrust answered for ${batch.length} code(s) of this call and left this one out. Check the value, and that "Code Key" names the field it is (extended id, serial number or an SCM field).`,
			);
		});
	}
	const count = Number(answer[SYNC_COUNT_FIELD]);
	if (count === batch.length) return batch.map(() => ({ changed: null }));
	return batch.map((entry) =>
		entryError(
			ctx,
			entry,
			dataKey,
			`Scantrust reported ${Number.isFinite(count) ? count : 'no count of'} code(s) changed for the ${batch.length} sent, without saying which`,
			`This code may or may not have been updated. Check it with Code > Get Many; sending the update again is harmless. Scantrust answered: ${JSON.stringify(answer).slice(0, 200)}`,
		),
	);
}

interface SendPlan {
	ctx: IExecuteFunctions;
	dataKey: string;
	limits: ScmLimits;
	gate: RateGate;
	/** Whether a refused call is sent again without the items Scantrust named (Continue On Fail). */
	resendGoodItems: boolean;
}

async function post(plan: SendPlan, batch: ScmEntry[]): Promise<IDataObject> {
	const first = batch[0].itemIndex;
	const last = batch[batch.length - 1].itemIndex;
	const body = { data_key: plan.dataKey, items: batch.map((entry) => ({ [plan.dataKey]: entry.code, ...entry.fields })) };
	const release = await plan.gate.acquire();
	try {
		return await apiRequest.call(plan.ctx, {
			method: 'POST',
			path: SCM_UPLOAD_PATH,
			body,
			action: `update ${batch.length} code(s) (items ${first}${last !== first ? ` to ${last}` : ''})`,
			permission: SCM_PERMISSION,
			itemIndex: batch.length === 1 ? first : undefined,
		});
	} finally {
		release();
	}
}

/** One synchronous call and what it meant for each of its codes. */
async function sendBatch(plan: SendPlan, batch: ScmEntry[], splits = 0): Promise<ScmOutcome[]> {
	const { ctx, dataKey, limits } = plan;
	try {
		return readResults(ctx, await post(plan, batch), batch, dataKey);
	} catch (caught) {
		const error = caught as NodeApiError;
		if (!(error instanceof NodeApiError)) throw error;
		// Scantrust documents that a call that times out (504) updates nothing: sending it again in halves is safe.
		if (error.httpCode === '504' && splits < limits.timeoutSplits && batch.length > 1) {
			await sleep(limits.timeoutPauseSeconds * 1000);
			const half = Math.ceil(batch.length / 2);
			const first = await sendBatch(plan, batch.slice(0, half), splits + 1);
			return [...first, ...(await sendBatch(plan, batch.slice(half), splits + 1))];
		}
		if (isFatal(error)) throw error;
		if (error.httpCode === '400') return await refused(plan, batch, error, splits);
		const timedOut = error.httpCode === '504';
		return batch.map((entry) =>
			entryError(
				ctx,
				entry,
				dataKey,
				timedOut ? `Scantrust timed out on a call of ${batch.length} code(s) and updated none of them (504)` : error.message,
				timedOut
					? 'Lower "Batch Size" in the options, or use Code > Update Many (asynchronous) for large updates by SCM field.'
					: `Scantrust did not confirm this update: the code may or may not have been updated. Sending the update again is harmless. ${error.description ?? ''}`.trim(),
				error.httpCode ?? undefined,
			),
		);
	}
}

/** A 400: Scantrust checks every item first and updates nothing; its answer names the items it refused. */
async function refused(plan: SendPlan, batch: ScmEntry[], error: NodeApiError, splits: number): Promise<ScmOutcome[]> {
	const { ctx, dataKey } = plan;
	const complaints = itemComplaints(error, batch.length);
	if (!complaints || complaints.every((c) => c === undefined)) {
		return batch.map((entry) => entryError(ctx, entry, dataKey, error.message, 'Scantrust refused the whole call and updated none of its codes.', '400'));
	}
	const good = batch.filter((_, index) => complaints[index] === undefined);
	const resent = plan.resendGoodItems && good.length > 0 ? await sendBatch(plan, good, splits) : undefined;
	let next = 0;
	return batch.map((entry, index) => {
		const complaint = complaints[index];
		if (complaint !== undefined) return entryError(ctx, entry, dataKey, `Scantrust refused it: ${complaint}`, 'Correct this item and run it again.', '400');
		if (resent) return resent[next++];
		return entryError(ctx, entry, dataKey, 'Scantrust refused the call because of another item in it', 'Nothing in this call was updated; the errors of the other items say which. Correct them and run again.', '400');
	});
}

/**
 * Updates codes by one data key in synchronous calls of at most `limits.maxCodesPerCall`, at most
 * `limits.callsPerSecond` calls in any second. Returns one outcome per entry, in entry order. With
 * `stopOnError` the first failed call ends sending and its error is thrown, naming what was updated before.
 */
export async function updateCodes(
	ctx: IExecuteFunctions,
	dataKey: string,
	entries: ScmEntry[],
	options: { stopOnError: boolean; limits?: ScmLimits; gate?: RateGate },
): Promise<ScmOutcome[]> {
	const limits = options.limits ?? DEFAULT_SCM_LIMITS;
	const gate = options.gate ?? new RateGate(limits.callsPerSecond, 1000 + limits.windowMarginMs);
	const plan: SendPlan = { ctx, dataKey, limits, gate, resendGoodItems: !options.stopOnError };
	const batches: Array<{ start: number; entries: ScmEntry[] }> = [];
	for (let start = 0; start < entries.length; start += limits.maxCodesPerCall) {
		batches.push({ start, entries: entries.slice(start, start + limits.maxCodesPerCall) });
	}
	const outcomes: Array<ScmOutcome | undefined> = new Array(entries.length);
	let stop: Error | undefined;
	let next = 0;
	const worker = async () => {
		while (stop === undefined && next < batches.length) {
			const batch = batches[next++];
			let results: ScmOutcome[];
			try {
				results = await sendBatch(plan, batch.entries);
			} catch (error) {
				stop ??= error as Error;
				const { message, description, httpCode } = error as NodeApiError;
				batch.entries.forEach((entry, offset) => {
					outcomes[batch.start + offset] = entryError(ctx, entry, dataKey, message, description ?? '', httpCode ?? undefined);
				});
				return;
			}
			results.forEach((result, offset) => (outcomes[batch.start + offset] = result));
			const failure = results.find((result): result is Error => result instanceof Error);
			if (failure && options.stopOnError) stop ??= failure;
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limits.concurrency, batches.length)) }, worker));
	if (stop !== undefined && options.stopOnError) throw withProgress(stop, entries, outcomes);
	return entries.map(
		(entry, index) =>
			outcomes[index] ??
			entryError(ctx, entry, dataKey, `not sent: an earlier call failed (${stop?.message ?? 'unknown error'})`, 'Nothing was sent for this code. Fix the cause and run it again.'),
	);
}

/** The error that ends a run, told with what the run did before it: updates are not undone. */
function withProgress(error: Error, entries: ScmEntry[], outcomes: Array<ScmOutcome | undefined>): Error {
	const confirmed = outcomes.filter((o): o is ScmResult => o !== undefined && !(o instanceof Error));
	const updated = confirmed.filter((o) => o.changed === null || o.changed.length > 0).length;
	const note =
		confirmed.length > 0
			? `Before this error Scantrust confirmed ${confirmed.length} of the ${entries.length} code(s) of this run (${updated} updated, ${confirmed.length - updated} already so); the others were not updated. Running again is harmless: codes already updated are reported as unchanged.`
			: `None of the ${entries.length} code(s) of this run were updated.`;
	const described = error as Error & { description?: string | null };
	described.description = [described.description, note].filter(Boolean).join('\n');
	return error;
}

/** An asynchronous SCM task as Scantrust reports it; only the fields the node reads are typed. */
export interface ScmTask extends IDataObject {
	id?: string | number;
	state?: string;
	status?: string;
	codes_affected?: number | null;
	error?: string | null;
}

export function taskState(task: ScmTask): string {
	return String(task.state ?? task.status ?? '').trim().toLowerCase();
}

export function isTaskSettled(task: ScmTask): boolean {
	const state = taskState(task);
	return TASK_DONE_STATES.includes(state) || TASK_FAILED_STATES.includes(state);
}

/** Starts an update of every code that meets all constraints; answers Scantrust's task id. */
export async function startScmTask(ctx: IExecuteFunctions, constraints: IDataObject, scmData: IDataObject, itemIndex: number): Promise<string> {
	const answer = await apiRequest.call(ctx, {
		method: 'POST',
		path: SCM_ASYNC_UPLOAD_PATH,
		body: { constraints, scm_data: scmData },
		action: 'start an SCM update task',
		permission: SCM_PERMISSION,
		itemIndex,
	});
	const id = answer.task_id;
	if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: Scantrust's answer to the SCM update has no task_id`, {
			itemIndex,
			description: `It answered: ${JSON.stringify(answer).slice(0, 200)}. The update may have started; check the codes with Code > Get Many before sending it again.`,
		});
	}
	return String(id);
}

export async function getScmTask(ctx: IExecuteFunctions, id: string, itemIndex: number): Promise<ScmTask> {
	return (await apiRequest.call(ctx, {
		method: 'GET',
		path: scmTaskPath(id),
		action: `read SCM update task ${id}`,
		permission: SCM_PERMISSION,
		resource: { name: 'SCM update task', id },
		itemIndex,
	})) as ScmTask;
}

/** Reads the task, and with waiting on polls it until it completes, fails (an error) or the time-out passes. */
export async function settleScmTask(ctx: IExecuteFunctions, id: string, wait: WaitSettings, itemIndex: number): Promise<ScmTask> {
	const first = await getScmTask(ctx, id, itemIndex);
	if (!wait.waitForCompletion) return first;
	const task = await waitFor(
		wait,
		first,
		isTaskSettled,
		async () => await getScmTask(ctx, id, itemIndex),
		(last) =>
			new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: SCM update task ${id} was still "${taskState(last)}" after ${wait.waitTimeout} seconds`, {
				itemIndex,
				description: 'Scantrust is still working on it; do not send the update again. Raise "Wait Timeout", or check the codes later with Code > Get Many.',
			}),
	);
	if (TASK_FAILED_STATES.includes(taskState(task))) {
		const reason = task.error ?? task.detail ?? task.message;
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: SCM update task ${id} failed${reason ? `: ${String(reason)}` : ''}`, {
			itemIndex,
			description: 'Scantrust does not say whether a failed task changed some codes before it failed. Check them with Code > Get Many; sending the update again is harmless.',
		});
	}
	return task;
}
