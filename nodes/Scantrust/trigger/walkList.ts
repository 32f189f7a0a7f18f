import type { IDataObject } from 'n8n-workflow';

import { ASSUMED_LIST_ORDER, compareCreated, newestFirst, toListed, type ListedWorkOrder } from './cursor';

/**
 * Reads the work order list newest first, page by page, only as far as the caller needs. Each page
 * after the first starts on the last item of the page before: if that position now holds an older
 * work order, the list shrank above us (an item would slip past) and the walk starts again.
 */

/** Restarts after the list shrank under the walk before the poll gives up (and is retried next time). */
export const MAX_WALK_RESTARTS = 3;

/** Work orders one poll reads at most: far above any real backlog between two polls. */
export const MAX_ROWS_PER_POLL = 50_000;

export interface ListPage {
	results: IDataObject[];
	/** Whether the API reported a next page. */
	hasNext: boolean;
}

export type FetchPage = (offset: number, limit: number) => Promise<ListPage>;

/** Builds the error a poll fails with (the walk itself knows no n8n node). */
export type Fail = (message: string, description: string) => Error;

/** What every walk down a newest-first list takes: when to stop, how to fail, and its bounds. */
export interface WalkBounds {
	/** Asked after each page with its last entry and everything read so far: read another page? */
	needsNextPage: (last: ListedWorkOrder, seen: ReadonlyMap<string, ListedWorkOrder>) => boolean;
	fail: Fail;
	/** Rows (repeats included) after which the walk fails. */
	maxRows?: number;
	/** Date.now() after which the walk fails rather than read another page. */
	deadline?: number;
}

export interface WalkOptions extends WalkBounds {
	fetchPage: FetchPage;
	pageSize: number;
}

const KEPT = "Nothing was emitted and the trigger's position was kept";
const START_OVER = "To skip these work orders and start again from the newest one, change the trigger's Filters.";

function toListedOrFail(json: IDataObject, position: number, fail: Fail): ListedWorkOrder {
	const workOrder = toListed(json, position);
	if (workOrder === undefined) {
		throw fail(
			`Scantrust listed a work order without an id or a readable creation_date (id ${String(json.id)}, creation_date ${JSON.stringify(json.creation_date)})`,
			'The trigger orders work orders by creation date. Report this answer to Scantrust support.',
		);
	}
	return workOrder;
}

/** Fails when two neighbours on a page break ASSUMED_LIST_ORDER. */
function checkOrder(listed: ListedWorkOrder[], fail: Fail): void {
	for (let i = 1; i < listed.length; i++) {
		const [before, after] = [listed[i - 1], listed[i]];
		if (newestFirst(before, after) <= 0) continue;
		throw fail(
			`Scantrust returned the work order list in an unexpected order: work order ${before.id} (created ${String(before.json.creation_date)}) came before work order ${after.id} (created ${String(after.json.creation_date)})`,
			`The trigger relies on Scantrust listing work orders ${ASSUMED_LIST_ORDER}. Scantrust's list order seems to have changed, so the trigger cannot be sure it misses no work order. ${KEPT}. Please report this to the maintainers of n8n-nodes-scantrust.`,
		);
	}
}

/** Every work order read, newest first, each once. */
export async function walkList(options: WalkOptions): Promise<ListedWorkOrder[]> {
	const { fail, maxRows = MAX_ROWS_PER_POLL, deadline = Infinity } = options;
	const seen = new Map<string, ListedWorkOrder>();
	let offset = 0;
	let overlapWith: ListedWorkOrder | undefined;
	let previousPage: { offset: number; ids: string } | undefined;
	let restarts = 0;
	let rows = 0;

	for (;;) {
		const page = await options.fetchPage(offset, options.pageSize);
		rows += page.results.length;
		const listed = page.results.map((json, index) => toListedOrFail(json, offset + index, fail));
		checkOrder(listed, fail);

		const ids = listed.map((workOrder) => workOrder.id).join();
		if (previousPage !== undefined && listed.length > 0 && ids === previousPage.ids) {
			throw fail(
				`Scantrust answered the same page of work orders for offset ${previousPage.offset} and offset ${offset}`,
				`Scantrust seems to ignore the offset parameter of the work order list, so the trigger cannot read past the first page. ${KEPT}.`,
			);
		}
		if (overlapWith !== undefined && (listed.length === 0 || compareCreated(listed[0], overlapWith) < 0)) {
			// The list shrank above the position we read next: an item may have slipped past us.
			if (++restarts > MAX_WALK_RESTARTS) {
				throw fail('The work order list kept changing while the trigger read it', `${KEPT}; the next poll reads the list again.`);
			}
			seen.clear();
			offset = 0;
			overlapWith = previousPage = undefined;
			continue;
		}

		for (const workOrder of listed) seen.set(workOrder.id, workOrder);
		const last = listed[listed.length - 1];
		if (last === undefined || !page.hasNext || !options.needsNextPage(last, seen)) break;
		if (rows >= maxRows) {
			throw fail(
				`More than ${maxRows} work orders to read in one poll`,
				`The trigger reads every work order created since its last poll before it emits them, oldest first. ${KEPT}. ${START_OVER}`,
			);
		}
		if (Date.now() >= deadline) {
			throw fail(
				`Reading the work order list took longer than n8n allows one poll (${rows} work orders read)`,
				`${KEPT}, so the next poll reads them again. If this repeats, Scantrust is slow or the backlog is too large for one poll. ${START_OVER}`,
			);
		}
		previousPage = { offset, ids };
		// With one-item pages there is nothing to overlap.
		offset += listed.length > 1 ? listed.length - 1 : listed.length;
		overlapWith = listed.length > 1 ? last : undefined;
	}
	return [...seen.values()].sort(newestFirst);
}
