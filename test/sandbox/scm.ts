// SCM updates: the synchronous upload, asynchronous tasks, and the `scm_update` throttle scope.
import { randomUUID } from 'node:crypto';
import {
	applyChanges,
	findByExtendedId,
	findBySerialNumber,
	indexByScmField,
	type CodeChanges,
	type CodeRef,
} from './codeStore';
import type { Ctx } from './context';
import { ApiError, FieldErrors, MSG, asDict, notFound, pyType, toInteger } from './drf';
import { faultReply } from './faults';
import { throttle } from './rateLimit';
import type { Reply } from './reply';
import { ME } from './seed';
import type { ScmTask } from './types';
import { isoMicro } from './util';

/**
 * Task states. Unverified: Scantrust's page names "pending, running, error, ..."; a client in the wild reads
 * these four, which the sandbox uses.
 */
export const SCM_TASK_STATE = { pending: 'pending', running: 'in-progress', complete: 'complete', failed: 'failed' } as const;

/** Status of an accepted asynchronous upload (unverified: "responds immediately with a task_id"; a client reads 200). */
export const SCM_ASYNC_ACCEPTED_STATUS = 200;

/**
 * The synchronous answer `{total_updates, changes, items, codes_affected}` (field names from a client in the
 * wild). What they hold is not documented; the sandbox's reading: `items` maps each data key value that matched a
 * code to the fields changed on it (an empty list when nothing changed), values that matched no code are left
 * out, `changes` lists the changed field names, `codes_affected` counts changed codes, `total_updates` changed fields.
 */
export const SCM_SYNC_RESPONSE_FIELDS = ['total_updates', 'changes', 'items', 'codes_affected'] as const;

const KEY_PATTERN = /^[A-Za-z0-9_]+$/;
const SPECIAL = { extendedId: 'extended_id', serialNumber: 'serial_number' };

/** The scope "takes precedence over 'authenticated'": counted per token, 10 per second by default. */
function throttleScmScope(ctx: Ctx, authorization: string | undefined): void {
	throttle(ctx, `scm_update ${(authorization ?? '').split(' ')[1]}`, ctx.options.scmRateLimit);
}

function choice(value: unknown, max: number): number | undefined {
	const n = typeof value === 'boolean' ? undefined : toInteger(value);
	return n !== undefined && n >= 0 && n <= max ? n : undefined;
}

const TRUE = new Set<unknown>([true, 'true', 'True', '1', 1]);
const FALSE = new Set<unknown>([false, 'false', 'False', '0', 0]);

/** The fields of one update (a synchronous item, or scm_data): special fields checked, the rest SCM fields as text. */
export function readChanges(ctx: Ctx, data: Record<string, unknown>, skip: string | undefined, errs: FieldErrors): CodeChanges {
	const changes: CodeChanges = { scm: {} };
	for (const [field, value] of Object.entries(data)) {
		if (field === skip) continue;
		switch (field) {
			case 'activation_status': {
				const status = choice(value, 2);
				if (status === undefined) errs.add(field, MSG.choice(value));
				else changes.activation_status = status;
				break;
			}
			case 'blacklist_reason': {
				const reason = choice(value, 10);
				if (reason === undefined) errs.add(field, MSG.choice(value));
				else changes.blacklist_reason = reason;
				break;
			}
			case 'product': {
				const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : undefined;
				const id = text === undefined ? undefined : toInteger(text);
				const product =
					text === undefined ? undefined : (ctx.state.products.find((p) => p.sku === text) ?? ctx.state.products.find((p) => p.id === id));
				if (!product) errs.add(field, `Product "${String(value)}" does not exist.`);
				else changes.product = product;
				break;
			}
			case 'is_consumed':
				if (TRUE.has(value)) changes.is_consumed = true;
				else if (FALSE.has(value)) changes.is_consumed = false;
				else errs.add(field, MSG.boolean);
				break;
			case 'consumed_date':
				if (typeof value === 'string') changes.consumed_date = value;
				else errs.add(field, MSG.string);
				break;
			default:
				if (!KEY_PATTERN.test(field)) errs.add(field, 'Not a valid SCM field name.');
				else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') changes.scm[field] = String(value);
				else if (value !== null) errs.add(field, MSG.string);
		}
	}
	return changes;
}

/** Finds codes by a data key or constraint: extended_id, serial_number, or an SCM field (many codes may share a value). */
class CodeFinder {
	private index?: Map<string, string[]>;

