import type { IDataObject } from 'n8n-workflow';

import {
	advanceCursor,
	CURSOR_LIMITS,
	CURSOR_VERSION,
	isNew,
	MAX_CLOCK_SKEW_MS,
	needsNextPage,
	nextHorizon,
	queryFingerprint,
	readCursor,
	sameJson,
	timeKey,
	toListed,
	type CursorLimits,
	type ListedWorkOrder,
	type TriggerCursor,
	type TriggerEvent,
} from '../../nodes/Scantrust/trigger/cursor';
import { readListPage } from '../../nodes/Scantrust/trigger/poll';
import { MAX_WALK_RESTARTS, walkList, type ListPage } from '../../nodes/Scantrust/trigger/walkList';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const QUERY = queryFingerprint({ is_archived: 0 });
const MINUTE = 60_000;
const at = (ms: number) => timeKey(new Date(ms).toISOString())!;

/** A work order as the API lists it, created `t` seconds after NOW (negative: before). */
function wo(id: number, t: number, ready = false, extra: IDataObject = {}): IDataObject {
	const date = new Date(NOW + t * 1000).toISOString().replace('Z', '123Z');
	return { id, creation_date: date, codegen_file: ready ? `https://storage.example/${id}.zip` : null, ...extra };
}
const created = (json: IDataObject) => timeKey(json.creation_date)!;

/** Newest first with positions, as a poll reads them. */
function listed(...items: IDataObject[]): ListedWorkOrder[] {
	return items
		.map((json) => toListed(json, 0)!)
		.sort((a, b) => (a.created === b.created ? Number(b.id) - Number(a.id) : a.created < b.created ? 1 : -1))
		.map((item, position) => ({ ...item, position }));
}

const ids = (items: Array<{ id: string }>) => items.map((item) => Number(item.id));

function cursorOf(event: TriggerEvent, fields: Partial<TriggerCursor>): TriggerCursor {
	return { version: CURSOR_VERSION, event, query: QUERY, horizon: at(NOW - 5 * MINUTE), seen: [], pending: [], ...fields };
}

/** One poll of `items` at `now` after `previous` (undefined: the first poll). */
const poll = (previous: TriggerCursor | undefined, items: IDataObject[], now = NOW, limits?: CursorLimits, event: TriggerEvent = 'newWorkOrder') =>
	advanceCursor(event, QUERY, previous, listed(...items), now, limits);

describe('timeKey', () => {
	it.each([
		['2021-03-10T08:35:39.507156Z', '2021-03-10T08:35:39.507156Z'],
		['2021-03-10T08:35:39Z', '2021-03-10T08:35:39.000000Z'],
		['2021-03-10T08:35:39.5Z', '2021-03-10T08:35:39.500000Z'],
		['2021-03-10T09:35:39.507156+01:00', '2021-03-10T08:35:39.507156Z'],
		['2021-03-10T09:35:39.507156+0100', '2021-03-10T08:35:39.507156Z'],
		['2021-03-10T08:35:39.507156789Z', '2021-03-10T08:35:39.507156Z'],
		['2021-03-10 08:35:39.507156', '2021-03-10T08:35:39.507156Z'],
		['2021-03-10T08:35Z', '2021-03-10T08:35:00.000000Z'],
	])('normalises %s', (input, key) => {
		expect(timeKey(input)).toBe(key);
	});

	it.each([[''], ['yesterday'], ['2021-13-45T99:00:00Z'], [null], [1700000000]])('rejects %j', (input) => {
		expect(timeKey(input)).toBeUndefined();
	});

	it('orders as text in time order, microseconds included', () => {
		const keys = ['2021-03-10T08:35:39.000002Z', '2021-03-10T08:35:39Z', '2021-03-10T09:35:39.000001+01:00'].map((v) => timeKey(v)!);
		expect([...keys].sort()).toEqual([keys[1], keys[2], keys[0]]);
	});
});

