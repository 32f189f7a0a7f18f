// Scan data: scans of the sandbox's codes (from the code store) and the export route GET /api/v2/dashboard/scans/,
// in cursor mode (`page_mode=cursor`: `next` links, pages that never overlap) or, without it, DRF's limit/offset.
import { randomBytes, randomUUID } from 'node:crypto';

import { findByExtendedId, productById, viewOf } from './codeStore';
import { extendedIdFor } from './codes';
import type { Ctx } from './context';
import { ApiError, FieldErrors, MSG, toInteger } from './drf';
import { settleIngestions } from './ingestion';
import { paginate } from './pagination';
import type { AddScanInput, ScanDevice, ScanLocation, ScanRecord, StoredScan } from './types';
import { isoMicro } from './util';
import { settleGenerations } from './workOrders';

export const SCANS_PATH = /^\/api\/v2\/dashboard\/scans\/$/;

/** Documented examples of flag names (`flags=counterfeit,out-of-market`); records carry flags as a list (chosen). */
export const SCAN_FLAG = { counterfeit: 'counterfeit', outOfMarket: 'out-of-market' } as const;

/** Chosen: what an unknown campaign_id gets (django-filter's wording for a choice that is not available). */
export const UNKNOWN_CAMPAIGN = 'Select a valid choice. That choice is not one of the available choices.';
/** Chosen: what a request with neither timeframe nor date_from gets. */
export const PERIOD_REQUIRED = 'Either timeframe or date_from is required.';
/** Chosen: the query parameter that carries the position in cursor mode (DRF's CursorPagination name). */
export const CURSOR_PARAM = 'cursor';

/** Query parameters with a meaning of their own; every other one that is an SCM key of the campaign filters on it. */
const RESERVED = new Set(['page_mode', 'campaign_id', 'timeframe', 'date_from', 'date_to', 'flags', 'activation_status', 'product', CURSOR_PARAM, 'limit', 'offset']);

const DAY_MS = 86_400_000;

/** Chosen: device and location of a scan when a test does not say (Scantrust's glossary lists neither section's fields). */
const DEFAULT_DEVICE: ScanDevice = { os: 'iOS', os_version: '17.4', model: 'iPhone 14', browser: 'Safari' };
const DEFAULT_LOCATION: ScanLocation = { country: 'Switzerland', country_code: 'ch', city: 'Geneva', latitude: 46.2044, longitude: 6.1432, source: 'ip' };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A time as the API writes it (Django: microseconds, Z): ISO text or Date.now()-style milliseconds. */
function toDatetime(at: string | number | undefined): string {
	if (at === undefined) return isoMicro();
	if (typeof at === 'number') return isoMicro(at);
	const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(at);
	if (!match) throw new Error(`addScan: "at" must be an ISO date-time in UTC (…Z), got ${at}`);
	return `${match[1]}.${(match[2] ?? '').padEnd(6, '0')}Z`;
}

/**
 * A scan of a code the sandbox holds, recorded as Scantrust's scan export lists it: the code, product and SCM
 * sections are copied from the code as it is at the moment of the scan, so later changes do not rewrite history.
 */
export function addScan(ctx: Ctx, input: AddScanInput): ScanRecord {
	settleGenerations(ctx);
	settleIngestions(ctx);
	const ref = findByExtendedId(ctx, input.extendedId);
	if (!ref) throw new Error(`addScan: the sandbox holds no code ${input.extendedId} (its work order must be generated)`);
	const code = viewOf(ctx, ref);
	const product = productById(ctx, code.product);
	const datetime = toDatetime(input.at);
	const flags = [...(input.flags ?? [])];
	const reason = input.reason ?? 'query';
	const result = input.result ?? (flags.includes(SCAN_FLAG.counterfeit) ? 'failure' : 'ok');
	const record: ScanRecord = {
		scan: {
			uuid: randomUUID(),
			datetime,
			timestamp: Date.parse(`${datetime.slice(0, 23)}Z`) / 1000 + Number(datetime.slice(23, 26)) / 1e6,
			app: input.app ?? 'Scantrust Consumer',
			reason,
			result,
			computed_status: flags.length > 0 ? 'suspicious' : result === 'ok' ? 'genuine' : 'failure',
			auth_failure_mode: reason === 'auth' && result !== 'ok' ? 'fingerprint_mismatch' : null,
			flags,
			unique_user: hex(8),
			install_id: hex(8),
			utid: hex(12),
		},
		user: { email: input.email ?? null },
		code: {
			extended_id: code.extended_id,
			serial_number: code.serial_number,
			activation_status: code.activation_status,
			blacklist_reason: code.blacklist_reason,
		},
		product: product ? { id: product.id, sku: product.sku, name: product.name, brand_name: product.brand.name } : null,
		device: { ...DEFAULT_DEVICE, ...input.device },
		location: { ...DEFAULT_LOCATION, ...input.location },
		scm: { ...code.scm },
	};
	ctx.state.scans.push({ record, campaign: code.campaign });
	return record;
}

