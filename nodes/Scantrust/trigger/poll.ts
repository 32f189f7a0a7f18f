import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { codesReady, WORK_ORDERS_PATH } from '../api/workOrders';
import { PAGE_SIZE } from '../transport/paginate';
import { apiRequest } from '../transport/request';
import {
	advanceCursor,
	isAboveCursor,
	needsNextPage,
	queryFingerprint,
	readCursor,
	sameJson,
	type ListedWorkOrder,
	type TriggerCursor,
	type TriggerEvent,
} from './cursor';
import { findBoundary, MAX_PAGES_PER_POLL, walkList, type FetchPage, type WalkOptions } from './walkList';

/** Work orders asked for per page (a server may send fewer; the walk follows what it gets). */
export const TRIGGER_PAGE_SIZE = PAGE_SIZE;

/** "Fetch Test Event" for codesReady looks at most this many pages for a work order with codes. */
export const SAMPLE_MAX_PAGES = 3;

/** Key of the cursor in the node's workflow static data. */
export const CURSOR_KEY = 'cursor';

/**
 * How far a poll's first walk down the list goes before it stops and catches up instead (see
 * `catchUp`); an object so tests can lower the bounds.
 */
export const POLL_LIMITS = {
	/** Half of walkList's hard bound: the catch-up walk reads about as many pages again. */
	walkPages: MAX_PAGES_PER_POLL / 2,
	/**
	 * Share of n8n's poll budget (`getPollBudgetMs`) for the first walk: the catch-up walk takes
	 * about as long again, plus some single-item requests, and the rest is margin.
	 */
	walkBudgetShare: 1 / 3,
};

export interface TriggerFilters {
	search?: string;
	includeArchived?: boolean;
}

/** The list endpoint's filters for the trigger's Filters parameter. */
export function listQuery(filters: TriggerFilters): IDataObject {
	const qs: IDataObject = {};
	const search = (filters.search ?? '').trim();
	if (search !== '') qs.search = search;
	if (!filters.includeArchived) qs.is_archived = 0;
	return qs;
}

function pageReader(ctx: IPollFunctions, qs: IDataObject): FetchPage {
	return async (offset, limit) => {
		const body = await apiRequest.call(ctx, {
			method: 'GET',
			path: WORK_ORDERS_PATH,
			qs: { ...qs, limit, offset },
			action: 'list work orders',
			permission: 'workorder_view',
		});
		if (Array.isArray(body)) return { results: body as IDataObject[], hasNext: false };
		const results = Array.isArray(body.results) ? (body.results as IDataObject[]) : [];
		return { results, hasNext: typeof body.next === 'string' && body.next !== '' };
	};
}

function failWith(ctx: IPollFunctions) {
	return (message: string, description: string) => new NodeOperationError(ctx.getNode(), message, { description });
}

/** Manual mode ("Fetch Test Event"): the most recent matching work order, for mapping fields. */
async function sample(ctx: IPollFunctions, event: TriggerEvent, readPage: FetchPage) {
	if (event === 'newWorkOrder') {
		const page = await readPage(0, 1);
		return page.results[0];
	}
	let pages = 0;
	const { listed } = await walkList({
		fetchPage: readPage,
		pageSize: TRIGGER_PAGE_SIZE,
		needsNextPage: (_last, seen) => ++pages < SAMPLE_MAX_PAGES && ![...seen.values()].some((w) => codesReady(w.json)),
		fail: failWith(ctx),
	});
	return listed.find((workOrder) => codesReady(workOrder.json))?.json;
}

/** n8n's time budget for this poll (ms); undefined on n8n versions without getPollBudgetMs. */
function pollBudgetMs(ctx: IPollFunctions): number | undefined {
	const getBudget = (ctx as Partial<Pick<IPollFunctions, 'getPollBudgetMs'>>).getPollBudgetMs;
	if (typeof getBudget !== 'function') return undefined;
	const budget: unknown = getBudget.call(ctx);
	return typeof budget === 'number' && Number.isFinite(budget) && budget >= 0 ? budget : undefined;
}

