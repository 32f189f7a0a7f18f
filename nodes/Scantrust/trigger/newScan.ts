import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { readFlags, scanDatetime, scanPages, scanQuery, scansPurpose, type ScanFilters } from '../api/scans';
import { advanceCursor, CURSOR_LIMITS, needsNextPage, queryFingerprint, readCursor, sameJson, timeKey, type Listed } from './cursor';
import { CURSOR_KEY, pollBudgetMs } from './poll';
import { walkScans } from './walkScans';
import { MAX_ROWS_PER_POLL, type Fail } from './walkList';
import { showValue } from '../codes/showValue';

/** "Fetch Test Event" looks for the newest matching scan this far back. */
export const SAMPLE_TIMEFRAME = '1y';

/**
 * Assumed: Scantrust reads date_from and date_to as calendar days, in a time zone within a day of UTC, and may
 * count date_to as its start or its end; a day's margin on both sides keeps every scan near the horizon in view.
 */
export const DATE_MARGIN_DAYS = 1;

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface ScanTriggerFilters {
	flags?: unknown;
}

function settings(ctx: IPollFunctions): ScanFilters {
	const raw = ctx.getNodeParameter('campaignId', '') as unknown;
	const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
	if (!/^\d+$/.test(text) || Number(text) <= 0) {
		throw new NodeOperationError(ctx.getNode(), `"Campaign ID" must be a numeric Scantrust campaign id such as 126, got ${showValue(raw)}`, {
			description: "Copy it from the address of the campaign's dashboard in the Scantrust portal (campaignId=...).",
		});
	}
	const filters = ctx.getNodeParameter('filters', {}) as ScanTriggerFilters;
	const { flags, bad } = readFlags(filters.flags);
	if (bad !== undefined) {
		throw new NodeOperationError(ctx.getNode(), `"Flags" holds ${showValue(bad)}, which is not a flag name`, {
			description: 'Flag names are letters, digits, - and _, separated by commas (e.g. counterfeit,out-of-market).',
		});
	}
	return { campaignId: Number(text), flags };
}

/** Manual mode ("Fetch Test Event"): the newest matching scan of the first page, for mapping fields. */
async function sample(ctx: IPollFunctions, filters: ScanFilters): Promise<IDataObject | undefined> {
	const pages = scanPages(ctx, scanQuery(filters, { timeframe: SAMPLE_TIMEFRAME }), scansPurpose(filters.campaignId));
	for await (const page of pages) {
		const timed = page.map((json) => ({ json, time: timeKey(scanDatetime(json)) ?? '' }));
		return timed.reduce<(typeof timed)[number] | undefined>((newest, scan) => (newest === undefined || scan.time > newest.time ? scan : newest), undefined)?.json;
	}
	return undefined;
}

/** A failed poll's error, saying that nothing moved (unless it says so already). */
function positionKept(ctx: IPollFunctions, error: unknown): NodeApiError | NodeOperationError {
	const nodeError = error instanceof NodeApiError || error instanceof NodeOperationError ? error : new NodeOperationError(ctx.getNode(), error as Error);
	if (!String(nodeError.description ?? '').includes('position was kept')) {
		nodeError.description = `${nodeError.description ? `${nodeError.description} ` : ''}Nothing was emitted and the trigger's position was kept; the next poll tries again.`;
	}
	return nodeError;
}

/**
 * The trigger's poll for new scans; the cursor rules are those of every event (cursor.ts), with scans timed by
 * scan.datetime and known by scan.uuid. The export is asked from a day before the horizon, so a poll reads only
 * what is recent, newest first, down to the horizon.
 */
export async function pollScans(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const filters = settings(this);
	const fail: Fail = (message, description) => new NodeOperationError(this.getNode(), message, { description });

	if (this.getMode() === 'manual') {
		// Never reads or moves the cursor: testing the node must not change what the active trigger emits.
		const scan = await sample(this, filters);
		return scan === undefined ? null : [this.helpers.returnJsonArray([scan])];
	}

	const staticData = this.getWorkflowStaticData('node');
	const query = queryFingerprint({ campaign_id: filters.campaignId, flags: [...(filters.flags ?? [])].sort() });
	const now = Date.now();
	const limits = CURSOR_LIMITS;
	const previous = readCursor(staticData[CURSOR_KEY], 'newScan', query, now, limits);
	const horizonDay = previous ? previous.horizon.slice(0, 10) : utcDay(now - limits.lateArrivalMs - limits.clockSkewMs);
	const qs = scanQuery(filters, {
		dateFrom: utcDay(Date.parse(`${horizonDay}T00:00:00Z`) - DATE_MARGIN_DAYS * DAY_MS),
		dateTo: utcDay(now + DATE_MARGIN_DAYS * DAY_MS),
	});
	const budget = pollBudgetMs(this);
	let listed: Listed[];
	try {
		listed = await walkScans({
			pages: scanPages(this, qs, scansPurpose(filters.campaignId)),
			needsNextPage: (last, seen) => needsNextPage('newScan', previous, last, seen, now, limits),
			fail,
			maxRows: MAX_ROWS_PER_POLL,
			// Half the budget: the other half is for a page in flight and its retries.
			deadline: budget === undefined ? undefined : now + budget / 2,
		});
	} catch (error) {
		throw positionKept(this, error);
	}
	const { cursor, emit } = advanceCursor('newScan', query, previous, listed, now, limits);

	// Only now, with every page read, does the cursor move; written only when it changed (n8n notices assignment).
	if (!sameJson(staticData[CURSOR_KEY], cursor)) staticData[CURSOR_KEY] = cursor as unknown as IDataObject;

	if (emit.length === 0) return null;
	return [this.helpers.returnJsonArray(emit.map((scan) => scan.json))];
}
