import type { IDataObject } from 'n8n-workflow';

import { codesReady } from '../api/workOrders';

/**
 * The Scantrust Trigger's cursor: what it remembers between polls, and the pure rules that
 * decide which work orders a poll emits and what the next cursor is. No I/O here.
 *
 * The work order list (`GET /api/v2/workorders/`) is taken to be ordered newest first by
 * `creation_date`, then `id` (ASSUMED_LIST_ORDER: unverified, and checked on every page read).
 * The API has no "created after" filter and no ordering by completion date, so a poll reads
 * pages from the top and stops as soon as it has passed everything it needs.
 *
 * Cursor, kept under `cursor` in the node's workflow static data (plain JSON):
 *
 * - `newest` / `newestIds`: the newest creation date seen (normalised by `timeKey`) and the ids
 *   seen at exactly that date. A work order is new when it is younger than `newest`, or at
 *   `newest` with an id not in `newestIds`. So two work orders sharing a timestamp are neither
 *   missed nor repeated, whatever their id order, and a page boundary falling among them does
 *   not matter (the poll reads on while the last item of a page is at `newest` or younger).
 * - `pending` (event `codesReady` only): work orders whose codes were not ready when last seen,
 *   as `{ id, created }`, newest first. A poll reads down to the oldest of them; those now ready
 *   are emitted, together with new work orders that were created already ready; new ones still
 *   generating join `pending`. One that is not in the list any more (archived while the filter
 *   excludes archived ones, no longer matching the search, deleted) is dropped. To keep a poll
 *   cheap `pending` is bounded by `PENDING_MAX_AGE_DAYS` and `PENDING_MAX_DEPTH` (see there).
 * - `event` and `query`: the event and list filters the cursor was made for. When either
 *   changes the next poll starts over as after activation.
 *
 * The first poll (no usable cursor) only records the cursor and emits nothing, so activating
 * the trigger does not replay the company's history. An idle poll (nothing new, all pending
 * work orders on the first page) costs one request: page one already ends below `newest` and
 * holds every pending id.
 *
 * The poll computes the next cursor locally and stores it only when it has succeeded, so a
 * failed poll (a page that could not be read) leaves the cursor as it was and the next poll
 * reads the same window again: nothing lost, nothing emitted twice.
 *
 * A backlog too large for one poll (see `POLL_LIMITS` in poll.ts) is caught up oldest first, a
 * contiguous slice per poll: the poll reads the slice just above the cursor, emits it, and moves
 * `newest` to the slice's top. The work orders above stay new for the next poll (those sharing
 * the top's timestamp too: their ids are not in `newestIds`), so nothing is skipped or repeated.
 */

export type TriggerEvent = 'newWorkOrder' | 'codesReady';

export const CURSOR_VERSION = 1;

/**
 * Work orders still generating are followed for codesReady only while they are younger than
 * this many days: older ones are considered abandoned (e.g. an SSC order no printer confirmed).
 */
export const PENDING_MAX_AGE_DAYS = 30;

/**
 * ...and only while they are among the newest this many work orders of the (filtered) list.
 * A poll reads down to the oldest pending work order, so this bounds its cost to
 * ceil(PENDING_MAX_DEPTH / page size) requests however many work orders are waiting.
 */
export const PENDING_MAX_DEPTH = 300;

export interface PendingWorkOrder {
	id: string;
	/** `timeKey` of its creation date. */
	created: string;
}

export interface TriggerCursor {
	version: typeof CURSOR_VERSION;
	event: TriggerEvent;
	/** Fingerprint of the list filters, see `queryFingerprint`. */
	query: string;
	/** `timeKey` of the newest creation date seen; null while the list was empty. */
	newest: string | null;
	/** Ids of the work orders created exactly at `newest`. */
	newestIds: string[];
	/** codesReady only: work orders whose codes were not ready yet, newest first. */
	pending: PendingWorkOrder[];
}

/** A work order as read from the list, with what the cursor needs to know about it. */
export interface ListedWorkOrder {
	id: string;
	/** `timeKey` of `creation_date`. */
	created: string;
	/** 0-based position in the list when it was read. */
	position: number;
	json: IDataObject;
}