describe('readCursor', () => {
	const good = cursorOf('codesReady', {
		seen: [{ id: '5001', created: at(NOW - MINUTE) }],
		pending: [{ id: '5002', created: at(NOW - 86_400_000) }],
	});

	it('accepts a cursor this version made for the same event and filters (as plain JSON)', () => {
		expect(readCursor(JSON.parse(JSON.stringify(good)), 'codesReady', QUERY, NOW)).toEqual(good);
	});

	it.each([
		['nothing stored', undefined, 'codesReady', QUERY],
		['another event', good, 'newWorkOrder', QUERY],
		['other filters', good, 'codesReady', queryFingerprint({ search: 'PO' })],
		['an unknown version', { ...good, version: 99 }, 'codesReady', QUERY],
		['a malformed horizon', { ...good, horizon: '2026-01-10' }, 'codesReady', QUERY],
		['malformed seen', { ...good, seen: [{ id: 5001, created: good.horizon }] }, 'codesReady', QUERY],
		['malformed pending', { ...good, pending: [{ id: 1 }] }, 'codesReady', QUERY],
	] as const)('starts over on %s', (_what, stored, event, query) => {
		expect(readCursor(stored, event, query, NOW)).toBeUndefined();
	});

	it('never lets a stored horizon run ahead of the present', () => {
		const future = readCursor({ ...good, horizon: '2099-01-01T00:00:00.000000Z' }, 'codesReady', QUERY, NOW);
		expect(future?.horizon).toBe(at(NOW - MAX_CLOCK_SKEW_MS));
	});

	describe('a cursor of version 1 (newest creation date and the ids seen there)', () => {
		const newest = at(NOW - 3 * 86_400_000);
		const v1 = { version: 1, event: 'newWorkOrder', query: QUERY, newest, newestIds: ['7', '8'], pending: [] };

		it('is read as a horizon at its newest date with those ids seen: the same work orders are new', () => {
			const cursor = readCursor(JSON.parse(JSON.stringify(v1)), 'newWorkOrder', QUERY, NOW)!;
			expect(cursor).toEqual(cursorOf('newWorkOrder', { horizon: newest, seen: [{ id: '7', created: newest }, { id: '8', created: newest }] }));
			const atNewest = (id: number) => ({ id: String(id), created: newest });
			expect([atNewest(7), atNewest(8), atNewest(9), { id: '1', created: at(NOW - 4 * 86_400_000) }, { id: '2', created: at(NOW) }].map((w) => isNew(w, cursor))).toEqual([false, false, true, false, true]);
		});

		it('one dated in the future is capped at the present: the work orders since are delivered', () => {
			const stuck = { ...v1, newest: '2099-01-01T00:00:00.000000Z', newestIds: ['99'] };
			const cursor = readCursor(stuck, 'newWorkOrder', QUERY, NOW)!;
			expect(cursor.horizon).toBe(at(NOW - MAX_CLOCK_SKEW_MS));
			const { emit } = poll(cursor, [wo(99, 86_400_000 * 365 * 70), wo(100, 30)], NOW + MINUTE);
			expect(ids(emit)).toEqual([100]);
		});

		it('one without a newest date (an empty first read) starts over instead of emitting every work order', () => {
			expect(readCursor({ ...v1, newest: null, newestIds: [] }, 'newWorkOrder', QUERY, NOW)).toBeUndefined();
		});
	});

	it('fingerprints filters independently of key order', () => {
		expect(queryFingerprint({ search: 'a', is_archived: 0 })).toBe(queryFingerprint({ is_archived: 0, search: 'a' }));
		expect(queryFingerprint({ search: 'a' })).not.toBe(queryFingerprint({ search: 'b' }));
	});
});

