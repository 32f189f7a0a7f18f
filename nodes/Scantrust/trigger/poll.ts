import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { codesReady, WORK_ORDERS_PATH } from '../actions/workOrder/workOrderApi';
import { PAGE_SIZE } from '../transport/paginate';
import { apiRequest } from '../transport/request';
import {
	advanceCursor,
	needsNextPage,
	queryFingerprint,
	readCursor,
	sameJson,
	type ListedWorkOrder,
	type TriggerEvent,
} from './cursor';
import { walkList, type ListPage } from './walkList';

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

function pageReader(ctx: IPollFunctions, qs: IDataObject): (offset: number, limit: number) => Promise<ListPage> {
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
async function sample(ctx: IPollFunctions, event: TriggerEvent, readPage: (offset: number, limit: number) => Promise<ListPage>) {
	if (event === 'newWorkOrder') {
		const page = await readPage(0, 1);
		return page.results[0];
	}
	let pages = 0;
	const listed = await walkList({
		fetchPage: readPage,
		pageSize: TRIGGER_PAGE_SIZE,
		needsNextPage: (_last, seen) => ++pages < SAMPLE_MAX_PAGES && ![...seen.values()].some((w) => codesReady(w.json)),
		fail: failWith(ctx),
	});
	return listed.find((workOrder) => codesReady(workOrder.json))?.json;
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

	const listed: ListedWorkOrder[] = await walkList({
		fetchPage: readPage,
		pageSize: TRIGGER_PAGE_SIZE,
		needsNextPage: (last, seen) => needsNextPage(event, previous, last, seen, now),
		fail: failWith(this),
	});
	const { cursor, emit } = advanceCursor(event, query, previous, listed, now);

	// Only now, with every page read, does the cursor move. Written only when it changed, as a
	// fresh plain object: n8n notices changes to the node's static data by assignment.
	if (!sameJson(staticData[CURSOR_KEY], cursor)) staticData[CURSOR_KEY] = cursor as unknown as IDataObject;

	if (emit.length === 0) return null;
	return [this.helpers.returnJsonArray(emit.map((workOrder) => workOrder.json))];
}