/** Whether `workOrder` is at or above the cursor's newest timestamp: where new work orders are. */
function atOrAboveNewest(workOrder: ListedWorkOrder, cursor: TriggerCursor): boolean {
	return cursor.newest === null || workOrder.created >= cursor.newest;
}

/**
 * The work orders to advance the cursor with after the first walk stopped early, above the
 * cursor (a backlog of new work orders too large for one poll). Emitting the newest ones it read
 * would leave a gap below them that the cursor cannot mark, and reading on is what made the poll
 * run out. So the poll takes the oldest new work orders instead, as many as the first walk read:
 * it finds where the cursor is in the list (findBoundary), walks down from that many above it,
 * and the cursor moves to the top of that slice. The next poll does the same with the next slice,
 * until the backlog fits one poll: nothing skipped, nothing repeated, oldest first throughout.
 */
async function catchUp(
	walk: Omit<WalkOptions, 'start' | 'stopEarly'>,
	previous: TriggerCursor,
	firstWalk: ListedWorkOrder[],
): Promise<ListedWorkOrder[]> {
	const slice = Math.max(1, firstWalk.length);
	// Above the boundary every work order is new, so the slice holds `slice` new ones (if the list
	// holds still); the walk reads on below it through the whole `newest` timestamp, where new
	// ones with lower ids may hide. No stopEarly: it is about as long as the first walk.
	const isAbove = (workOrder: ListedWorkOrder) => isAboveCursor(workOrder, previous);
	// The first walk may already have passed the boundary (inside the `newest` timestamp).
	const reached = firstWalk.find((workOrder) => !isAbove(workOrder));
	const readTo = firstWalk.reduce((end, workOrder) => Math.max(end, workOrder.position + 1), 0);
	const boundary = reached?.position ?? (await findBoundary(walk.fetchPage, readTo, slice, isAbove, walk.fail));
	return (await walkList({ ...walk, start: Math.max(0, boundary - slice) })).listed;
}

/** The Scantrust Trigger's poll(); see cursor.ts for what the cursor holds and why. */
export async function pollWorkOrders(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const event = this.getNodeParameter('event') as TriggerEvent;
	const filters = this.getNodeParameter('filters', {}) as TriggerFilters;
	const qs = listQuery(filters);
	const readPage = pageReader(this, qs);

	if (this.getMode() === 'manual') {
		// Never reads or moves the cursor: testing the node must not change what the active trigger emits.
		const workOrder = await sample(this, event, readPage);
		return workOrder === undefined ? null : [this.helpers.returnJsonArray([workOrder])];
	}

	const staticData = this.getWorkflowStaticData('node');
	const query = queryFingerprint(qs);
	const previous = readCursor(staticData[CURSOR_KEY], event, query);
	const now = Date.now();
	const budget = pollBudgetMs(this);
	const walkDeadline = budget === undefined ? Infinity : now + budget * POLL_LIMITS.walkBudgetShare;

	const walk = {
		fetchPage: readPage,
		pageSize: TRIGGER_PAGE_SIZE,
		needsNextPage: (last: ListedWorkOrder, seen: ReadonlyMap<string, ListedWorkOrder>) =>
			needsNextPage(event, previous, last, seen, now),
		fail: failWith(this),
	};
	const first = await walkList({
		...walk,
		// Only new work orders can be too many for a poll: the first poll reads the newest
		// timestamp, and following pending ones is bounded by PENDING_MAX_DEPTH.
		stopEarly:
			previous === undefined
				? undefined
				: (pages, last) =>
						atOrAboveNewest(last, previous) && (pages >= POLL_LIMITS.walkPages || Date.now() >= walkDeadline),
	});
	const listed = first.complete || previous === undefined ? first.listed : await catchUp(walk, previous, first.listed);
	const { cursor, emit } = advanceCursor(event, query, previous, listed, now);

	// Only now, with every page read, does the cursor move. Written only when it changed, as a
	// fresh plain object: n8n notices changes to the node's static data by assignment.
	if (!sameJson(staticData[CURSOR_KEY], cursor)) staticData[CURSOR_KEY] = cursor as unknown as IDataObject;

	if (emit.length === 0) return null;
	return [this.helpers.returnJsonArray(emit.map((workOrder) => workOrder.json))];
}