describe('advanceCursor: newWorkOrder', () => {
	it('the first poll remembers the last minutes and emits nothing, whatever it read', () => {
		const { cursor, emit } = poll(undefined, [wo(1, -3600), wo(2, -60), wo(3, -60)]);
		expect(emit).toEqual([]);
		expect(cursor).toEqual(cursorOf('newWorkOrder', { seen: [{ id: '3', created: created(wo(3, -60)) }, { id: '2', created: created(wo(2, -60)) }] }));
	});

	it('a first poll of an empty list does not make every later work order new', () => {
		const { cursor } = poll(undefined, []);
		expect(cursor.horizon).toBe(at(NOW - CURSOR_LIMITS.lateArrivalMs));
		expect(ids(poll(cursor, [wo(1, -86_400), wo(2, 30)], NOW + MINUTE).emit)).toEqual([2]);
	});

	it('emits work orders created since, oldest first, whatever their ids, and each once', () => {
		const first = poll(undefined, [wo(1, -3600)]).cursor;
		const second = poll(first, [wo(1, -3600), wo(7, 3), wo(5, 9), wo(6, 4)], NOW + MINUTE);
		expect(ids(second.emit)).toEqual([7, 6, 5]);
		expect(ids(second.cursor.seen)).toEqual([5, 6, 7]);
		expect(poll(second.cursor, [wo(1, -3600), wo(7, 3), wo(5, 9), wo(6, 4)], NOW + 2 * MINUTE).emit).toEqual([]);
	});

	it('a work order sharing a creation timestamp is new unless its id was seen', () => {
		const first = poll(undefined, [wo(10, 5), wo(11, 5)], NOW + 10_000).cursor;
		const { cursor, emit } = poll(first, [wo(9, 5), wo(10, 5), wo(11, 5), wo(12, 5)], NOW + MINUTE);
		expect(ids(emit)).toEqual([9, 12]);
		expect(ids(cursor.seen)).toEqual([12, 11, 10, 9]);
		expect(isNew(toListed(wo(13, 5), 0)!, cursor)).toBe(true);
		expect(isNew(toListed(wo(12, 5), 0)!, cursor)).toBe(false);
	});

	it('a late arrival, older than one already emitted, is delivered once', () => {
		const first = poll(undefined, []).cursor;
		const second = poll(first, [wo(2, 20)], NOW + 30_000);
		expect(ids(second.emit)).toEqual([2]);
		// 1 was created before 2 but committed after the second poll read the list.
		const third = poll(second.cursor, [wo(2, 20), wo(1, 10)], NOW + 90_000);
		expect(ids(third.emit)).toEqual([1]);
		expect(poll(third.cursor, [wo(2, 20), wo(1, 10)], NOW + 150_000).emit).toEqual([]);
	});

	it(`a late arrival older than the look-back window (${CURSOR_LIMITS.lateArrivalMs / MINUTE} minutes) is not`, () => {
		const first = poll(undefined, []).cursor;
		const second = poll(first, [wo(2, 20)], NOW + 30 * MINUTE);
		expect(second.cursor.horizon).toBe(at(NOW + 30 * MINUTE - CURSOR_LIMITS.lateArrivalMs));
		expect(poll(second.cursor, [wo(2, 20), wo(1, 10)], NOW + 31 * MINUTE).emit).toEqual([]);
	});

	it('remembers at most seenMax work orders: a larger burst moves the horizon up to the seenMax-th newest', () => {
		const limits = { ...CURSOR_LIMITS, seenMax: 3 };
		const first = poll(undefined, [], NOW, limits).cursor;
		const burst = [1, 2, 3, 4, 5].map((i) => wo(i, i));
		const { cursor, emit } = poll(first, burst, NOW + 10_000, limits);
		expect(ids(emit)).toEqual([1, 2, 3, 4, 5]);
		expect(ids(cursor.seen)).toEqual([5, 4, 3]);
		expect(cursor.horizon).toBe(created(wo(3, 3)));
		expect(ids(poll(cursor, [...burst, wo(6, 2.5), wo(7, 3.5)], NOW + MINUTE, limits).emit)).toEqual([7]);
		// ... but not to a date further ahead than the clock skew.
		const ahead = [1, 2, 3].map((i) => toListed(wo(i, 3600 + i), 0)!);
		expect(nextHorizon(undefined, ahead, NOW + 10_000, limits)).toBe(at(NOW + 10_000 - MAX_CLOCK_SKEW_MS));
	});

	it('a work order dated in the future does not silence the trigger', () => {
		const limits = { ...CURSOR_LIMITS, seenMax: 1 };
		const first = poll(undefined, [], NOW, limits).cursor;
		const future = wo(1, 86_400 * 365 * 70); // 2096
		const second = poll(first, [future], NOW + MINUTE, limits);
		expect(ids(second.emit)).toEqual([1]);
		expect(second.cursor.horizon <= at(NOW + MINUTE)).toBe(true);
		const third = poll(second.cursor, [future, wo(2, 90)], NOW + 2 * MINUTE, limits);
		expect(ids(third.emit)).toEqual([2]);
		expect(poll(third.cursor, [future, wo(2, 90)], NOW + 3 * MINUTE, limits).emit).toEqual([]);
	});

	it('an idle poll leaves the cursor as it was; the horizon moves when that lets it forget a work order', () => {
		const first = poll(undefined, [wo(1, -60)]).cursor;
		expect(poll(first, [wo(1, -60)], NOW + MINUTE).cursor).toEqual(first);
		const later = poll(first, [wo(1, -60)], NOW + 10 * MINUTE).cursor;
		expect(later.horizon).toBe(at(NOW + 5 * MINUTE));
		expect(later.seen).toEqual([]);
	});

	it('the horizon never moves back (a clock set back)', () => {
		const first = poll(undefined, []).cursor;
		expect(poll(first, [], NOW - 60 * MINUTE).cursor.horizon).toBe(first.horizon);
		expect(nextHorizon(first.horizon, [], NOW - 60 * MINUTE)).toBe(first.horizon);
	});

	it('a work order that left the list and came back (archived, then restored) is not new again', () => {
		const first = poll(undefined, []).cursor;
		const second = poll(first, [wo(1, 10)], NOW + MINUTE).cursor;
		const gone = poll(second, [], NOW + 2 * MINUTE).cursor;
		expect(ids(gone.seen)).toEqual([1]);
		expect(poll(gone, [wo(1, 10)], NOW + 3 * MINUTE).emit).toEqual([]);
	});
});

