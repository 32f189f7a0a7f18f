// Reading and validating own codes (an uploaded file, or the codes of an api-mode request) the way processing would.
import { parse } from 'csv-parse/sync';
import type { Ctx } from './context';
import type { ProcessRequest, StoredUpload } from './types';

const ID_PATTERN = /^[A-Za-z0-9_-]{8,}$/;
const MAX_SID_ID_LENGTH = 100;
const ACTIVATION_STATUSES = new Set(['0', '1', '2']);

/**
 * Ids with `id_format: gs1` (unverified: Scantrust documents the choice, not the format). Assumed: a GS1 element
 * string without parentheses, GTIN (AI 01, 14 digits, valid check digit) then serial number (AI 21).
 */
export const GS1_ID_PATTERN = /^01(\d{14})21([A-Za-z0-9_-]{1,20})$/;

/** The GS1 mod-10 check digit of a GTIN-14 holds. */
function gtinCheckDigitHolds(gtin: string): boolean {
	let sum = 0;
	for (let i = 0; i < 13; i++) sum += Number(gtin[i]) * (i % 2 === 0 ? 3 : 1);
	return (10 - (sum % 10)) % 10 === Number(gtin[13]);
}

function idIsValid(id: string, idFormat: string | undefined): boolean {
	if (!ID_PATTERN.test(id) || id.length > MAX_SID_ID_LENGTH) return false;
	if (idFormat !== 'gs1') return true;
	const gs1 = GS1_ID_PATTERN.exec(id);
	return gs1 !== null && gtinCheckDigitHolds(gs1[1]);
}

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

/** Reads and validates an uploaded file. */
export function evaluateUpload(ctx: Ctx, upload: StoredUpload, filetype: string, request: ProcessRequest): IngestionOutcome {
	const rows = readRows(upload, filetype);
	if (typeof rows === 'string') return fail('file_error', [rows]);
	if (rows.length === 0) return fail('file_error', ['The file contains no codes.']);
	return evaluateRows(ctx, rows, request);
}

/** Validates every row; with allow_posted_duplicates the first of equal ids is kept and the rest ignored. */
export function evaluateRows(ctx: Ctx, rows: Record<string, unknown>[], request: ProcessRequest): IngestionOutcome {
	const found = {} as Record<ErrorKey, Set<string>>;
	for (const key of INGESTION_ERROR_KEYS) found[key] = new Set();
	const skus = new Set(ctx.state.products.map((p) => p.sku));
	const seen = new Set<string>();
	const kept: Record<string, unknown>[] = [];
	for (const row of rows) {
		const id = typeof row.id === 'number' ? String(row.id) : typeof row.id === 'string' ? row.id : '';
		if (!idIsValid(id, request.idFormat)) found.invalid_id_error.add(id);
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