/** The scans present at start: codes of the seeded work order SEED-SID-001 (campaign 21), the last days. */
export function seedScans(ctx: Ctx): void {
	const wo = ctx.state.workOrders.find((w) => w.reference === 'SEED-SID-001');
	if (!wo) return;
	const codes = (n: number) => findCodeId(ctx, wo.id, n);
	const hoursAgo = (h: number) => Date.now() - h * 3_600_000;
	const shenzhen: Partial<ScanLocation> = { country: 'China', country_code: 'cn', city: 'Shenzhen', latitude: 22.5431, longitude: 114.0579 };
	const lagos: Partial<ScanLocation> = { country: 'Nigeria', country_code: 'ng', city: 'Lagos', latitude: 6.5244, longitude: 3.3792 };
	addScan(ctx, { extendedId: codes(1), at: hoursAgo(72) });
	addScan(ctx, { extendedId: codes(2), at: hoursAgo(50), flags: [SCAN_FLAG.counterfeit], reason: 'auth', location: shenzhen, device: { os: 'Android', os_version: '14', model: 'Pixel 8', browser: 'Chrome' } });
	addScan(ctx, { extendedId: codes(3), at: hoursAgo(26), flags: [SCAN_FLAG.outOfMarket], location: lagos });
	addScan(ctx, { extendedId: codes(1), at: hoursAgo(6), email: 'inspector@sandbox.scantrust.test', app: 'Scantrust Enterprise' });
	addScan(ctx, { extendedId: codes(4), at: hoursAgo(2), flags: [SCAN_FLAG.counterfeit], reason: 'auth', location: shenzhen });
}

/** The extended id of a generated (or ingested) code of a work order, by its position. */
function findCodeId(ctx: Ctx, workOrderId: number, sequence: number): string {
	const id = ctx.state.workOrderExtras.get(workOrderId)?.ingestedIds?.[sequence - 1] ?? extendedIdFor(workOrderId, sequence);
	if (!findByExtendedId(ctx, id)) throw new Error(`seedScans: work order ${workOrderId} has no code ${sequence}`);
	return id;
}

/** Newest first: scan time, then uuid (both descending), so equal times still have one fixed order. */
function newestFirst(a: StoredScan, b: StoredScan): number {
	const [ta, tb] = [a.record.scan.datetime, b.record.scan.datetime];
	if (ta !== tb) return ta < tb ? 1 : -1;
	return a.record.scan.uuid < b.record.scan.uuid ? 1 : a.record.scan.uuid > b.record.scan.uuid ? -1 : 0;
}

/** `date_from` / `date_to`: a date (a whole UTC day) or, as an older version of the page shows, an ISO date-time. */
function readInstant(value: string, endOfDay: boolean): number | undefined {
	if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
		const start = Date.parse(`${value}T00:00:00Z`);
		return Number.isNaN(start) ? undefined : endOfDay ? start + DAY_MS - 1 : start;
	}
	if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? undefined : ms;
}

/** `1d`, `3w`, `2m`, `1y` (and the older page's `-1y`): the start of that window before `now`. */
function timeframeStart(value: string, now: number): number | undefined {
	const match = /^-?(\d+)([dwmy])$/.exec(value);
	if (!match) return undefined;
	const n = Number(match[1]);
	const start = new Date(now);
	if (match[2] === 'd') return now - n * DAY_MS;
	if (match[2] === 'w') return now - 7 * n * DAY_MS;
	if (match[2] === 'm') start.setUTCMonth(start.getUTCMonth() - n);
	else start.setUTCFullYear(start.getUTCFullYear() - n);
	return start.getTime();
}

const msOf = (scan: StoredScan) => Date.parse(`${scan.record.scan.datetime.slice(0, 23)}Z`);

