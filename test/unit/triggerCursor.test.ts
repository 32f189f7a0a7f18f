import type { IDataObject } from 'n8n-workflow';

import {
	advanceCursor,
	CURSOR_VERSION,
	isAboveCursor,
	isNew,
	needsNextPage,
	PENDING_MAX_AGE_DAYS,
	PENDING_MAX_DEPTH,
	queryFingerprint,
	readCursor,
	sameJson,
	timeKey,
	toListed,
	type ListedWorkOrder,
	type TriggerCursor,
	type TriggerEvent,
} from '../../nodes/Scantrust/trigger/cursor';
import { findBoundary, MAX_BOUNDARY_PROBES, MAX_WALK_RESTARTS, walkList, type ListPage } from '../../nodes/Scantrust/trigger/walkList';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const QUERY = queryFingerprint({ is_archived: 0 });

/** A work order as the API lists it; `t` is seconds after 2026-01-10T10:00:00Z. */
function wo(id: number, t: number, ready = false, extra: IDataObject = {}): IDataObject {
	const date = new Date(Date.parse('2026-01-10T10:00:00Z') + t * 1000).toISOString().replace('Z', '123Z');
	return { id, creation_date: date, codegen_file: ready ? `https://storage.example/${id}.zip` : null, ...extra };
}

/** Newest first with positions, as a poll reads them. */
function listed(...items: IDataObject[]): ListedWorkOrder[] {
	return items
		.map((json) => toListed(json, 0)!)
		.sort((a, b) => (a.created === b.created ? Number(b.id) - Number(a.id) : a.created < b.created ? 1 : -1))
		.map((item, position) => ({ ...item, position }));
}

const ids = (items: ListedWorkOrder[]) => items.map((item) => Number(item.id));

function cursorOf(event: TriggerEvent, fields: Partial<TriggerCursor>): TriggerCursor {
	return { version: CURSOR_VERSION, event, query: QUERY, newest: null, newestIds: [], pending: [], ...fields };
}

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
		newest: timeKey('2026-01-10T10:00:00Z')!,
		newestIds: ['5001'],
		pending: [{ id: '5002', created: timeKey('2026-01-09T10:00:00Z')! }],
	});

	it('accepts a cursor this version made for the same event and filters (as plain JSON)', () => {
		expect(readCursor(JSON.parse(JSON.stringify(good)), 'codesReady', QUERY)).toEqual(good);
	});

	it.each([
		['nothing stored', undefined, 'codesReady', QUERY],
		['another event', good, 'newWorkOrder', QUERY],
		['other filters', good, 'codesReady', queryFingerprint({ search: 'PO' })],
		['another version', { ...good, version: 99 }, 'codesReady', QUERY],
		['a malformed date', { ...good, newest: '2026-01-10' }, 'codesReady', QUERY],
		['malformed ids', { ...good, newestIds: [5001] }, 'codesReady', QUERY],
		['malformed pending', { ...good, pending: [{ id: 1 }] }, 'codesReady', QUERY],
	] as const)('starts over on %s', (_what, stored, event, query) => {
		expect(readCursor(stored, event, query)).toBeUndefined();
	});

	it('fingerprints filters independently of key order', () => {
		expect(queryFingerprint({ search: 'a', is_archived: 0 })).toBe(queryFingerprint({ is_archived: 0, search: 'a' }));
		expect(queryFingerprint({ search: 'a' })).not.toBe(queryFingerprint({ search: 'b' }));
	});
});

