import type { IDataObject } from 'n8n-workflow';

import { ASSUMED_SCAN_ORDER, scanDatetime, scanId } from '../api/scans';
import { listedAs, type Listed } from './cursor';
import { MAX_ROWS_PER_POLL, type Fail, type WalkBounds } from './walkList';

/**
 * Reads the scan export newest first, page by page, only as far as the caller needs. Cursor pages do not shift
 * when scans are recorded meanwhile, so unlike the offset walk of the work order list there is nothing to re-read;
 * every page is checked for the assumed order, and a scan met twice is kept once.
 */

export interface ScanWalkOptions extends WalkBounds {
	/** The export's pages, newest first; the walk asks for the next one only when it needs it. */
	pages: AsyncIterable<IDataObject[]>;
}

const KEPT = "Nothing was emitted and the trigger's position was kept";
const START_OVER = "To skip these scans and start again from the newest one, change the trigger's Campaign ID or Flags.";

function toListedOrFail(json: IDataObject, position: number, fail: Fail): Listed {
	const scan = listedAs(scanId(json), scanDatetime(json), position, json);
	if (scan === undefined) {
		throw fail(
			`Scantrust listed a scan without a uuid or a readable datetime (scan.uuid ${JSON.stringify(scanId(json) ?? null)}, scan.datetime ${JSON.stringify(scanDatetime(json) ?? null)})`,
			'The trigger orders scans by their time. Report this answer to Scantrust support.',
		);
	}
	return scan;
}

/** Every scan read, newest first (as listed), each once. */
export async function walkScans(options: ScanWalkOptions): Promise<Listed[]> {
	const { fail, maxRows = MAX_ROWS_PER_POLL, deadline = Infinity } = options;
	const seen = new Map<string, Listed>();
	let rows = 0;
	let before: Listed | undefined;
	for await (const page of options.pages) {
		const listed = page.map((json, index) => toListedOrFail(json, rows + index, fail));
		rows += listed.length;
		for (const scan of listed) {
			// Scans of one time may come in any order; only time going up breaks the assumed order.
			if (before !== undefined && scan.created > before.created) {
				throw fail(
					`Scantrust listed the scans in an unexpected order: scan ${before.id} (${String(scanDatetime(before.json))}) came before the newer scan ${scan.id} (${String(scanDatetime(scan.json))})`,
					`The trigger relies on Scantrust listing scans ${ASSUMED_SCAN_ORDER}. Scantrust's order seems to have changed, so the trigger cannot be sure it misses no scan. ${KEPT}. Please report this to the maintainers of n8n-nodes-scantrust.`,
				);
			}
			before = scan;
			if (!seen.has(scan.id)) seen.set(scan.id, scan);
		}
		const last = listed[listed.length - 1];
		if (last === undefined || !options.needsNextPage(last, seen)) break;
		if (rows >= maxRows) {
			throw fail(
				`More than ${maxRows} scans to read in one poll`,
				`The trigger reads every scan recorded since its last poll before it emits them, oldest first. ${KEPT}. ${START_OVER}`,
			);
		}
		if (Date.now() >= deadline) {
			throw fail(
				`Reading the scans took longer than n8n allows one poll (${rows} scans read)`,
				`${KEPT}, so the next poll reads them again. If this repeats, Scantrust is slow or the backlog is too large for one poll. ${START_OVER}`,
			);
		}
	}
	return [...seen.values()];
}