/** The scans a query asks for, newest first; field errors as DRF sends them (400). */
export function queryScans(ctx: Ctx, query: URLSearchParams): StoredScan[] {
	const errors = new FieldErrors();
	const now = Date.now();
	const campaignRaw = query.get('campaign_id');
	const campaignId = campaignRaw === null ? undefined : toInteger(campaignRaw);
	const campaign = ctx.state.campaigns.find((c) => c.id === campaignId);
	if (campaignRaw === null || campaignRaw.trim() === '') errors.add('campaign_id', MSG.required);
	else if (!campaign) errors.add('campaign_id', UNKNOWN_CAMPAIGN);

	let from: number | undefined;
	let to: number | undefined = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`) + DAY_MS - 1;
	const dateFrom = query.get('date_from');
	const dateTo = query.get('date_to');
	const timeframe = query.get('timeframe');
	if (dateFrom !== null) {
		from = readInstant(dateFrom, false);
		if (from === undefined) errors.add('date_from', MSG.date);
	} else if (timeframe !== null) {
		from = timeframeStart(timeframe, now);
		if (from === undefined) errors.add('timeframe', `"${timeframe}" is not a valid timeframe. Use a number and d, w, m or y, e.g. 1d, 3w, 2m, 1y.`);
	} else {
		errors.add('non_field_errors', PERIOD_REQUIRED);
	}
	if (dateTo !== null) {
		to = readInstant(dateTo, true);
		if (to === undefined) errors.add('date_to', MSG.date);
	}
	const flags = (query.get('flags') ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
	const status = query.get('activation_status');
	if (status !== null && !['0', '1', '2'].includes(status)) errors.add('activation_status', MSG.choice(status));
	const productRaw = query.get('product');
	const productId = productRaw === null ? undefined : toInteger(productRaw);
	if (productRaw !== null && productId === undefined) errors.add('product', MSG.integer);
	errors.throwIfAny();

	// Any other parameter that is an SCM key of the campaign filters on that field (unknown parameters are ignored).
	const scm = [...query.entries()].filter(([key]) => !RESERVED.has(key) && campaign!.scm_fields.includes(key));
	return ctx.state.scans
		.filter((s) => {
			const { record } = s;
			if (s.campaign !== campaign!.id) return false;
			const ms = msOf(s);
			if ((from !== undefined && ms < from) || (to !== undefined && ms > to)) return false;
			if (flags.length > 0 && !record.scan.flags.some((f) => flags.includes(f))) return false;
			if (status !== null && record.code.activation_status !== Number(status)) return false;
			if (productId !== undefined && record.product?.id !== productId) return false;
			return scm.every(([key, value]) => record.scm[key] === value);
		})
		.sort(newestFirst);
}

/** Position in cursor mode: the last scan of the page before, as an opaque token. */
function encodeCursor(scan: StoredScan): string {
	return Buffer.from(JSON.stringify([scan.record.scan.datetime, scan.record.scan.uuid])).toString('base64url');
}

function decodeCursor(token: string): StoredScan | undefined {
	try {
		const [datetime, uuid] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [unknown, unknown];
		if (typeof datetime !== 'string' || typeof uuid !== 'string') return undefined;
		return { campaign: 0, record: { scan: { datetime, uuid } } as ScanRecord };
	} catch {
		return undefined;
	}
}

/**
 * GET /api/v2/dashboard/scans/. In cursor mode a page is `{next, results}`; `next` holds the request's own
 * parameters and a cursor after the page's last scan, so scans recorded meanwhile never shift a page (chosen: no
 * `previous`, no `count`). Without `page_mode=cursor`, DRF's limit/offset pages (the "inconsistent pagination").
 */
export function scansPage(ctx: Ctx, query: URLSearchParams, absolutePath: string): unknown {
	const scans = queryScans(ctx, query);
	const records = (list: StoredScan[]) => list.map((s) => structuredClone(s.record));
	if (query.get('page_mode') !== 'cursor') {
		const page = paginate(scans, query, absolutePath, ctx.options);
		return { ...page, results: records(page.results) };
	}
	let start = 0;
	const token = query.get(CURSOR_PARAM);
	if (token !== null) {
		const after = decodeCursor(token);
		if (!after) throw new ApiError(404, { detail: 'Invalid cursor' });
		start = scans.findIndex((s) => newestFirst(s, after) > 0);
		if (start < 0) start = scans.length;
	}
	const page = scans.slice(start, start + ctx.options.scanPageSize);
	let next: string | null = null;
	if (start + page.length < scans.length) {
		const q = new URLSearchParams(query);
		q.set(CURSOR_PARAM, encodeCursor(page[page.length - 1]));
		next = `${absolutePath}?${q.toString()}`;
	}
	return { next, results: records(page) };
}