describe('advanceCursor: newWorkOrder', () => {
	it('the first poll records the newest timestamp and its ids, and emits nothing', () => {
		const { cursor, emit } = advanceCursor('newWorkOrder', QUERY, undefined, listed(wo(1, 0), wo(2, 5), wo(3, 5)), NOW);
		expect(emit).toEqual([]);
		expect(cursor).toEqual(cursorOf('newWorkOrder', { newest: timeKey(wo(2, 5).creation_date), newestIds: ['3', '2'] }));
	});

	it('a first poll of an empty list makes every later work order new', () => {
		const { cursor } = advanceCursor('newWorkOrder', QUERY, undefined, [], NOW);
		expect(cursor.newest).toBeNull();
		const next = advanceCursor('newWorkOrder', QUERY, cursor, listed(wo(1, 0), wo(2, 1)), NOW);
		expect(ids(next.emit)).toEqual([1, 2]);
	});

	it('emits work orders younger than the cursor, oldest first, whatever their ids', () => {
		const first = advanceCursor('newWorkOrder', QUERY, undefined, listed(wo(1, 0)), NOW).cursor;
		const { cursor, emit } = advanceCursor('newWorkOrder', QUERY, first, listed(wo(1, 0), wo(7, 3), wo(5, 9), wo(6, 4)), NOW);
		expect(ids(emit)).toEqual([7, 6, 5]);
		expect(cursor.newest).toBe(timeKey(wo(5, 9).creation_date));
		expect(cursor.newestIds).toEqual(['5']);
	});

	it('a work order sharing the newest timestamp is new unless its id was seen there', () => {
		const first = advanceCursor('newWorkOrder', QUERY, undefined, listed(wo(10, 5), wo(11, 5)), NOW).cursor;
		const { cursor, emit } = advanceCursor('newWorkOrder', QUERY, first, listed(wo(9, 5), wo(10, 5), wo(11, 5), wo(12, 5)), NOW);
		expect(ids(emit)).toEqual([9, 12]);
		expect([...cursor.newestIds].sort()).toEqual(['10', '11', '12', '9']);
		expect(isNew(toListed(wo(13, 5), 0)!, cursor)).toBe(true);
		expect(isNew(toListed(wo(12, 5), 0)!, cursor)).toBe(false);
		expect(isNew(toListed(wo(14, 4), 0)!, cursor)).toBe(false);
	});

	it('keeps the cursor when the newest work order disappeared', () => {
		const first = advanceCursor('newWorkOrder', QUERY, undefined, listed(wo(1, 0), wo(2, 9)), NOW).cursor;
		const { cursor, emit } = advanceCursor('newWorkOrder', QUERY, first, listed(wo(1, 0)), NOW);
		expect(emit).toEqual([]);
		expect(cursor).toEqual(first);
	});
});

describe('isAboveCursor', () => {
	it('holds above the newest timestamp, and at it only above every id seen there (unlike isNew)', () => {
		const cursor = cursorOf('newWorkOrder', { newest: timeKey(wo(0, 5).creation_date)!, newestIds: ['9', '11'] });
		const at = (id: number, t = 5) => toListed(wo(id, t), 0)!;
		expect([at(1, 6), at(12), at(11), at(10), at(9), at(99, 4)].map((w) => isAboveCursor(w, cursor))).toEqual([true, true, false, false, false, false]);
		expect(isNew(at(10), cursor)).toBe(true); // new, but among the seen ids: not above
		expect(isAboveCursor(at(1, -100), cursorOf('newWorkOrder', {}))).toBe(true);
	});
});

