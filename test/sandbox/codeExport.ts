// Code data export: GET /codes/download/ starts a document, the document route tells its status, the download-link
// route hands out a link on the storage origin (no token there), and the CSV has the columns Scantrust documents.
import { randomUUID } from 'node:crypto';
import { forEachCode, productById, viewOf } from './codeStore';
import type { Ctx } from './context';
import { ApiError, badRequest, notFound } from './drf';
import { presignedGetUrl } from './presign';
import type { Reply } from './reply';
import { ME } from './seed';
import type { CodeView, ExportDocument } from './types';
import { isoMicro, randomString } from './util';

/** Document paths (unverified: Scantrust's page shows `/documents/<key>` and `/documents/<key>/get-download-link`). */
export const DOCUMENT_PATH = /^\/api\/v2\/documents\/([^/]+)\/$/;
export const DOCUMENT_LINK_PATH = /^\/api\/v2\/documents\/([^/]+)\/get-download-link\/$/;

/** Document statuses (unverified: only "until the status is complete" is documented). */
export const DOCUMENT_STATUS = { pending: 'pending', processing: 'processing', complete: 'complete' } as const;

/** The download-link answer's field (unverified: the answer's shape is not documented). */
export const DOWNLOAD_LINK_FIELD = 'url';

/** Documented columns, in order; one column per SCM key follows, named by the key (the naming is unverified). */
export const EXPORT_COLUMNS = [
	'extended_id',
	'serial_number',
	'brand',
	'product',
	'sku',
	'status',
	'blacklist_reason',
	'scm_updated_by',
	'scm_updated_at',
	'activated_by',
	'activated_at',
	'workorder_id',
] as const;

/** Object path of an export on the storage origin. */
export const EXPORT_OBJECT = /^media\/documents\/([a-z0-9]+)\.csv$/;
const exportObjectPath = (key: string) => `media/documents/${key}.csv`;

const invalid = (field: string, message: string) => new ApiError(400, { [field]: [message] });

function ids(field: string, raw: string): Set<number> {
	const values = raw.split(',').map((v) => v.trim()).filter(Boolean);
	for (const value of values) if (!/^\d+$/.test(value)) throw invalid(field, `Select a valid choice. ${value} is not one of the available choices.`);
	return new Set(values.map(Number));
}

/** A date-time or a `from,to` range (either side may be empty); a lone date matches that whole day. */
function timeRange(field: string, raw: string): (value: string | null) => boolean {
	const parse = (text: string): number | undefined => {
		if (text === '') return undefined;
		const ms = Date.parse(text);
		if (Number.isNaN(ms)) throw invalid(field, 'Enter a valid date/time.');
		return ms;
	};
	let from: number | undefined;
	let to: number | undefined;
	if (raw.includes(',')) {
		const [a, b] = raw.split(',', 2).map((s) => s.trim());
		from = parse(a);
		to = parse(b);
	} else {
		from = parse(raw.trim());
		to = /^\d{4}-\d{2}-\d{2}$/.test(raw.trim()) && from !== undefined ? from + 86_400_000 - 1 : from;
	}
	return (value) => {
		if (value === null) return false;
		const ms = Date.parse(value);
		return (from === undefined || ms >= from) && (to === undefined || ms <= to);
	};
}

/** The filters of GET /codes/download/ as one predicate; bad values answer 400 as django-filter does. */
function codeFilter(ctx: Ctx, query: URLSearchParams): (code: CodeView) => boolean {
	const tests: Array<(code: CodeView) => boolean> = [];
	const get = (name: string) => {
		const value = query.get(name);
		return value === null || value.trim() === '' ? undefined : value.trim();
	};
	const integer = (name: string): number | undefined => {
		const value = get(name);
		if (value === undefined) return undefined;
		if (!/^\d+$/.test(value)) throw invalid(name, 'Enter a number.');
		return Number(value);
	};
	const campaign = integer('campaign');
	if (campaign !== undefined) tests.push((c) => c.campaign === campaign);
	const workorder = integer('workorder');
	if (workorder !== undefined) tests.push((c) => c.workorder_id === workorder);
	const brands = get('brands');
	if (brands !== undefined) {
		const wanted = ids('brands', brands);
		tests.push((c) => {
			const product = productById(ctx, c.product);
			const brand = product?.brand.id ?? ctx.state.workOrders.find((w) => w.id === c.workorder_id)?.brand?.id;
			return brand !== undefined && wanted.has(brand);
		});
	}
	const products = get('products');
	if (products !== undefined) {
		const wanted = ids('products', products);
		tests.push((c) => c.product !== null && wanted.has(c.product));
	}
	const status = get('status');
	if (status !== undefined) {
		if (!['0', '1', '2'].includes(status)) throw invalid('status', `Select a valid choice. ${status} is not one of the available choices.`);
		tests.push((c) => c.activation_status === Number(status));
	}
	const blacklisted = get('blacklisted');
	if (blacklisted !== undefined) {
		const yes = ['true', 'True', '1'].includes(blacklisted);
		if (!yes && !['false', 'False', '0'].includes(blacklisted)) throw invalid('blacklisted', 'Enter a valid boolean.');
		tests.push((c) => (c.activation_status === 2) === yes);
	}
	for (const [name, pick] of [
		['activated_at', (c: CodeView) => c.activated_at],
		['updated_at', (c: CodeView) => c.updated_at],
	] as const) {
		const raw = get(name);
		if (raw !== undefined) {
			const within = timeRange(name, raw);
			tests.push((c) => within(pick(c)));
		}
	}
	for (const name of ['serial_number', 'extended_id'] as const) {
		const value = get(name);
		if (value !== undefined) tests.push((c) => c[name] === value);
	}
	const activatedBy = integer('activated_by');
	if (activatedBy !== undefined) tests.push((c) => activatedBy === ME.id && c.activated_by === ME.email);
	for (const [name, value] of query) {
		if (name.startsWith('scm_') && value !== '') tests.push((c) => c.scm[name.slice(4)] === value);
	}
	return (code) => tests.every((test) => test(code));
}