const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A date-time as a fixed-width UTC string (`2024-03-01T10:00:00.123456Z`) that sorts as text in
 * time order, to microseconds (Django's precision, which a JavaScript Date would cut to
 * milliseconds). Accepts the forms DRF may send: with or without fraction, `Z`, an offset, or
 * no zone (taken as UTC). undefined when the value is not such a date-time.
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

/** Ids compare as numbers when both are digits (without precision limits), else as text. */
function compareIds(a: string, b: string): number {
	if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Time order (creation date, then id): negative when `a` is older than `b`. */
export function compareCreated(a: { created: string; id: string }, b: { created: string; id: string }): number {
	if (a.created !== b.created) return a.created < b.created ? -1 : 1;
	return compareIds(a.id, b.id);
}

/**
 * UNVERIFIED: no Scantrust source document states the order of the work order list. The
 * trigger assumes DRF's usual `-creation_date, -id` (what `newestFirst` compares), and walkList
 * checks every page against it: if the real list came oldest first, a trigger trusting it would
 * silently miss every new work order, so a page in another order fails the poll instead.
 */
export const ASSUMED_LIST_ORDER = 'newest first (by creation_date, then id, both descending)';

/** ASSUMED_LIST_ORDER as a comparator: negative when `a` comes before `b` in the list. */
export const newestFirst = (a: ListedWorkOrder, b: ListedWorkOrder) => compareCreated(b, a);

/** undefined when the work order lacks an id or a readable creation date. */
export function toListed(json: IDataObject, position: number): ListedWorkOrder | undefined {
	const created = timeKey(json.creation_date);
	const id = json.id;
	if (created === undefined || (typeof id !== 'number' && typeof id !== 'string') || String(id) === '') return undefined;
	return { id: String(id), created, position, json };
}

/** The list filters as one string; a cursor made under other filters is not reused. */
export function queryFingerprint(qs: IDataObject): string {
	return JSON.stringify(Object.keys(qs).sort().map((key) => [key, qs[key]]));
}

function isStringArray(value: unknown): value is string[] {
	return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

/**
 * The stored cursor when it is one this version made for this event and these filters;
 * undefined otherwise (first poll, event or filters changed, unreadable), which makes the
 * poll start over.
 */
export function readCursor(stored: unknown, event: TriggerEvent, query: string): TriggerCursor | undefined {
	if (stored === null || typeof stored !== 'object') return undefined;
	const raw = stored as IDataObject;
	if (raw.version !== CURSOR_VERSION || raw.event !== event || raw.query !== query) return undefined;
	if (raw.newest !== null && (typeof raw.newest !== 'string' || timeKey(raw.newest) !== raw.newest)) return undefined;
	if (!isStringArray(raw.newestIds) || !Array.isArray(raw.pending)) return undefined;
	const pending: PendingWorkOrder[] = [];
	for (const entry of raw.pending as unknown[]) {
		const { id, created } = (entry ?? {}) as IDataObject;
		if (typeof id !== 'string' || typeof created !== 'string') return undefined;
		pending.push({ id, created });
	}
	return { version: CURSOR_VERSION, event, query, newest: raw.newest, newestIds: [...raw.newestIds], pending };
}

/** Whether `workOrder` was created after the poll that made `cursor`. */
export function isNew(workOrder: ListedWorkOrder, cursor: TriggerCursor): boolean {
	if (cursor.newest === null || workOrder.created > cursor.newest) return true;
	return workOrder.created === cursor.newest && !cursor.newestIds.includes(workOrder.id);
}

/**
 * Whether `workOrder` comes above everything `cursor` has seen, in list order: younger than
 * `newest`, or at `newest` with an id above all of `newestIds`. Unlike `isNew` this holds for a
 * run from the top of the list and not below it, so the list can be searched for where it ends.
 */
export function isAboveCursor(workOrder: { created: string; id: string }, cursor: TriggerCursor): boolean {
	if (cursor.newest === null) return true;
	const newest = cursor.newest;
	const top = cursor.newestIds.reduce(
		(highest, id) => (compareCreated({ created: newest, id }, { created: newest, id: highest }) > 0 ? id : highest),
		'',
	);
	return compareCreated(workOrder, { created: newest, id: top }) > 0;
}

/** The `timeKey` before which a work order is too old to be followed for codesReady. */
export function pendingAgeLimit(now: number): string {
	return timeKey(new Date(now - PENDING_MAX_AGE_DAYS * 86_400_000).toISOString())!;
}

/**
 * Whether a poll that has read down to `last` must read the next page too.
 * `seen` holds every work order read so far in this poll.
 */
export function needsNextPage(
	event: TriggerEvent,
	cursor: TriggerCursor | undefined,
	last: ListedWorkOrder,
	seen: ReadonlyMap<string, ListedWorkOrder>,
	now: number,
): boolean {
	const withinDepth = last.position + 1 < PENDING_MAX_DEPTH;
	if (cursor === undefined) {
		// First poll: all work orders at the newest timestamp (so none of them is new next time) ...
		let top = last.created;
		for (const workOrder of seen.values()) if (workOrder.created > top) top = workOrder.created;
		if (last.created >= top) return true;
		// ... and, for codesReady, every work order that may still become ready.
		return event === 'codesReady' && withinDepth && last.created >= pendingAgeLimit(now);
	}
	// Everything new, and everything at the newest timestamp (which may hold a new one).
	if (cursor.newest === null || last.created >= cursor.newest) return true;
	// Every pending work order not met yet, unless the list has already passed it (then it is gone).
	if (event !== 'codesReady' || !withinDepth) return false;
	const ageLimit = pendingAgeLimit(now);
	return cursor.pending.some(
		(pending) => pending.created >= ageLimit && !seen.has(pending.id) && compareCreated(last, pending) > 0,
	);
}

/**
 * The work orders to emit (oldest first) and the next cursor, from the previous cursor
 * (undefined: first poll) and the work orders this poll read (newest first).
 */
export function advanceCursor(
	event: TriggerEvent,
	query: string,
	previous: TriggerCursor | undefined,
	listed: ListedWorkOrder[],
	now: number,
): { cursor: TriggerCursor; emit: ListedWorkOrder[] } {
	const items = [...listed].sort(newestFirst);

	let newest = previous?.newest ?? null;
	let newestIds = previous?.newestIds ?? [];
	const top = items[0];
	if (top !== undefined && (newest === null || top.created > newest)) {
		newest = top.created;
		newestIds = items.filter((workOrder) => workOrder.created === newest).map((workOrder) => workOrder.id);
	} else if (top !== undefined && top.created === newest) {
		const atNewest = items.filter((workOrder) => workOrder.created === newest).map((workOrder) => workOrder.id);
		newestIds = [...newestIds, ...atNewest.filter((id) => !newestIds.includes(id))];
	}

	const emit: ListedWorkOrder[] = [];
	const pending: PendingWorkOrder[] = [];
	const ageLimit = pendingAgeLimit(now);
	const follow = (workOrder: ListedWorkOrder) => {
		if (workOrder.created >= ageLimit && workOrder.position < PENDING_MAX_DEPTH) {
			pending.push({ id: workOrder.id, created: workOrder.created });
		}
	};

	if (event === 'newWorkOrder') {
		if (previous !== undefined) emit.push(...items.filter((workOrder) => isNew(workOrder, previous)));
	} else {
		const wasPending = new Set(previous?.pending.map((workOrder) => workOrder.id));
		for (const workOrder of items) {
			const ready = codesReady(workOrder.json);
			if (previous === undefined) {
				if (!ready) follow(workOrder);
			} else if (wasPending.has(workOrder.id) || isNew(workOrder, previous)) {
				if (ready) emit.push(workOrder);
				else follow(workOrder);
			}
		}
	}

	emit.sort(compareCreated);
	return {
		cursor: { version: CURSOR_VERSION, event, query, newest, newestIds, pending },
		emit,
	};
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
