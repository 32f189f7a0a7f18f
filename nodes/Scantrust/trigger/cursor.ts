import type { IDataObject } from 'n8n-workflow';

import { codesReady } from '../api/workOrders';

/**
 * The trigger's cursor and the pure rules that decide what a poll emits; no I/O here.
 * The cursor is a horizon (a time) and the records (work orders, scans) seen at or above it: one above the
 * horizon and not seen is new. The horizon stays a few minutes behind the present, so a record that becomes
 * visible after a newer one (a commit race) is still delivered, once; it moves only to forget a record, so an
 * idle poll leaves the cursor as it was. Work orders are timed by their creation date, scans by their scan time.
 */

export type TriggerEvent = 'newWorkOrder' | 'codesReady' | 'newScan';

export const CURSOR_VERSION = 2;

/** Assumed: Scantrust's clock and n8n's agree within a minute (both keep network time). */
export const MAX_CLOCK_SKEW_MS = 60_000;

export interface CursorLimits {
	/** A record that shows up this long after its time (creation date, scan time) is still delivered. */
	lateArrivalMs: number;
	/** Most records remembered above the horizon: a larger burst moves the horizon up. */
	seenMax: number;
	/** A time further ahead of the present than this is not trusted as the horizon. */
	clockSkewMs: number;
	/** codesReady: work orders still generating are followed while younger than this... */
	pendingMaxAgeDays: number;
	/** ...and while among the newest this many of the list, which bounds what a poll reads for them. */
	pendingMaxDepth: number;
}

export const CURSOR_LIMITS: Readonly<CursorLimits> = Object.freeze({
	lateArrivalMs: 5 * 60_000,
	seenMax: 500,
	clockSkewMs: MAX_CLOCK_SKEW_MS,
	pendingMaxAgeDays: 30,
	pendingMaxDepth: 300,
});

/** A record as the cursor remembers it. */
export interface Mark {
	id: string;
	/** `timeKey` of its time: a work order's creation date, a scan's time. */
	created: string;
}

export interface TriggerCursor {
	version: typeof CURSOR_VERSION;
	event: TriggerEvent;
	/** Fingerprint of the list filters, see `queryFingerprint`. */
	query: string;
	/** `timeKey`: records older than it are never emitted. */
	horizon: string;
	/** Records at or above `horizon` already seen (emitted, or there before activation), newest first. */
	seen: Mark[];
	/** codesReady only: work orders whose codes were not ready yet, newest first. */
	pending: Mark[];
}

/** A record as read from a list. */
export interface Listed extends Mark {
	/** 0-based position in the list when it was read. */
	position: number;
	json: IDataObject;
}

/** A work order as read from the list. */
export type ListedWorkOrder = Listed;

