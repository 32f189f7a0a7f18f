import type { IDataObject } from 'n8n-workflow';

import { ASSUMED_LIST_ORDER, compareCreated, newestFirst, toListed, type ListedWorkOrder } from './cursor';

/**
 * Reading the work order list newest first, page by page, only as far as the caller needs.
 *
 * DRF's limit/offset pages shift when the list changes between two page requests. A work order
 * created meanwhile pushes the rest down: the next page repeats an item already read, which is
 * harmless (items are kept by id). A work order removed meanwhile (archived, deleted) pulls the
 * rest up: the next page would start one item too far and that item would never be read. To
 * notice this, each page after the first starts one position early, on the last item of the
 * page before: if the item found there is older than that one, the list shrank above us, and
 * the walk starts again from where it started. An unchanged list costs nothing
 * extra but that one repeated item per page.
 *
 * Every page is checked against ASSUMED_LIST_ORDER (unverified, see there): the whole trigger
 * relies on it, so a list in another order fails the poll instead of missing work orders.
 */

/** Restarts after the list shrank under the walk before the poll gives up (and is retried next time). */
export const MAX_WALK_RESTARTS = 3;

/** Safety bound on the pages one walk reads (a poll that must catch up stops its first walk earlier). */
export const MAX_PAGES_PER_POLL = 1000;

/** Single-item requests findBoundary may make; 2·log2 of any real list is far below this. */
export const MAX_BOUNDARY_PROBES = 100;

export interface ListPage {
	results: IDataObject[];
	/** Whether the API reported a next page. */
	hasNext: boolean;
}

export type FetchPage = (offset: number, limit: number) => Promise<ListPage>;

/** Builds the error a poll fails with (the walk itself knows no n8n node). */
export type Fail = (message: string, description: string) => Error;

export interface WalkOptions {
	fetchPage: FetchPage;
	pageSize: number;
	/** Asked after each page with its last work order and everything read so far: read another page? */
	needsNextPage: (last: ListedWorkOrder, seen: ReadonlyMap<string, ListedWorkOrder>) => boolean;
	fail: Fail;
	/** Offset of the first page (0: the top); a restart returns here. */
	start?: number;
	/**
	 * Asked before each further page the walk needs, with the pages read so far and the last work
	 * order read: stop here? The walk then returns what it has, marked incomplete.
	 */
	stopEarly?: (pages: number, last: ListedWorkOrder) => boolean;
}

export interface Walk {
	/** Every work order read, newest first, each once. */
	listed: ListedWorkOrder[];
	/** false when stopEarly ended the walk before needsNextPage did. */
	complete: boolean;
}

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
			`The trigger relies on Scantrust listing work orders ${ASSUMED_LIST_ORDER}. Scantrust's list order seems to have changed, so the trigger cannot be sure it misses no work order. Nothing was emitted and the trigger's position was kept. Please report this to the maintainers of n8n-nodes-scantrust.`,
		);
	}
}

export async function walkList(options: WalkOptions): Promise<Walk> {
	const start = options.start ?? 0;
	const seen = new Map<string, ListedWorkOrder>();
	let offset = start;
	let overlapWith: ListedWorkOrder | undefined;
	let restarts = 0;
	let complete = true;

	for (let pages = 1; ; pages++) {
		if (pages > MAX_PAGES_PER_POLL) {
			throw options.fail(
				`More than ${MAX_PAGES_PER_POLL} pages of work orders to read in one poll`,
				'The trigger reads the list down to the last work order it has seen. Change the trigger\'s filters to start again from the newest work order.',
			);
		}
		const page = await options.fetchPage(offset, options.pageSize);
		const listed = page.results.map((json, index) => toListedOrFail(json, offset + index, options.fail));
		checkOrder(listed, options.fail);

		if (overlapWith !== undefined && (listed.length === 0 || compareCreated(listed[0], overlapWith) < 0)) {
			// The list shrank above the position we read next: an item may have slipped past us.
			if (++restarts > MAX_WALK_RESTARTS) {
				throw options.fail(
					'The work order list kept changing while the trigger read it',
					'Nothing was emitted and the trigger\'s position was kept; the next poll reads the list again.',
				);
			}
			seen.clear();
			offset = start;
			overlapWith = undefined;
			continue;
		}

		for (const workOrder of listed) seen.set(workOrder.id, workOrder);
		const last = listed[listed.length - 1];
		if (last === undefined || !page.hasNext || !options.needsNextPage(last, seen)) break;
		if (options.stopEarly?.(pages, last)) {
			complete = false;
			break;
		}
		if (listed.length > 1) {
			offset += listed.length - 1;
			overlapWith = last;
		} else {
			offset += listed.length;
			overlapWith = undefined;
		}
	}
	return { listed: [...seen.values()].sort(newestFirst), complete };
}

/**
 * In a list where `above` holds for a run of work orders from `from` down and not below it, the
 * offset of the first one for which it does not hold (or the list's end). Single-item requests,
 * galloping down from `from` in steps doubling from `step`, then bisecting: about 2·log2 of the
 * distance. If the list changes meanwhile the answer is a little off; a walk started from it
 * reads on until it is past the cursor anyway, so that costs pages, never work orders.
 */
export async function findBoundary(
	fetchPage: FetchPage,
	from: number,
	step: number,
	above: (workOrder: ListedWorkOrder) => boolean,
	fail: Fail,
): Promise<number> {
	let probes = 0;
	const isAbove = async (offset: number) => {
		if (++probes > MAX_BOUNDARY_PROBES) {
			throw fail(
				'Could not find where the trigger left off in the work order list',
				`After ${MAX_BOUNDARY_PROBES} requests the list had not ended; Scantrust may be ignoring the offset parameter. Nothing was emitted and the trigger's position was kept.`,
			);
		}
		const json = (await fetchPage(offset, 1)).results[0];
		return json !== undefined && above(toListedOrFail(json, offset, fail));
	};

	let lo = from; // every offset before lo is above
	let hi: number | undefined; // an offset known not to be
	for (let size = Math.max(1, step); hi === undefined; size *= 2) {
		const probe = lo + size - 1;
		if (await isAbove(probe)) lo = probe + 1;
		else hi = probe;
	}
	while (lo < hi) {
		const mid = Math.floor((lo + hi) / 2);
		if (await isAbove(mid)) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}
