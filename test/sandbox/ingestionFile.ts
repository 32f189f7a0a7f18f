// Reading and validating an uploaded own-codes file (SPEC section 4, seed 002) the way processing would.
import { parse } from 'csv-parse/sync';
import type { Ctx } from './context';
import type { ProcessRequest, StoredUpload } from './types';

const ID_PATTERN = /^[A-Za-z0-9_-]{8,}$/;
const MAX_SID_ID_LENGTH = 100;
const ACTIVATION_STATUSES = new Set(['0', '1', '2']);

/** Error categories in result_data.errors, in the order they are reported. Only duplicate_id_error is documented (seed 002). */
export const INGESTION_ERROR_KEYS = [
	'file_error',
	'invalid_id_error',
	'duplicate_id_error',
	'existing_id_error',
	'invalid_product_error',
	'invalid_activation_status_error',
] as const;
type ErrorKey = (typeof INGESTION_ERROR_KEYS)[number];

export type IngestionOutcome =
	| { ok: true; rows: Record<string, unknown>[]; ids: string[] }
	| { ok: false; errors: Partial<Record<ErrorKey, string[]>>[] };

const fail = (key: ErrorKey, messages: string[]): IngestionOutcome => ({ ok: false, errors: [{ [key]: messages }] });

/** Rows of the file as objects, or the reason the file cannot be read. */
export function readRows(upload: StoredUpload, filetype: string): Record<string, unknown>[] | string {
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(upload.content);
	} catch {
		return 'The file is not UTF-8 encoded.';
	}
	if (filetype === 'json') {
		let data: unknown;
		try {
			data = JSON.parse(text.replace(/^\uFEFF/, ''));
		} catch (e) {
			return `Invalid JSON: ${(e as Error).message}`;
		}
		if (!Array.isArray(data) || data.some((row) => row === null || typeof row !== 'object' || Array.isArray(row))) {
			return 'The JSON file must hold a list of objects.';
		}
		return data as Record<string, unknown>[];
	}
	let header: string[] = [];
	try {
		const rows = parse(text, {
			bom: true,
			skip_empty_lines: true,
			columns: (names: string[]) => (header = names.map((n) => n.trim())),
		}) as Record<string, unknown>[];
		if (!header.includes('id')) return 'The file has no "id" column (a header row with a column "id" is required).';
		return rows;
	} catch (e) {
		return `Invalid CSV: ${(e as Error).message}`;
	}
}

const filled = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Validates every row; with allow_posted_duplicates the first of equal ids is kept and the rest ignored. */
export function evaluateUpload(ctx: Ctx, upload: StoredUpload, filetype: string, request: ProcessRequest): IngestionOutcome {
	const rows = readRows(upload, filetype);
	if (typeof rows === 'string') return fail('file_error', [rows]);
	if (rows.length === 0) return fail('file_error', ['The file contains no codes.']);

	const found = {} as Record<ErrorKey, Set<string>>;
	for (const key of INGESTION_ERROR_KEYS) found[key] = new Set();
	const skus = new Set(ctx.state.products.map((p) => p.sku));
	const seen = new Set<string>();
	const kept: Record<string, unknown>[] = [];
	for (const row of rows) {
		const id = typeof row.id === 'number' ? String(row.id) : typeof row.id === 'string' ? row.id : '';
		if (!ID_PATTERN.test(id) || id.length > MAX_SID_ID_LENGTH) found.invalid_id_error.add(id);
		if (seen.has(id)) {
			if (!request.allowPostedDuplicates) found.duplicate_id_error.add(id);
			continue;
		}
		seen.add(id);
		if (ctx.state.knownCodeIds.has(id)) found.existing_id_error.add(id);
		if (filled(row.product) && !skus.has(String(row.product))) found.invalid_product_error.add(String(row.product));
		if (filled(row.activation_status) && !ACTIVATION_STATUSES.has(String(row.activation_status))) found.invalid_activation_status_error.add(id);
		kept.push(row);
	}
	const errors = INGESTION_ERROR_KEYS.filter((k) => found[k].size > 0).map((k) => ({ [k]: [...found[k]] }));
	if (errors.length > 0) return { ok: false, errors };
	return { ok: true, rows: kept, ids: kept.map((row) => String(row.id)) };
}