describe('advanceCursor: codesReady', () => {
	const codes = (previous: TriggerCursor | undefined, items: IDataObject[], now = NOW) => poll(previous, items, now, undefined, 'codesReady');

	it('the first poll follows the work orders still generating and emits nothing', () => {
		const { cursor, emit } = codes(undefined, [wo(1, -300, true), wo(2, -200), wo(3, -100)]);
		expect(emit).toEqual([]);
		expect(ids(cursor.pending)).toEqual([3, 2]);
	});

	it('emits followed work orders that became ready and new ones created ready; follows new ones still generating', () => {
		const first = codes(undefined, [wo(1, -300, true), wo(2, -200), wo(3, -100)]).cursor;
		const { cursor, emit } = codes(first, [wo(1, -300, true), wo(2, -200, true), wo(3, -100), wo(4, 30, true), wo(5, 40)], NOW + MINUTE);
		expect(ids(emit)).toEqual([2, 4]);
		expect(ids(cursor.pending)).toEqual([5, 3]);
		// The next poll emits only what changed since.
		const again = codes(cursor, [wo(1, -300, true), wo(2, -200, true), wo(3, -100), wo(4, 30, true), wo(5, 40, true)], NOW + 2 * MINUTE);
		expect(ids(again.emit)).toEqual([5]);
		expect(ids(again.cursor.pending)).toEqual([3]);
	});

	it('never emits a work order that was ready before the trigger knew it', () => {
		const first = codes(undefined, [wo(1, -300), wo(2, -200)]).cursor;
		// 0 was never followed (e.g. filtered out before); it is old and ready: not an event of this trigger.
		expect(codes(first, [wo(0, -3600, true), wo(1, -300), wo(2, -200)], NOW + MINUTE).emit).toEqual([]);
	});

	it('drops a followed work order that left the list', () => {
		const first = codes(undefined, [wo(1, -300), wo(2, -200)]).cursor;
		expect(ids(codes(first, [wo(2, -200)], NOW + MINUTE).cursor.pending)).toEqual([2]);
	});

	it('stops following work orders older than pendingMaxAgeDays or deeper than pendingMaxDepth in the list', () => {
		const { pendingMaxAgeDays, pendingMaxDepth } = CURSOR_LIMITS;
		const old = { id: 1, creation_date: new Date(NOW - (pendingMaxAgeDays + 1) * 86_400_000).toISOString(), codegen_file: null };
		const young = { id: 2, creation_date: new Date(NOW - 86_400_000).toISOString(), codegen_file: null };
		const deep = toListed({ id: 3, creation_date: new Date(NOW - 2 * 86_400_000).toISOString(), codegen_file: null }, pendingMaxDepth)!;
		const { cursor } = advanceCursor('codesReady', QUERY, undefined, [toListed(young, 0)!, deep, toListed(old, pendingMaxDepth + 1)!], NOW);
		expect(ids(cursor.pending)).toEqual([2]);
	});

	it('stores a cursor that survives JSON and compares equal regardless of key order', () => {
		const { cursor } = codes(undefined, [wo(1, -60), wo(2, -30, true)]);
		const stored = JSON.parse(JSON.stringify(cursor));
		expect(stored).toEqual(cursor);
		expect(readCursor(stored, 'codesReady', QUERY, NOW)).toEqual(cursor);
		const reordered = Object.fromEntries(Object.entries(stored).reverse());
		expect(sameJson(reordered, cursor)).toBe(true);
		expect(sameJson({ ...stored, seen: [] }, cursor)).toBe(false);
	});
});