	constructor(
		private readonly ctx: Ctx,
		private readonly key: string,
	) {}

	find(value: string): CodeRef[] {
		if (this.key === SPECIAL.extendedId) return [findByExtendedId(this.ctx, value)].filter((ref): ref is CodeRef => ref !== undefined);
		if (this.key === SPECIAL.serialNumber) return [findBySerialNumber(this.ctx, value)].filter((ref): ref is CodeRef => ref !== undefined);
		this.index ??= indexByScmField(this.ctx, this.key);
		return (this.index.get(value) ?? []).map((id) => findByExtendedId(this.ctx, id)).filter((ref): ref is CodeRef => ref !== undefined);
	}
}

function keyValue(value: unknown): string | undefined {
	return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** POST /api/v2/scm/upload/: checks every item, then updates all or (on a time-out) none. */
export function scmSyncUpload(ctx: Ctx, authorization: string | undefined, body: unknown): Reply {
	throttleScmScope(ctx, authorization);
	const data = asDict(body);
	const errs = new FieldErrors();
	const dataKey = data.data_key === undefined || data.data_key === null ? SPECIAL.extendedId : keyValue(data.data_key);
	if (dataKey === undefined || !KEY_PATTERN.test(dataKey)) errs.add('data_key', 'Not a valid data key.');
	const items = data.items;
	if (items === undefined) errs.add('items', MSG.required);
	else if (!Array.isArray(items)) errs.add('items', `Expected a list of items but got type "${pyType(items)}".`);
	else if (items.length === 0) errs.add('items', 'This list may not be empty.');
	errs.throwIfAny();
	const list = items as unknown[];
	// Scantrust documents a time-out after 60 seconds (504, nothing updated) for large calls; here, a count.
	if (list.length > ctx.options.scmSyncMaxCodes) return faultReply({ path: '', status: 504 }, 'api');

	const key = dataKey as string;
	const parsed = list.map((item) => {
		const itemErrs = new FieldErrors();
		if (item === null || typeof item !== 'object' || Array.isArray(item)) {
			itemErrs.add('non_field_errors', `Invalid data. Expected a dictionary, but got ${pyType(item)}.`);
			return { errors: itemErrs.errors };
		}
		const fields = item as Record<string, unknown>;
		const value = keyValue(fields[key]);
		if (value === undefined) itemErrs.add(key, fields[key] === undefined ? MSG.required : MSG.string);
		const changes = readChanges(ctx, fields, key, itemErrs);
		return { value, changes, errors: itemErrs.errors };
	});
	if (parsed.some((p) => Object.keys(p.errors).length > 0)) throw new ApiError(400, { items: parsed.map((p) => p.errors) });

	const finder = new CodeFinder(ctx, key);
	const result: Record<string, string[]> = {};
	const changedFields = new Set<string>();
	let totalUpdates = 0;
	let codesAffected = 0;
	for (const { value, changes } of parsed) {
		const refs = finder.find(value as string);
		if (refs.length === 0) continue;
		const fields = new Set(result[value as string] ?? []);
		for (const ref of refs) {
			const changed = applyChanges(ctx, ref, changes as CodeChanges);
			if (changed.length === 0) continue;
			codesAffected++;
			totalUpdates += changed.length;
			for (const field of changed) {
				fields.add(field);
				changedFields.add(field);
			}
		}
		result[value as string] = [...fields];
	}
	return { status: 200, body: { total_updates: totalUpdates, changes: [...changedFields], items: result, codes_affected: codesAffected } };
}

function readConstraints(value: unknown, errs: FieldErrors): Record<string, string[]> {
	const constraints: Record<string, string[]> = {};
	if (value === undefined || value === null) {
		errs.add('constraints', MSG.required);
		return constraints;
	}
	if (typeof value !== 'object' || Array.isArray(value)) {
		errs.add('constraints', MSG.dict(value));
		return constraints;
	}
	for (const [key, values] of Object.entries(value as Record<string, unknown>)) {
		const list = Array.isArray(values) ? values : [values];
		const texts = list.map(keyValue);
		if (!KEY_PATTERN.test(key) || list.length === 0 || texts.some((t) => t === undefined || t === '')) {
			errs.add('constraints', `"${key}" needs a list of values.`);
		} else constraints[key] = texts as string[];
	}
	if (Object.keys(constraints).length === 0 && !errs.errors.constraints) errs.add('constraints', 'At least one constraint is required.');
	return constraints;
}

/** POST /api/v2/scm/upload/async/: checks the request, answers with a task id; the task runs in the background. */
export function scmAsyncUpload(ctx: Ctx, authorization: string | undefined, body: unknown): Reply {
	throttleScmScope(ctx, authorization);
	const data = asDict(body);
	const errs = new FieldErrors();
	const constraints = readConstraints(data.constraints, errs);
	const scm = data.scm_data;
	if (scm === undefined || scm === null) errs.add('scm_data', MSG.required);
	else if (typeof scm !== 'object' || Array.isArray(scm)) errs.add('scm_data', MSG.dict(scm));
	else if (Object.keys(scm).length === 0) errs.add('scm_data', 'This dictionary may not be empty.');
	else {
		const scmErrs = new FieldErrors();
		readChanges(ctx, scm as Record<string, unknown>, undefined, scmErrs);
		if (Object.keys(scmErrs.errors).length > 0) {
			throw new ApiError(400, { ...errs.errors, scm_data: scmErrs.errors });
		}
	}
	errs.throwIfAny();

	const now = Date.now();
	const delay = ctx.options.scmTaskDelayMs;
	const task: ScmTask = {
		id: randomUUID(),
		state: SCM_TASK_STATE.pending,
		constraints,
		scm_data: scm as Record<string, unknown>,
		codes_affected: null,
		created_at: isoMicro(),
		started_at: null,
		completed_at: null,
		created_by: ME.email,
		error: null,
		startsAt: now + Math.floor(delay / 3),
		endsAt: now + delay,
	};
	ctx.state.scmTasks.push(task);
	ctx.timers.after(delay / 3, () => settleScmTasks(ctx));
	ctx.timers.after(delay, () => settleScmTasks(ctx));
	return { status: SCM_ASYNC_ACCEPTED_STATUS, body: { task_id: task.id } };
}

function isFinal(task: ScmTask): boolean {
	return task.state === SCM_TASK_STATE.complete || task.state === SCM_TASK_STATE.failed;
}

/** The codes that meet every constraint (values of one key are alternatives; several keys must all match). */
function matchingCodes(ctx: Ctx, constraints: Record<string, string[]>): CodeRef[] {
	let matched: Map<string, CodeRef> | undefined;
	for (const [key, values] of Object.entries(constraints)) {
		const finder = new CodeFinder(ctx, key);
		const found = new Map<string, CodeRef>();
		for (const value of values) for (const ref of finder.find(value)) found.set(ref.extendedId, ref);
		matched = matched ? new Map([...matched].filter(([id]) => found.has(id))) : found;
	}
	return [...(matched ?? new Map<string, CodeRef>()).values()];
}

function runTask(ctx: Ctx, task: ScmTask): void {
	task.completed_at = isoMicro();
	const errs = new FieldErrors();
	const changes = readChanges(ctx, task.scm_data, undefined, errs);
	const problems = Object.entries(errs.errors).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
	const failure = ctx.options.scmTaskFailure ?? (problems.length > 0 ? problems.join('; ') : null);
	if (failure) {
		task.state = SCM_TASK_STATE.failed;
		task.error = failure;
		return;
	}
	let affected = 0;
	for (const ref of matchingCodes(ctx, task.constraints)) if (applyChanges(ctx, ref, changes).length > 0) affected++;
	task.codes_affected = affected;
	task.state = SCM_TASK_STATE.complete;
}

/** Moves every task along its time line (from timers, and before a task is read). */
export function settleScmTasks(ctx: Ctx): void {
	const now = Date.now();
	for (const task of ctx.state.scmTasks) {
		if (isFinal(task)) continue;
		if (task.state === SCM_TASK_STATE.pending && now >= task.startsAt) {
			task.state = SCM_TASK_STATE.running;
			task.started_at = isoMicro();
		}
		if (now >= task.endsAt) runTask(ctx, task);
	}
}

/** GET /api/v2/scm/tasks/{id}/ (field names unverified: a client in the wild reads these). */
export function scmTaskDetail(ctx: Ctx, id: string): Reply {
	settleScmTasks(ctx);
	const task = ctx.state.scmTasks.find((t) => t.id === id);
	if (!task) throw notFound();
	const { id: taskId, state, codes_affected, created_at, started_at, completed_at, created_by, error } = task;
	return { status: 200, body: { id: taskId, state, codes_affected, created_at, started_at, completed_at, created_by, error } };
}