describe('advanceCursor: codesReady', () => {
	it('the first poll follows the work orders still generating and emits nothing', () => {
		const { cursor, emit } = advanceCursor('codesReady', QUERY, undefined, listed(wo(1, 0, true), wo(2, 1), wo(3, 2)), NOW);
		expect(emit).toEqual([]);
		expect(cursor.pending.map((p) => p.id)).toEqual(['3', '2']);
	});

	it('emits followed work orders that became ready and new ones created ready; follows new ones still generating', () => {
		const first = advanceCursor('codesReady', QUERY, undefined, listed(wo(1, 0, true), wo(2, 1), wo(3, 2)), NOW).cursor;
		const { cursor, emit } = advanceCursor(
			'codesReady',
			QUERY,
			first,
			listed(wo(1, 0, true), wo(2, 1, true), wo(3, 2), wo(4, 3, true), wo(5, 4)),
			NOW,
		);
		expect(ids(emit)).toEqual([2, 4]);
		expect(cursor.pending.map((p) => p.id)).toEqual(['5', '3']);
		// The next poll emits only what changed since.
		const again = advanceCursor('codesReady', QUERY, cursor, listed(wo(1, 0, true), wo(2, 1, true), wo(3, 2), wo(4, 3, true), wo(5, 4, true)), NOW);
		expect(ids(again.emit)).toEqual([5]);
		expect(again.cursor.pending.map((p) => p.id)).toEqual(['3']);
	});

	it('never emits a work order that was ready before the trigger knew it', () => {
		const first = advanceCursor('codesReady', QUERY, undefined, listed(wo(1, 0), wo(2, 1)), NOW).cursor;
		// 0 was never followed (e.g. filtered out before); it is old and ready: not an event of this trigger.
		const { emit } = advanceCursor('codesReady', QUERY, first, listed(wo(0, -5, true), wo(1, 0), wo(2, 1)), NOW);
		expect(emit).toEqual([]);
	});

	it('drops a followed work order that left the list', () => {
		const first = advanceCursor('codesReady', QUERY, undefined, listed(wo(1, 0), wo(2, 1)), NOW).cursor;
		const { cursor } = advanceCursor('codesReady', QUERY, first, listed(wo(2, 1)), NOW);
		expect(cursor.pending.map((p) => p.id)).toEqual(['2']);
	});

	it(`stops following work orders older than ${PENDING_MAX_AGE_DAYS} days or deeper than ${PENDING_MAX_DEPTH} in the list`, () => {
		const old = { id: 1, creation_date: new Date(NOW - (PENDING_MAX_AGE_DAYS + 1) * 86_400_000).toISOString(), codegen_file: null };
		const young = { id: 2, creation_date: new Date(NOW - 86_400_000).toISOString(), codegen_file: null };
		const deep = { ...toListed({ id: 3, creation_date: new Date(NOW - 2 * 86_400_000).toISOString(), codegen_file: null }, PENDING_MAX_DEPTH)! };
		const { cursor } = advanceCursor('codesReady', QUERY, undefined, [toListed(young, 0)!, deep, toListed(old, PENDING_MAX_DEPTH + 1)!], NOW);
		expect(cursor.pending.map((p) => p.id)).toEqual(['2']);
	});

	it('stores a cursor that survives JSON and compares equal regardless of key order', () => {
		const { cursor } = advanceCursor('codesReady', QUERY, undefined, listed(wo(1, 0), wo(2, 1, true)), NOW);
		const stored = JSON.parse(JSON.stringify(cursor));
		expect(stored).toEqual(cursor);
		const reordered = Object.fromEntries(Object.entries(stored).reverse());
		expect(sameJson(reordered, cursor)).toBe(true);
		expect(sameJson({ ...stored, newestIds: ['x'] }, cursor)).toBe(false);
	});
});

