import type { IDataObject } from 'n8n-workflow';

import type { RequestPurpose } from '../transport/errors';
import { apiCursorPages } from '../transport/paginate';
import type { ScantrustContext } from '../transport/request';

/**
 * Scan data: Scantrust's scan export, read as JSON in cursor mode. Each record has the sections `scan`, `user`,
 * `code`, `product`, `device`, `location` and `scm`, handed on as Scantrust sends them.
 */

export const SCANS_PATH = '/api/v2/dashboard/scans/';
export const SCANS_PERMISSION = 'scans_download';

/** Assumed: cursor pages list scans newest first; the trigger checks every page and fails rather than trust another order. */
export const ASSUMED_SCAN_ORDER = 'newest first (by scan.datetime, descending)';

/** Parameters of the scan export with a meaning of their own: an SCM field used as a filter may not take these names. */
export const SCAN_QUERY_PARAMETERS: readonly string[] = ['page_mode', 'campaign_id', 'timeframe', 'date_from', 'date_to', 'flags', 'activation_status', 'product', 'cursor'];

/** A timeframe as Scantrust documents them: a number and d, w, m or y (1d, 3w, 2m, 1y). */
export const TIMEFRAME = /^[1-9]\d*[dwmy]$/;

/** Flag names as Scantrust writes them in the filter (e.g. counterfeit, out-of-market). */
export const FLAG_NAME = /^[A-Za-z0-9_-]+$/;

export interface ScanSection extends IDataObject {
	uuid?: string;
	/** ISO date-time of the scan. */
	datetime?: string;
	/** Unix epoch time of the scan. */
	timestamp?: number;
	app?: string;
	reason?: string;
	result?: string;
	computed_status?: string;
	auth_failure_mode?: string | null;
	flags?: IDataObject | IDataObject[] | string[] | string | null;
}

/** A scan record; only what the node reads is typed, every field is passed on. */
export interface Scan extends IDataObject {
	scan: ScanSection;
}

export function isScan(value: IDataObject): value is Scan {
	return value.scan !== null && typeof value.scan === 'object' && !Array.isArray(value.scan);
}

/** The scan's id (scan.uuid), or undefined. */
export function scanId(record: IDataObject): string | undefined {
	const id = isScan(record) ? record.scan.uuid : undefined;
	return typeof id === 'string' && id !== '' ? id : undefined;
}

/** When the scan was made (scan.datetime, ISO 8601), as sent. */
export function scanDatetime(record: IDataObject): unknown {
	return isScan(record) ? record.scan.datetime : undefined;
}

/** Which scans: a campaign, and optionally flags (any of them), activation status, product id, SCM field values. */
export interface ScanFilters {
	campaignId: number;
	flags?: string[];
	activationStatus?: number;
	productId?: number;
	/** SCM key and value pairs; each is sent as its own parameter, as Scantrust filters on SCM fields. */
	scm?: Array<[string, string]>;
}

/** Which time: a documented timeframe (e.g. 1w), or a date range (ISO dates; without an end Scantrust takes today). */
export type ScanPeriod = { timeframe: string } | { dateFrom: string; dateTo?: string };

/** The query of the scan export in cursor mode. */
export function scanQuery(filters: ScanFilters, period: ScanPeriod): IDataObject {
	const qs: IDataObject = { page_mode: 'cursor', campaign_id: filters.campaignId };
	if ('timeframe' in period) qs.timeframe = period.timeframe;
	else {
		qs.date_from = period.dateFrom;
		if (period.dateTo) qs.date_to = period.dateTo;
	}
	if (filters.flags?.length) qs.flags = filters.flags.join(',');
	if (filters.activationStatus !== undefined) qs.activation_status = filters.activationStatus;
	if (filters.productId !== undefined) qs.product = filters.productId;
	for (const [key, value] of filters.scm ?? []) qs[key] = value;
	return qs;
}

/** What a request for the scans of this campaign is, for errors (403 names scans_download, 404 the campaign). */
export function scansPurpose(campaignId: number, itemIndex?: number): RequestPurpose {
	return { action: `list the scans of campaign ${campaignId}`, permission: SCANS_PERMISSION, resource: { name: 'Campaign', id: campaignId }, itemIndex };
}

/** The scan export page by page (newest first, as assumed above), as long as the caller reads on. */
export function scanPages(ctx: ScantrustContext, qs: IDataObject, purpose: RequestPurpose): AsyncGenerator<IDataObject[], void, undefined> {
	return apiCursorPages.call(ctx, SCANS_PATH, qs, purpose);
}

/** Every scan the query matches, or the first `limit` of them (no page more than needed is read). */
export async function listScans(ctx: ScantrustContext, qs: IDataObject, purpose: RequestPurpose, limit?: number): Promise<IDataObject[]> {
	const scans: IDataObject[] = [];
	for await (const page of scanPages(ctx, qs, purpose)) {
		scans.push(...page);
		if (limit !== undefined && scans.length >= limit) return scans.slice(0, limit);
	}
	return scans;
}

/**
 * Flag names from a parameter: a comma-separated text or a list (an expression may give either), blanks and
 * repeats dropped; `bad` is the first one that is no flag name, for the caller's error.
 */
export function readFlags(value: unknown): { flags: string[]; bad?: string } {
	const parts = Array.isArray(value) ? value.map((v) => String(v)) : typeof value === 'string' ? value.split(',') : value === undefined || value === null ? [] : [String(value)];
	const flags = [...new Set(parts.map((part) => part.trim()).filter((part) => part !== ''))];
	const bad = flags.find((flag) => !FLAG_NAME.test(flag));
	return bad === undefined ? { flags } : { flags, bad };
}