const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A date-time as a fixed-width UTC string (`2024-03-01T10:00:00.123456Z`) that sorts as text in
 * time order, to microseconds (Django's precision, finer than a JavaScript Date). Accepts what DRF
 * may send: with or without fraction, `Z`, an offset, or no zone (UTC). undefined otherwise.
 */
export function timeKey(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const match = ISO_DATE_TIME.exec(value.trim());
	if (!match) return undefined;
	const [, date, hoursMinutes, seconds = ':00', fraction = '', zone = 'Z'] = match;
	let offset = zone.toUpperCase();
	if (offset !== 'Z') {
		const digits = offset.slice(1).replace(':', '');
		offset = `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4).padEnd(2, '0')}`;
	}
	const ms = Date.parse(`${date}T${hoursMinutes}${seconds}${offset}`);
	if (Number.isNaN(ms)) return undefined;
	const whole = new Date(ms).toISOString();
	if (whole.length !== 24) return undefined;
	return `${whole.slice(0, 19)}.${fraction.padEnd(6, '0').slice(0, 6)}Z`;
}

const timeKeyAt = (ms: number) => timeKey(new Date(ms).toISOString())!;

/** Ids compare as numbers when both are digits (without precision limits), else as text. */
function compareIds(a: string, b: string): number {
	if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Time order (creation date, then id): negative when `a` is older than `b`. */
export function compareCreated(a: Mark, b: Mark): number {
	if (a.created !== b.created) return a.created < b.created ? -1 : 1;
	return compareIds(a.id, b.id);
}

/**
 * Assumed: the work order list comes newest first (DRF's usual `-creation_date, -id`). Every page
 * is checked: trusting a list in another order would silently miss work orders.
 */
export const ASSUMED_LIST_ORDER = 'newest first (by creation_date, then id, both descending)';

/** ASSUMED_LIST_ORDER as a comparator: negative when `a` comes before `b` in the list. */
export const newestFirst = (a: Mark, b: Mark) => compareCreated(b, a);

/** A record with this id and time; undefined when either is missing or the time unreadable. */
export function listedAs(id: unknown, time: unknown, position: number, json: IDataObject): Listed | undefined {
	const created = timeKey(time);
	if (created === undefined || (typeof id !== 'number' && typeof id !== 'string') || String(id) === '') return undefined;
	return { id: String(id), created, position, json };
}

/** undefined when the work order lacks an id or a readable creation date. */
export function toListed(json: IDataObject, position: number): ListedWorkOrder | undefined {
	return listedAs(json.id, json.creation_date, position, json);
}

/** The list filters as one string; a cursor made under other filters is not reused. */
export function queryFingerprint(qs: IDataObject): string {
	return JSON.stringify(Object.keys(qs).sort().map((key) => [key, qs[key]]));
}

function readMarks(value: unknown): Mark[] | undefined {
	if (!Array.isArray(value)) return undefined;
	const marks: Mark[] = [];
	for (const entry of value as unknown[]) {
		const { id, created } = (entry ?? {}) as IDataObject;
		if (typeof id !== 'string' || typeof created !== 'string' || timeKey(created) !== created) return undefined;
		marks.push({ id, created });
	}
	return marks;
}

/**
 * The stored cursor when it was made for this event and these filters; undefined (start over:
 * emit nothing, remember the present) otherwise. A cursor of version 1 (`newest` and the ids seen
 * there) means the same as a horizon at `newest` with those ids seen, and is read as such; one
 * without `newest` would make every work order new, so it starts over instead.
 */
export function readCursor(
	stored: unknown,
	event: TriggerEvent,
	query: string,
	now: number,
	limits: CursorLimits = CURSOR_LIMITS,
): TriggerCursor | undefined {
	if (stored === null || typeof stored !== 'object') return undefined;
	const raw = stored as IDataObject;
	if (raw.event !== event || raw.query !== query) return undefined;
	const pending = readMarks(raw.pending);
	if (pending === undefined) return undefined;
	let horizon: unknown = raw.horizon;
	let seen: Mark[] | undefined;
	if (raw.version === 1 && typeof raw.newest === 'string' && Array.isArray(raw.newestIds)) {
		horizon = raw.newest;
		const ids = raw.newestIds as unknown[];
		seen = ids.every((id) => typeof id === 'string') ? readMarks(ids.map((id) => ({ id, created: raw.newest }))) : undefined;
	} else if (raw.version === CURSOR_VERSION) {
		seen = readMarks(raw.seen);
	}
	if (seen === undefined || typeof horizon !== 'string' || timeKey(horizon) !== horizon) return undefined;
	return { version: CURSOR_VERSION, event, query, horizon: notInFuture(horizon, now, limits), seen, pending };
}

/** Whether `workOrder` is one the poll that made `cursor` had not seen. */
export function isNew(workOrder: Mark, cursor: TriggerCursor, seen = new Set(cursor.seen.map((mark) => mark.id))): boolean {
	return workOrder.created >= cursor.horizon && !seen.has(workOrder.id);
}

/** A creation date further ahead than the clock skew is not real: the horizon stays just behind the present. */
function notInFuture(horizon: string, now: number, limits: CursorLimits): string {
	return horizon > timeKeyAt(now + limits.clockSkewMs) ? timeKeyAt(now - limits.clockSkewMs) : horizon;
}

/**
 * The horizon after a poll that saw `marks`: a few minutes before the present (late arrivals),
 * higher when more than `seenMax` records are above that, never lower than before.
 */
export function nextHorizon(previous: string | undefined, marks: Iterable<Mark>, now: number, limits: CursorLimits = CURSOR_LIMITS): string {
	let horizon = timeKeyAt(now - limits.lateArrivalMs);
	const nth = [...marks].map((mark) => mark.created).sort().reverse()[limits.seenMax - 1];
	if (nth !== undefined && nth > horizon) horizon = notInFuture(nth, now, limits);
	return previous !== undefined && previous > horizon ? previous : horizon;
}

/** The creation date before which a work order is too old to be followed for codesReady. */
function pendingAgeLimit(now: number, limits: CursorLimits): string {
	return timeKeyAt(now - limits.pendingMaxAgeDays * 86_400_000);
}

/**
 * Whether a poll that has read down to `last` must read the next page too; `seen` holds every
 * record read so far in this poll.
 */
export function needsNextPage(
	event: TriggerEvent,
	cursor: TriggerCursor | undefined,
	last: Listed,
	seen: ReadonlyMap<string, Listed>,
	now: number,
	limits: CursorLimits = CURSOR_LIMITS,
): boolean {
	// Everything at or above the horizon: new records, late arrivals, and what the next cursor remembers.
	const horizon = cursor?.horizon ?? nextHorizon(undefined, seen.values(), now, limits);
	if (last.created >= horizon) return true;
	if (event !== 'codesReady' || last.position + 1 >= limits.pendingMaxDepth) return false;
	const ageLimit = pendingAgeLimit(now, limits);
	// First poll: every work order that may still become ready; later: pending ones not met yet.
	if (cursor === undefined) return last.created >= ageLimit;
	return cursor.pending.some((pending) => pending.created >= ageLimit && !seen.has(pending.id) && compareCreated(last, pending) > 0);
}

/**
 * The records to emit (oldest first) and the next cursor, from the previous cursor
 * (undefined: first poll, which emits nothing) and the records this poll read.
 */
export function advanceCursor(
	event: TriggerEvent,
	query: string,
	previous: TriggerCursor | undefined,
	listed: Listed[],
	now: number,
	limits: CursorLimits = CURSOR_LIMITS,
): { cursor: TriggerCursor; emit: Listed[] } {
	const items = [...listed].sort(newestFirst);
	const seenBefore = new Set(previous?.seen.map((mark) => mark.id));
	const isNewHere = (workOrder: Listed) => previous !== undefined && isNew(workOrder, previous, seenBefore);

	const emit: Listed[] = [];
	const pending: Mark[] = [];
	const ageLimit = pendingAgeLimit(now, limits);
	const follow = (workOrder: Listed) => {
		if (workOrder.created >= ageLimit && workOrder.position < limits.pendingMaxDepth) {
			pending.push({ id: workOrder.id, created: workOrder.created });
		}
	};
	if (event !== 'codesReady') {
		emit.push(...items.filter(isNewHere));
	} else {
		const wasPending = new Set(previous?.pending.map((workOrder) => workOrder.id));
		for (const workOrder of items) {
			const ready = codesReady(workOrder.json);
			if (previous === undefined) {
				if (!ready) follow(workOrder);
			} else if (wasPending.has(workOrder.id) || isNewHere(workOrder)) {
				if (ready) emit.push(workOrder);
				else follow(workOrder);
			}
		}
	}

	// Seen ones no longer listed stay remembered: archived and restored, they are not new.
	const marks = new Map((previous?.seen ?? []).map((mark) => [mark.id, mark]));
	for (const workOrder of items) {
		if (previous === undefined || workOrder.created >= previous.horizon) marks.set(workOrder.id, { id: workOrder.id, created: workOrder.created });
	}
	let horizon = nextHorizon(previous?.horizon, marks.values(), now, limits);
	// Moved only to forget a record, so an idle poll leaves the cursor as it was (nothing to store).
	if (previous !== undefined && ![...marks.values()].some((mark) => mark.created < horizon)) horizon = previous.horizon;
	const seen = [...marks.values()].filter((mark) => mark.created >= horizon).sort(newestFirst);

	emit.sort(compareCreated);
	return { cursor: { version: CURSOR_VERSION, event, query, horizon, seen, pending }, emit };
}

/** Deep equality of two JSON values, ignoring key order (a database may reorder keys). */
export function sameJson(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((value, i) => sameJson(value, b[i]));
	const aKeys = Object.keys(a);
	const bKeys = Object.keys(b);
	return (
		aKeys.length === bKeys.length &&
		aKeys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson((a as IDataObject)[key], (b as IDataObject)[key]))
	);
}