function csvField(value: string): string {
	return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The CSV of every code the filters select, with one column per SCM key of the campaigns. */
function buildCsv(ctx: Ctx, query: URLSearchParams): Buffer {
	const accept = codeFilter(ctx, query);
	const scmKeys = [...new Set(ctx.state.campaigns.flatMap((c) => c.scm_fields))];
	const lines = [[...EXPORT_COLUMNS, ...scmKeys].join(',')];
	forEachCode(ctx, (ref) => {
		const code = viewOf(ctx, ref);
		if (!accept(code)) return;
		const product = productById(ctx, code.product);
		const brand = product?.brand.name ?? ref.wo.brand?.name ?? '';
		const values = [
			code.extended_id,
			code.serial_number,
			brand,
			product?.name ?? '',
			product?.sku ?? '',
			String(code.activation_status),
			String(code.blacklist_reason),
			code.scm_updated_by ?? '',
			code.scm_updated_at ?? '',
			code.activated_by ?? '',
			code.activated_at ?? '',
			String(code.workorder_id),
			...scmKeys.map((key) => code.scm[key] ?? ''),
		];
		lines.push(values.map(csvField).join(','));
	});
	return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/** GET /api/v2/codes/download/: checks the filters at once, then makes the file in the background. */
export function startExport(ctx: Ctx, query: URLSearchParams): Reply {
	codeFilter(ctx, query);
	const now = Date.now();
	const document: ExportDocument = {
		key: randomString(12),
		task: `b'rq:job:${randomUUID()}'`,
		status: DOCUMENT_STATUS.pending,
		created_at: isoMicro(),
		completed_at: null,
		query: new URLSearchParams(query),
		readyAt: now + ctx.options.exportDelayMs,
	};
	ctx.state.documents.push(document);
	ctx.timers.after(ctx.options.exportDelayMs, () => settleDocuments(ctx));
	return { status: 200, body: { document: documentView(document) } };
}

/** Documents move pending -> processing -> complete; the CSV is a snapshot taken when it completes. */
export function settleDocuments(ctx: Ctx): void {
	const now = Date.now();
	for (const document of ctx.state.documents) {
		if (document.status === DOCUMENT_STATUS.complete) continue;
		if (now >= document.readyAt) {
			document.csv = buildCsv(ctx, document.query);
			document.status = DOCUMENT_STATUS.complete;
			document.completed_at = isoMicro();
		} else document.status = DOCUMENT_STATUS.processing;
	}
}

function documentView(document: ExportDocument) {
	const { key, task, status, created_at, completed_at } = document;
	return { key, task, status, created_at, completed_at };
}

function findDocument(ctx: Ctx, key: string): ExportDocument {
	settleDocuments(ctx);
	const document = ctx.state.documents.find((d) => d.key === key);
	if (!document) throw notFound();
	return document;
}

export function documentDetail(ctx: Ctx, key: string): Reply {
	return { status: 200, body: documentView(findDocument(ctx, key)) };
}

export function documentLink(ctx: Ctx, key: string): Reply {
	const document = findDocument(ctx, key);
	if (document.status !== DOCUMENT_STATUS.complete) throw badRequest('The document is not ready yet.');
	return { status: 200, body: { [DOWNLOAD_LINK_FIELD]: presignedGetUrl(ctx, exportObjectPath(document.key)) } };
}

/** The storage origin's answer for an export object (its signature already checked). */
export function exportObject(ctx: Ctx, objectPath: string): Reply | undefined {
	const match = EXPORT_OBJECT.exec(objectPath);
	if (!match) return undefined;
	const document = ctx.state.documents.find((d) => d.key === match[1]);
	if (!document?.csv) return undefined;
	return { status: 200, headers: { 'Content-Type': 'text/csv; charset=utf-8' }, body: document.csv };
}