describe('needsNextPage', () => {
	const seenOf = (items: ListedWorkOrder[]) => new Map(items.map((item) => [item.id, item]));

	it('first poll: reads on only while the page ends within the look-back window', () => {
		const page = listed(wo(3, -5), wo(2, -60), wo(1, -3600));
		expect(needsNextPage('newWorkOrder', undefined, page[2], seenOf(page), NOW)).toBe(false);
		expect(needsNextPage('newWorkOrder', undefined, page[1], seenOf(page.slice(0, 2)), NOW)).toBe(true);
	});

	it('first poll: reads no further than seenMax work orders', () => {
		const page = listed(wo(3, -5), wo(2, -6), wo(1, -7));
		const limits = { ...CURSOR_LIMITS, seenMax: 2 };
		expect(needsNextPage('newWorkOrder', undefined, page[1], seenOf(page.slice(0, 2)), NOW, limits)).toBe(true); // others may share the 2nd's timestamp
		expect(needsNextPage('newWorkOrder', undefined, page[2], seenOf(page), NOW, limits)).toBe(false);
	});

	it('first poll of codesReady: reads on through the follow window', () => {
		const page = listed(wo(3, -3600), wo(2, -7200));
		expect(needsNextPage('codesReady', undefined, page[1], seenOf(page), NOW)).toBe(true);
		const old = toListed({ id: 1, creation_date: '2024-01-01T00:00:00Z' }, 2)!;
		expect(needsNextPage('codesReady', undefined, old, seenOf([...page, old]), NOW)).toBe(false);
	});

	it('reads on while the page ends at or above the horizon, and stops below it', () => {
		const page = listed(wo(9, 20), wo(8, -300), wo(7, -301));
		const cursor = cursorOf('newWorkOrder', { horizon: page[1].created });
		expect(needsNextPage('newWorkOrder', cursor, page[1], seenOf(page.slice(0, 2)), NOW)).toBe(true);
		expect(needsNextPage('newWorkOrder', cursor, page[2], seenOf(page), NOW)).toBe(false);
	});

	it('reads on down to a pending work order not met yet, and no further', () => {
		const page = listed(wo(5, -400), wo(4, -500));
		const pending = toListed(wo(2, -700), 5)!;
		const cursor = cursorOf('codesReady', { pending: [{ id: '2', created: pending.created }] });
		expect(needsNextPage('codesReady', cursor, page[1], seenOf(page), NOW)).toBe(true);
		const passed = toListed(wo(1, -800), 6)!;
		expect(needsNextPage('codesReady', cursor, passed, seenOf([...page, passed]), NOW)).toBe(false);
		const deep = { ...page[1], position: CURSOR_LIMITS.pendingMaxDepth };
		expect(needsNextPage('codesReady', cursor, deep, seenOf(page), NOW)).toBe(false);
	});
});