describe('needsNextPage', () => {
	const seenOf = (items: ListedWorkOrder[]) => new Map(items.map((item) => [item.id, item]));

	it('first poll: reads on only while the page ends at the newest timestamp', () => {
		const page = listed(wo(3, 5), wo(2, 5), wo(1, 0));
		expect(needsNextPage('newWorkOrder', undefined, page[2], seenOf(page), NOW)).toBe(false);
		expect(needsNextPage('newWorkOrder', undefined, page[1], seenOf(page.slice(0, 2)), NOW)).toBe(true);
	});

	it('first poll of codesReady: reads on through the follow window', () => {
		const page = listed(wo(3, 5), wo(2, 4));
		expect(needsNextPage('codesReady', undefined, page[1], seenOf(page), NOW)).toBe(true);
		const old = toListed({ id: 1, creation_date: '2024-01-01T00:00:00Z' }, 2)!;
		expect(needsNextPage('codesReady', undefined, old, seenOf([...page, old]), NOW)).toBe(false);
	});

	it('idle poll: one page is enough when it ends below the newest timestamp and holds every pending id', () => {
		const page = listed(wo(5, 9), wo(4, 8), wo(3, 7), wo(2, 6));
		const cursor = cursorOf('codesReady', { newest: page[0].created, newestIds: ['5'], pending: [{ id: '4', created: page[1].created }] });
		expect(needsNextPage('codesReady', cursor, page[3], seenOf(page), NOW)).toBe(false);
		expect(needsNextPage('newWorkOrder', { ...cursor, event: 'newWorkOrder', pending: [] }, page[3], seenOf(page), NOW)).toBe(false);
	});

	it('reads on while the page ends at or above the newest timestamp', () => {
		const page = listed(wo(9, 20), wo(8, 9), wo(7, 9));
		const cursor = cursorOf('newWorkOrder', { newest: page[1].created, newestIds: ['8'] });
		expect(needsNextPage('newWorkOrder', cursor, page[2], seenOf(page), NOW)).toBe(true);
	});

	it('reads on down to a pending work order not met yet, and no further', () => {
		const page = listed(wo(5, 9), wo(4, 8));
		const pending = toListed(wo(2, 6), 5)!;
		const cursor = cursorOf('codesReady', { newest: page[0].created, newestIds: ['5'], pending: [{ id: '2', created: pending.created }] });
		expect(needsNextPage('codesReady', cursor, page[1], seenOf(page), NOW)).toBe(true);
		const passed = toListed(wo(1, 5), 6)!;
		expect(needsNextPage('codesReady', cursor, passed, seenOf([...page, passed]), NOW)).toBe(false);
		const deep = { ...page[1], position: PENDING_MAX_DEPTH };
		expect(needsNextPage('codesReady', cursor, deep, seenOf(page), NOW)).toBe(false);
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
		const { listed: items } = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail });
		expect(ids(items)).toEqual(range(1, 25).reverse());
		expect(calls.map((c) => c.offset)).toEqual([0, 9, 18]);
		expect(items.map((i) => i.position)).toEqual(range(0, 24));
	});

	it('stops when asked to', async () => {
		const { fetchPage, calls } = fakeList(range(1, 25).map((i) => wo(i, i)));
		const { listed: items } = await walkList({ fetchPage, pageSize: 10, needsNextPage: () => false, fail });
		expect(items).toHaveLength(10);
		expect(calls).toHaveLength(1);
	});

	it('takes work orders created between two pages in its stride', async () => {
		const { fetchPage } = fakeList(range(1, 20).map((i) => wo(i, i)), (call, list) => {
			if (call === 2) list.push(wo(100, 100), wo(101, 101));
		});
		const { listed: items } = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail });
		expect(ids(items).filter((id) => id < 100)).toEqual(range(1, 20).reverse());
		expect(new Set(ids(items)).size).toBe(items.length);
	});

	it('starts again when work orders disappear above the next page, so none is skipped', async () => {
		const { fetchPage, calls } = fakeList(range(1, 30).map((i) => wo(i, i)), (call, list) => {
			if (call === 2) list.splice(0, 3); // three removed from the first page meanwhile
		});
		const { listed: items } = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail });
		expect(ids(items)).toEqual(list30Without(3));
		expect(calls.map((c) => c.offset)).toEqual([0, 9, 0, 9, 18]);

		function list30Without(removed: number) {
			return listed(...range(1, 30).map((i) => wo(i, i)))
				.slice(removed)
				.map((i) => Number(i.id));
		}
	});

	it(`gives up after ${MAX_WALK_RESTARTS} restarts on a list that keeps shrinking`, async () => {
		const { fetchPage } = fakeList(range(1, 200).map((i) => wo(i, i)), (call, list) => {
			if (call % 2 === 0) list.splice(0, 2);
		});
		await expect(walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(/kept changing/);
	});

	it('moves on with one-item pages', async () => {
		const { fetchPage, calls } = fakeList(range(1, 3).map((i) => wo(i, i)));
		const { listed: items } = await walkList({ fetchPage, pageSize: 1, needsNextPage: all, fail });
		expect(ids(items)).toEqual([3, 2, 1]);
		expect(calls.map((c) => c.offset)).toEqual([0, 1, 2]);
	});

	it('marks a walk that stopEarly ended as incomplete, and starts where asked (restarts too)', async () => {
		const { fetchPage, calls } = fakeList(range(1, 40).map((i) => wo(i, i)), (call, list) => {
			if (call === 2) list.splice(0, 2); // shrinks above the next page: restart
		});
		const stopEarly = jest.fn((pages: number) => pages >= 2);
		const walk = await walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail, start: 15, stopEarly });
		expect(walk.complete).toBe(false);
		// Pages count restarts: the page after the restart is the second that stopEarly allows.
		expect(calls.map((c) => c.offset)).toEqual([15, 24, 15]);
		expect(ids(walk.listed)).toEqual(range(14, 23).reverse());
		expect(walk.listed[0].position).toBe(15);
		const whole = await walkList({ fetchPage, pageSize: 10, needsNextPage: () => false, fail, stopEarly: () => true });
		expect(whole.complete).toBe(true); // needsNextPage said stop first
	});

	it('fails on a page that is not newest first, whatever the page', async () => {
		const oldestFirst = async (): Promise<ListPage> => ({ results: [wo(1, 1), wo(2, 2)], hasNext: false });
		await expect(walkList({ fetchPage: oldestFirst, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(
			'Scantrust returned the work order list in an unexpected order: work order 1 (created 2026-01-10T10:00:01.000123Z) came before work order 2 (created 2026-01-10T10:00:02.000123Z)',
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
		const description = (message: string, text: string) => Object.assign(new Error(message), { text });
		const error = await walkList({ fetchPage: oldestFirst, pageSize: 10, needsNextPage: all, fail: description }).catch((e: { text: string }) => e);
		expect((error as { text: string }).text).toMatch(/order seems to have changed, so the trigger cannot be sure it misses no work order.*report/i);
	});

	it('fails on a work order without a readable creation date', async () => {
		const fetchPage = async (): Promise<ListPage> => ({ results: [{ id: 1, creation_date: 'soon' }], hasNext: false });
		await expect(walkList({ fetchPage, pageSize: 10, needsNextPage: all, fail })).rejects.toThrow(/without an id or a readable creation_date/);
	});
});

describe('findBoundary', () => {
	const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
	/** Newest first: ids 1000 down to 1, created at t = id. */
	const list = range(1, 1000).reverse().map((i) => wo(i, i));
	const fail = (message: string) => new Error(message);

	it.each([
		['far below', 100, 900],
		['just below the start', 100, 100],
		['beyond the end', 100, 1000],
	])('finds the first work order below the cursor (%s) in about 2·log2 single-item requests', async (_what, from, boundary) => {
		const calls: number[] = [];
		const fetchPage = async (offset: number, limit: number): Promise<ListPage> => {
			calls.push(limit);
			return { results: list.slice(offset, offset + limit), hasNext: offset + limit < list.length };
		};
		const cut = timeKey(wo(1000 - boundary, 1000 - boundary).creation_date)!; // position `boundary` holds id 1000 - boundary
		expect(await findBoundary(fetchPage, from, 10, (w) => w.created > cut, fail)).toBe(boundary);
		expect(calls.every((limit) => limit === 1)).toBe(true);
		expect(calls.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1000)) + 2);
	});

	it(`gives up after ${MAX_BOUNDARY_PROBES} requests on a list that never ends (offset ignored)`, async () => {
		const fetchPage = async (): Promise<ListPage> => ({ results: [wo(1, 1)], hasNext: true });
		await expect(findBoundary(fetchPage, 0, 1, () => true, fail)).rejects.toThrow(/Could not find where the trigger left off/);
	});
});
