import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { codesReady, WORK_ORDERS_PATH } from '../api/workOrders';
import { describeBody, PAGE_SIZE } from '../transport/paginate';
import { apiRequest } from '../transport/request';
import {
	advanceCursor,
	CURSOR_LIMITS,
	needsNextPage,
	queryFingerprint,
	readCursor,
	sameJson,
	type ListedWorkOrder,
	type TriggerEvent,
} from './cursor';
import { MAX_ROWS_PER_POLL, walkList, type Fail, type FetchPage, type ListPage } from './walkList';

/** Work orders asked for per page (a server may send fewer; the walk follows what it gets). */
export const TRIGGER_PAGE_SIZE = PAGE_SIZE;

/** "Fetch Test Event" for codesReady looks at most this many pages for a work order with codes. */
export const SAMPLE_MAX_PAGES = 3;

/** Key of the cursor in the node's workflow static data. */
export const CURSOR_KEY = 'cursor';

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

/** The page when `body` is a list page as Scantrust documents it: `{count, next, previous, results}`. */
export function readListPage(body: unknown, offset: number, fail: Fail): ListPage {
	const page = body as IDataObject | null;
	const isLink = (value: unknown) => value === null || typeof value === 'string';
	const isPage =
		page !== null &&
		typeof page === 'object' &&
		!Array.isArray(page) &&
		typeof page.count === 'number' &&
		isLink(page.next) &&
		isLink(page.previous) &&
		Array.isArray(page.results) &&
		page.results.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item));
	if (!isPage) {
		throw fail(
			`Scantrust answered the work order list (offset ${offset}) with ${describeBody(body)} instead of a page of work orders`,
			"Expected a JSON object with count, next, previous and results (a list of work orders); this may be a maintenance page or a proxy's answer. Nothing was emitted and the trigger's position was kept; the next poll tries again.",
		);
	}
	return { results: page.results as IDataObject[], hasNext: typeof page.next === 'string' && page.next !== '' };
}

function pageReader(ctx: IPollFunctions, qs: IDataObject, fail: Fail): FetchPage {
	return async (offset, limit) => {
		const body: unknown = await apiRequest.call(ctx, {
			method: 'GET',
			path: WORK_ORDERS_PATH,
			qs: { ...qs, limit, offset },
			action: 'list work orders',
			permission: 'workorder_view',
		});
		return readListPage(body, offset, fail);
	};
}

/** Manual mode ("Fetch Test Event"): the most recent matching work order, for mapping fields. */
async function sample(event: TriggerEvent, readPage: FetchPage, fail: Fail) {
	if (event === 'newWorkOrder') return (await readPage(0, 1)).results[0];
	let pages = 0;
	const listed = await walkList({
		fetchPage: readPage,
		pageSize: TRIGGER_PAGE_SIZE,
		needsNextPage: (_last, seen) => ++pages < SAMPLE_MAX_PAGES && ![...seen.values()].some((w) => codesReady(w.json)),
		fail,
	});
	return listed.find((workOrder) => codesReady(workOrder.json))?.json;
}

/** n8n's time budget for this poll (ms); undefined on n8n versions without getPollBudgetMs. */
export function pollBudgetMs(ctx: IPollFunctions): number | undefined {
	const getBudget = (ctx as Partial<Pick<IPollFunctions, 'getPollBudgetMs'>>).getPollBudgetMs;
	if (typeof getBudget !== 'function') return undefined;
	const budget: unknown = getBudget.call(ctx);
	return typeof budget === 'number' && Number.isFinite(budget) && budget >= 0 ? budget : undefined;
}

/** The Scantrust Trigger's poll(); see cursor.ts for what the cursor holds and why. */
export async function pollWorkOrders(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const event = this.getNodeParameter('event') as TriggerEvent;
	const filters = this.getNodeParameter('filters', {}) as TriggerFilters;
	const qs = listQuery(filters);
	const fail: Fail = (message, description) => new NodeOperationError(this.getNode(), message, { description });
	const readPage = pageReader(this, qs, fail);

	if (this.getMode() === 'manual') {
		// Never reads or moves the cursor: testing the node must not change what the active trigger emits.
		const workOrder = await sample(event, readPage, fail);
		return workOrder === undefined ? null : [this.helpers.returnJsonArray([workOrder])];
	}

	const staticData = this.getWorkflowStaticData('node');
	const query = queryFingerprint(qs);
	const now = Date.now();
	const limits = CURSOR_LIMITS;
	const previous = readCursor(staticData[CURSOR_KEY], event, query, now, limits);
	const budget = pollBudgetMs(this);
	const listed = await walkList({
		fetchPage: readPage,
		pageSize: TRIGGER_PAGE_SIZE,
		needsNextPage: (last: ListedWorkOrder, seen: ReadonlyMap<string, ListedWorkOrder>) =>
			needsNextPage(event, previous, last, seen, now, limits),
		fail,
		maxRows: MAX_ROWS_PER_POLL,
		// Half the budget: the other half is for a page in flight and its retries.
		deadline: budget === undefined ? undefined : now + budget / 2,
	});
	const { cursor, emit } = advanceCursor(event, query, previous, listed, now, limits);

	// Only now, with every page read, does the cursor move. Written only when it changed, as a
	// fresh plain object: n8n notices changes to the node's static data by assignment.
	if (!sameJson(staticData[CURSOR_KEY], cursor)) staticData[CURSOR_KEY] = cursor as unknown as IDataObject;

	if (emit.length === 0) return null;
	return [this.helpers.returnJsonArray(emit.map((workOrder) => workOrder.json))];
}