describe('readListPage', () => {
	const fail = (message: string) => new Error(message);
	const envelope = { count: 1, next: null, previous: null, results: [wo(1, 0)] };

	it('takes a list page as Scantrust documents it', () => {
		expect(readListPage(envelope, 0, fail)).toEqual({ results: envelope.results, hasNext: false });
		expect(readListPage({ ...envelope, next: 'https://api.example/api/v2/workorders/?offset=1' }, 0, fail).hasNext).toBe(true);
	});

	it.each([
		['{}', {}, 'an empty JSON object'],
		['an HTML maintenance page', '<html><body>Down for maintenance</body></html>', 'an HTML page'],
		['an empty body', '', 'an empty answer'],
		['a bare list', [wo(1, 0)], 'a JSON list'],
		['results that are not a list', { ...envelope, results: 'none' }, 'a JSON object with count, next, previous, results'],
		['no count', { next: null, previous: null, results: [] }, 'a JSON object with next, previous, results'],
		['a result that is not an object', { ...envelope, results: [null] }, 'a JSON object with'],
	])('refuses %s', (_what, body, described) => {
		expect(() => readListPage(body, 100, fail)).toThrow(`Scantrust answered the work order list (offset 100) with ${described}`);
	});
});

describe('walkList', () => {
	/** A list served newest first by limit/offset, with a hook to change it before a page is served. */
	function fakeList(items: IDataObject[], beforePage?: (call: number, list: IDataObject[]) => void) {
		const list = listed(...items).map((item) => item.json);
		const calls: Array<{ offset: number; limit: number }> = [];
		const fetchPage = async (offset: number, limit: number): Promise<ListPage> => {
			calls.push({ offset, limit });
			beforePage?.(calls.length, list);
			const sorted = listed(...list).map((item) => item.json);
			return { results: sorted.slice(offset, offset + limit), hasNext: offset + limit < sorted.length };
		};
		return { fetchPage, calls, list };
	}
	const fail = (message: string) => new Error(message);
	const all = () => true;
	const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

	it('reads pages with a one-item overlap, each work order once, newest first', async () => {
		const { fetchPage, calls } = fakeList(range(1, 25).map((i) => wo(i, i)));
		const items = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail });
		expect(ids(items)).toEqual(range(1, 25).reverse());
		expect(calls.map((c) => c.offset)).toEqual([0, 9, 18]);
		expect(items.map((i) => i.position)).toEqual(range(0, 24));
	});

	it('stops when asked to', async () => {
		const { fetchPage, calls } = fakeList(range(1, 25).map((i) => wo(i, i)));
		expect(await walkList({ fetchPage, pageSize: 10, needsNextPage: () => false, fail })).toHaveLength(10);
		expect(calls).toHaveLength(1);
	});

	it('takes work orders created between two pages in its stride', async () => {
		const { fetchPage } = fakeList(range(1, 20).map((i) => wo(i, i)), (call, list) => {
			if (call === 2) list.push(wo(100, 100), wo(101, 101));
		});
		const items = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail });
		expect(ids(items).filter((id) => id < 100)).toEqual(range(1, 20).reverse());
		expect(new Set(ids(items)).size).toBe(items.length);
	});

	it('starts again when work orders disappear above the next page, so none is skipped', async () => {
		const { fetchPage, calls } = fakeList(range(1, 30).map((i) => wo(i, i)), (call, list) => {
			if (call === 2) list.splice(0, 3); // three removed from the first page meanwhile
		});
		const items = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail });
		expect(ids(items)).toEqual(range(1, 27).reverse());
		expect(calls.map((c) => c.offset)).toEqual([0, 9, 0, 9, 18]);
	});

	it(`gives up after ${MAX_WALK_RESTARTS} restarts on a list that keeps shrinking`, async () => {
		const { fetchPage } = fakeList(range(1, 200).map((i) => wo(i, i)), (call, list) => {
			if (call % 2 === 0) list.splice(0, 2);
		});
		await expect(walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(/kept changing/);
	});

	it('moves on with one-item pages', async () => {
		const { fetchPage, calls } = fakeList(range(1, 3).map((i) => wo(i, i)));
		expect(ids(await walkList({ fetchPage, pageSize: 1, needsNextPage: all, fail }))).toEqual([3, 2, 1]);
		expect(calls.map((c) => c.offset)).toEqual([0, 1, 2]);
	});

	it('stops with a clear error on a page that repeats the previous one (offset ignored)', async () => {
		const calls: number[] = [];
		const fetchPage = async (offset: number): Promise<ListPage> => {
			calls.push(offset);
			return { results: range(1, 10).reverse().map((i) => wo(i, i)), hasNext: true };
		};
		await expect(walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(
			'Scantrust answered the same page of work orders for offset 0 and offset 9',
		);
		expect(calls).toEqual([0, 9]);
		const onePage = async (offset: number): Promise<ListPage> => ({ results: [wo(1, 1)], hasNext: offset < 5 });
		await expect(walkList({ fetchPage: onePage, pageSize: 1, needsNextPage: all, fail })).rejects.toThrow(/same page of work orders for offset 0 and offset 1/);
	});

	it('fails with a clear message beyond maxRows work orders, and beyond its deadline', async () => {
		const { fetchPage, calls } = fakeList(range(1, 100).map((i) => wo(i, i)));
		await expect(walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail, maxRows: 30 })).rejects.toThrow('More than 30 work orders to read in one poll');
		expect(calls).toHaveLength(3);
		expect(await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail, maxRows: 110 })).toHaveLength(100);
		await expect(walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail, deadline: Date.now() })).rejects.toThrow(
			'Reading the work order list took longer than n8n allows one poll (10 work orders read)',
		);
		const described = (message: string, text: string) => Object.assign(new Error(message), { text });
		const error = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail: described, maxRows: 30 }).catch((e: { text: string }) => e);
		expect((error as { text: string }).text).toMatch(/Nothing was emitted and the trigger's position was kept.*change the trigger's Filters/);
	});

	it('fails on a page that is not newest first, whatever the page', async () => {
		const oldestFirst = async (): Promise<ListPage> => ({ results: [wo(1, 1), wo(2, 2)], hasNext: false });
		await expect(walkList({ fetchPage: oldestFirst, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(
			`Scantrust returned the work order list in an unexpected order: work order 1 (created ${String(wo(1, 1).creation_date)}) came before work order 2 (created ${String(wo(2, 2).creation_date)})`,
		);
		// Same timestamp: ids must fall too.
		const sameStamp = async (): Promise<ListPage> => ({ results: [wo(7, 5), wo(8, 5)], hasNext: false });
		await expect(walkList({ fetchPage: sameStamp, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(/unexpected order/);
		// The second page swapped; the overlap between pages is not an order (a newer one may arrive meanwhile).
		const { fetchPage } = fakeList(range(1, 25).map((i) => wo(i, i)));
		const swapped = async (offset: number, limit: number): Promise<ListPage> => {
			const page = await fetchPage(offset, limit);
			if (offset > 0) page.results.reverse();
			return page;
		};
		await expect(walkList({ fetchPage: swapped, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(/unexpected order/);
		const described = (message: string, text: string) => Object.assign(new Error(message), { text });
		const error = await walkList({ fetchPage: oldestFirst, pageSize: 10, needsNextPage: all, fail: described }).catch((e: { text: string }) => e);
		expect((error as { text: string }).text).toMatch(/order seems to have changed, so the trigger cannot be sure it misses no work order.*report/i);
	});

	it('fails on a work order without a readable creation date', async () => {
		const fetchPage = async (): Promise<ListPage> => ({ results: [{ id: 1, creation_date: 'soon' }], hasNext: false });
		await expect(walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(/without an id or a readable creation_date/);
	});
});
