import type { IDataObject } from 'n8n-workflow';

import { compareCreated, newestFirst, toListed, type ListedWorkOrder } from './cursor';

/**
 * Reading the work order list newest first, page by page, only as far as the caller needs.
 *
 * DRF's limit/offset pages shift when the list changes between two page requests. A work order
 * created meanwhile pushes the rest down: the next page repeats an item already read, which is
 * harmless (items are kept by id). A work order removed meanwhile (archived, deleted) pulls the
 * rest up: the next page would start one item too far and that item would never be read. To
 * notice this, each page after the first starts one position early, on the last item of the
 * page before: if the item found there is older than that one, the list shrank above us, and
 * the walk starts again from the top. An unchanged list costs nothing
 * extra but that one repeated item per page.
 */

/** Restarts after the list shrank under the walk before the poll gives up (and is retried next time). */
export const MAX_WALK_RESTARTS = 3;

/** Safety bound on the pages one poll reads. */
export const MAX_PAGES_PER_POLL = 1000;

export interface ListPage {
	results: IDataObject[];
	/** Whether the API reported a next page. */
	hasNext: boolean;
}

export interface WalkOptions {
	fetchPage: (offset: number, limit: number) => Promise<ListPage>;
	pageSize: number;
	/** Asked after each page with its last work order and everything read so far: read another page? */
	needsNextPage: (last: ListedWorkOrder, seen: ReadonlyMap<string, ListedWorkOrder>) => boolean;
	/** Builds the error a poll fails with (the walk itself knows no n8n node). */
	fail: (message: string, description: string) => Error;
}

/** Every work order read, newest first, each once. */
export async function walkList(options: WalkOptions): Promise<ListedWorkOrder[]> {
	const seen = new Map<string, ListedWorkOrder>();
	let offset = 0;
	let overlapWith: ListedWorkOrder | undefined;
	let restarts = 0;

	for (let pages = 1; ; pages++) {
		if (pages > MAX_PAGES_PER_POLL) {
			throw options.fail(
				`More than ${MAX_PAGES_PER_POLL} pages of work orders to read in one poll`,
				'The trigger reads the list down to the last work order it has seen. Change the trigger\'s filters to start again from the newest work order.',
			);
		}
		const page = await options.fetchPage(offset, options.pageSize);
		const listed = page.results.map((json, index) => {
			const workOrder = toListed(json, offset + index);
			if (workOrder === undefined) {
				throw options.fail(
					`Scantrust listed a work order without an id or a readable creation_date (id ${String(json.id)}, creation_date ${JSON.stringify(json.creation_date)})`,
					'The trigger orders work orders by creation date. Report this answer to Scantrust support.',
				);
			}
			return workOrder;
		});

		if (overlapWith !== undefined && (listed.length === 0 || compareCreated(listed[0], overlapWith) < 0)) {
			// The list shrank above the position we read next: an item may have slipped past us.
			if (++restarts > MAX_WALK_RESTARTS) {
				throw options.fail(
					'The work order list kept changing while the trigger read it',
					'Nothing was emitted and the trigger\'s position was kept; the next poll reads the list again.',
				);
			}
			seen.clear();
			offset = 0;
			overlapWith = undefined;
			continue;
		}

		for (const workOrder of listed) seen.set(workOrder.id, workOrder);
		const last = listed[listed.length - 1];
		if (last === undefined || !page.hasNext || !options.needsNextPage(last, seen)) break;
		if (listed.length > 1) {
			offset += listed.length - 1;
			overlapWith = last;
		} else {
			offset += listed.length;
			overlapWith = undefined;
		}
	}
	return [...seen.values()].sort(newestFirst);
}
