/**
 * Own codes (ingestion) file builder: turns n8n items or an uploaded CSV/JSON file into the upload file(s)
 * for Scantrust's code ingestion (SPEC section 4, seed 002), after checking every code.
 *
 * Pure: plain types only, no n8n imports, no disk, no network. Bad data throws a DataError naming the
 * item / line and the field; the node turns it into a NodeOperationError. All problems are collected first
 * and reported together (the first MAX_REPORTED_PROBLEMS plus the total), so nothing is sent half-checked.
 *
 * Design choices:
 * - The output is always CSV (`filetype: 'csv'`), JSON input is converted: one format to check and to split by
 *   bytes at row boundaries, and it is the format seed 002 documents (header, id / product /
 *   activation_status / SCM columns); the JSON layout Scantrust expects is not documented.
 * - Size: an upload file may be at most MAX_UPLOAD_BYTES (100 MB). Larger inputs are SPLIT into several files of
 *   at most that size, each with the header, rows never cut, in input order. The duplicate check spans all of
 *   them (one Map over the whole input). The caller uploads each file as its own ingestion record. With allowed
 *   posted duplicates, a duplicate stays in the file of its first occurrence (Scantrust keeps the first there) but
 *   is left out of later files, where Scantrust would reject it as an existing id (`droppedDuplicates`).
 * - CSV files are checked on their bytes and passed through (see ./ownCodesCsv.ts): a valid file that fits in
 *   one upload file comes back as a view of the input without BOM (no copy; do not modify `data` afterwards).
 *   Rows keep their line breaks (LF or CRLF). Rows this module writes itself (items, JSON, bare-CR CSV) are
 *   RFC 4180: values with a comma, quote or line break in quotes, quotes doubled, CRLF line breaks.
 * - Column names are trimmed; `id`, `product` and `activation_status` are recognised in any case and written
 *   in lower case (`ID` -> `id`). Other columns are SCM keys and keep their spelling.
 * - Blank lines in a CSV are skipped, and so are rows of only empty values (",,," from spreadsheets). A UTF-8 BOM is removed (Scantrust would otherwise see a column "\uFEFFid").
 */
import { DataError } from './DataError';
import { buildFromCsvBytes } from './ownCodesCsv';
import {
	CodeChecker,
	ID_COLUMN,
	STATUS_COLUMN,
	SplitWriter,
	canonicalColumn,
	csvRow,
	fileLimit,
	firstInvalidUtf8,
	showValue,
	type OwnCodesFile,
	type RowNaming,
} from './ownCodesCore';

export {
	ID_MAX_LENGTH,
	ID_MIN_LENGTH,
	ID_PATTERN,
	MAX_REPORTED_PROBLEMS,
	MAX_UPLOAD_BYTES,
	type OwnCodesFile,
} from './ownCodesCore';

/** An item's `json` (IDataObject is assignable to this). */
export type ItemJson = Readonly<Record<string, unknown>>;

/** One entry of the fields-to-columns mapping: item property `field` becomes CSV column `column`. */
export interface FieldColumn {
	field: string;
	column: string;
}

export interface BuildFromItemsOptions {
	/** Top-level property of each item holding the id (a plain name, not a dotted path). */
	idField: string;
	/** Item property -> CSV column. Empty: every other top-level scalar property becomes a column (see buildFromItems). */
	mapping: readonly FieldColumn[];
	/** Keep duplicate ids (Scantrust ingests the first); otherwise they are an error naming both items. */
	allowPostedDuplicates: boolean;
	/** Size limit per upload file, default MAX_UPLOAD_BYTES (smaller values are for tests). */
	maxFileBytes?: number;
}

export interface BuildFromFileOptions {
	allowPostedDuplicates: boolean;
	maxFileBytes?: number;
}

export type OwnCodesFileType = 'csv' | 'json';

/** Where the values of one output column come from. */
interface ColumnSource {
	name: string;
	/** Properties feeding the column; more than one only when names differ by case or spaces (`Product`, `product`). */
	keys: string[];
}

interface ObjectsConfig {
	naming: RowNaming;
	columns: ColumnSource[];
	emptyMessage: string;
	allowPostedDuplicates: boolean;
	maxBytes: number;
}

/** Turns one value into a CSV cell, or returns an explanation why it cannot be one. */
function cellOf(value: unknown): { cell: string } | { problem: string } {
	switch (typeof value) {
		case 'undefined':
			return { cell: '' };
		case 'string':
			return { cell: value };
		case 'number':
			return Number.isFinite(value) ? { cell: String(value) } : { problem: `${String(value)} is not a number a CSV cell can hold` };
		case 'boolean':
		case 'bigint':
			return { cell: String(value) };
		default:
			if (value === null) return { cell: '' };
			return {
				problem: `is ${Array.isArray(value) ? 'a list' : 'an object'}; only text, numbers and true/false can go in a CSV column (map a property inside it instead)`,
			};
	}
}

function isScalar(value: unknown): boolean {
	const t = typeof value;
	return t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint';
}

/** Checks objects and writes them as CSV rows: id first, then the other columns. */
function buildFromObjects(objects: readonly unknown[], cfg: ObjectsConfig): OwnCodesFile {
	const { naming, columns } = cfg;
	const names = columns.map((c) => c.name);
	const writer = new SplitWriter(Buffer.from(csvRow(names), 'utf8'), cfg.maxBytes, naming);
	const checker = new CodeChecker(naming, cfg.allowPostedDuplicates);
	const cells: string[] = new Array<string>(columns.length).fill('');
	/** First occurrence of the current row's id when it is an allowed duplicate. */
	let firstOfId: number | undefined;

	for (let i = 0; i < objects.length; i++) {
		firstOfId = undefined;
		const obj = objects[i];
		if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
			checker.report(i, undefined, `is ${obj === null ? 'null' : Array.isArray(obj) ? 'a list' : `a ${typeof obj}`}, not an object with an id`);
			checker.codeCount++;
			continue;
		}
		const record = obj as Record<string, unknown>;
		for (let c = 0; c < columns.length; c++) {
			const { name, keys } = columns[c];
			let key = keys[0];
			let value = record[key];
			for (let k = 1; k < keys.length; k++) {
				const other = record[keys[k]];
				if (other === undefined) continue;
				if (value !== undefined) {
					checker.report(i, undefined, `the properties ${showValue(key)} and ${showValue(keys[k])} both give the column ${showValue(name)}; keep one`);
				}
				key = keys[k];
				value = other;
			}
			cells[c] = '';
			if (c === 0) {
				checkObjectId(checker, value, i, key);
				continue;
			}
			const converted = cellOf(value);
			if ('problem' in converted) {
				checker.report(i, key, converted.problem);
				continue;
			}
			cells[c] = name === STATUS_COLUMN ? checker.checkStatus(value, i, key, false) : converted.cell;
		}
		// Once something is wrong no file is built: only the checking goes on, to report every problem at once.
		if (checker.problems.total === 0) writer.addText(csvRow(cells), i, firstOfId);
	}
	checker.finish(cfg.emptyMessage);
	const { files, counts, dropped } = writer.finish();
	return { files, filetype: 'csv', codeCount: checker.codeCount, codeCounts: counts, columns: names, droppedDuplicates: dropped };

	function checkObjectId(ch: CodeChecker, value: unknown, i: number, field: string): void {
		if (typeof value === 'string') {
			firstOfId = ch.checkId(value, i, field);
			cells[0] = value;
		} else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
			firstOfId = ch.checkId(String(value), i, field);
			cells[0] = String(value);
		} else {
			ch.codeCount++;
			if (value === undefined || value === null) ch.report(i, field, 'missing; every code needs an id');
			else ch.report(i, field, `${JSON.stringify(value) ?? String(value)} is not text; the id must be text`);
		}
	}
}

/**
 * Columns found automatically: `id` first (fed by idKeys), then the properties over all objects in first-seen
 * order, named by canonicalColumn; `include` decides which properties become columns.
 */
function discoverColumns(
	objects: readonly unknown[],
	idKeys: string[],
	include: (key: string, column: string, value: unknown) => boolean,
): ColumnSource[] {
	const byName = new Map<string, ColumnSource>();
	const id: ColumnSource = { name: ID_COLUMN, keys: idKeys };
	byName.set(ID_COLUMN, id);
	const known = new Set<string>(idKeys);
	const out: ColumnSource[] = [id];
	for (const obj of objects) {
		if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) continue;
		for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
			if (known.has(key)) continue;
			const column = canonicalColumn(key);
			if (column === '' || !include(key, column, value)) continue;
			known.add(key);
			const existing = byName.get(column);
			if (existing) {
				existing.keys.push(key);
			} else {
				const source = { name: column, keys: [key] };
				byName.set(column, source);
				out.push(source);
			}
		}
	}
	return out;
}

/**
 * Builds the upload file(s) from n8n items (their `json`).
 *
 * - `idField` is a top-level property name (no dotted paths); its value must be text (or a whole number).
 * - With a `mapping`, exactly those properties become columns, named as mapped, in mapping order.
 * - With an empty mapping, every other top-level property holding text, a number or true/false in some item
 *   becomes a column under its own name, in first-seen order. Objects, lists and properties that are only
 *   ever null are left out, and so are other properties named `id` (any case), so that e.g. a database row's
 *   own `id` does not clash with the code id.
 * - A missing value is an empty cell. Errors name the item by its 0-based index ("Item 3") and the property.
 */
export function buildFromItems(items: readonly ItemJson[], opts: BuildFromItemsOptions): OwnCodesFile {
	const maxBytes = fileLimit(opts.maxFileBytes);
	const idField = (opts.idField ?? '').trim();
	if (idField === '') throw new DataError('The id field is empty: give the name of the item property that holds the code id');
	if (!Array.isArray(items) || items.length === 0) {
		throw new DataError('No codes to upload: the input has no items', 'Scantrust needs at least one code per upload.');
	}
	let columns: ColumnSource[];
	const mapping = opts.mapping ?? [];
	if (mapping.length > 0) {
		columns = [{ name: ID_COLUMN, keys: [idField] }];
		const seen = new Map<string, number>();
		mapping.forEach((m, k) => {
			const field = (m.field ?? '').trim();
			const column = canonicalColumn(m.column ?? '');
			if (field === '') throw new DataError(`Column mapping ${k + 1}: the item field is empty`);
			if (column === '') throw new DataError(`Column mapping ${k + 1} (field ${showValue(field)}): the column name is empty`);
			if (column === ID_COLUMN) {
				throw new DataError(
					`Column mapping ${k + 1} (field ${showValue(field)}): the column "id" is reserved for the id field (${showValue(idField)})`,
				);
			}
			const first = seen.get(column);
			if (first !== undefined) {
				throw new DataError(`Column mapping ${k + 1}: the column ${showValue(column)} is already used by mapping ${first + 1}`);
			}
			seen.set(column, k);
			columns.push({ name: column, keys: [field] });
		});
	} else {
		columns = discoverColumns(items, [idField], (_key, column, value) => column !== ID_COLUMN && isScalar(value));
	}
	return buildFromObjects(items, {
		naming: { label: (i) => `Item ${i}` },
		columns,
		emptyMessage: 'No codes to upload: the input has no items',
		allowPostedDuplicates: opts.allowPostedDuplicates,
		maxBytes,
	});
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function lineOf(data: Buffer, offset: number): number {
	let line = 1;
	for (let i = data.indexOf(0x0a); i !== -1 && i < offset; i = data.indexOf(0x0a, i + 1)) line++;
	return line;
}

/** Rejects what is not a UTF-8 text file of the declared type, with a hint what to do. */
function checkBytes(data: Buffer, filetype: OwnCodesFileType, start: number): void {
	const say = filetype === 'csv' ? 'CSV' : 'JSON';
	const fix = filetype === 'csv' ? 'Save it as "CSV UTF-8 (comma delimited)".' : 'Save it as UTF-8 JSON.';
	if ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)) {
		throw new DataError(`The ${say} file is UTF-16 encoded (e.g. Excel's "Unicode Text"); Scantrust needs UTF-8`, fix);
	}
	const head = data.subarray(0, 8).toString('latin1');
	const kinds: Array<[string, string]> = [
		['PK\x03\x04', 'a zip archive or an Excel workbook (.xlsx)'],
		['\xd0\xcf\x11\xe0', 'an old Excel workbook (.xls)'],
		['%PDF', 'a PDF document'],
		['\x1f\x8b', 'a gzip archive'],
	];
	for (const [magic, what] of kinds) {
		if (head.startsWith(magic)) throw new DataError(`The file is not a ${say} file: it looks like ${what}`, fix);
	}
	const nul = data.subarray(start, start + 65536).indexOf(0);
	if (nul !== -1 && (data[start] === 0 || data[start + 1] === 0)) {
		throw new DataError(`The ${say} file looks UTF-16 encoded (e.g. Excel's "Unicode Text"); Scantrust needs UTF-8`, fix);
	}
	if (nul !== -1) throw new DataError(`The file is not a ${say} text file: it contains binary data (line ${lineOf(data, start + nul)})`, fix);
	let first = start;
	while (first < data.length && (data[first] === 0x20 || data[first] === 0x09 || data[first] === 0x0a || data[first] === 0x0d)) first++;
	if (first >= data.length) throw new DataError(`The ${say} file is empty`, 'It needs a header line with an "id" column and one row per code.');
	const c = data[first];
	const looksJson = c === 0x5b || c === 0x7b; // [ {
	if (filetype === 'csv' && looksJson) {
		throw new DataError(
			`The file is declared as CSV but looks like JSON (it starts with "${String.fromCharCode(c)}")`,
			'Choose the JSON file type (a .json name or an application/json MIME type), or upload a CSV with an "id" header.',
		);
	}
	if (filetype === 'json' && !looksJson) {
		const start40 = data.subarray(first, first + 40).toString('utf8').split(/\r?\n/)[0];
		throw new DataError(
			`The file is declared as JSON but does not start with "[": it starts with ${showValue(start40)}`,
			'A JSON code file is an array of objects like [{"id": "abc12345", "product": "sku1"}]. If this is a CSV file, declare it as CSV.',
		);
	}
	const bad = firstInvalidUtf8(data, start);
	if (bad !== -1) {
		throw new DataError(
			`Line ${lineOf(data, bad)} of the ${say} file is not valid UTF-8 (byte 0x${data[bad].toString(16).toUpperCase()} at byte offset ${bad})`,
			`The file seems to be in another encoding, e.g. Windows-1252. ${fix}`,
		);
	}
}

/** A JSON.parse error as a DataError, with line and column when V8 gives a position. */
function unreadableJson(error: unknown, text: string): DataError {
	const message = (error as Error).message;
	const at = /position (\d+)/.exec(message);
	let where = '';
	if (at) {
		const pos = Number(at[1]);
		const before = text.slice(0, pos);
		const line = before.split('\n').length;
		where = ` (line ${line}, column ${pos - before.lastIndexOf('\n')})`;
	}
	return new DataError(
		`The JSON file could not be read${where}: ${message}`,
		'A JSON code file is an array of objects like [{"id": "abc12345", "product": "sku1"}].',
	);
}

function buildFromJsonBytes(data: Buffer, start: number, opts: { allowPostedDuplicates: boolean; maxBytes: number }): OwnCodesFile {
	const text = data.toString('utf8', start);
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw unreadableJson(error, text);
	}
	if (!Array.isArray(parsed)) {
		const what = parsed === null ? 'null' : typeof parsed === 'object' ? 'an object' : `a ${typeof parsed}`;
		let hint = '';
		if (typeof parsed === 'object' && parsed !== null) {
			const arrays = Object.entries(parsed).filter(([, v]) => Array.isArray(v));
			if (arrays.length === 1) hint = ` Its property ${showValue(arrays[0][0])} is a list: upload that list on its own.`;
		}
		throw new DataError(
			`The JSON file must be an array of objects, but it is ${what}`,
			`Expected e.g. [{"id": "abc12345", "product": "sku1"}].${hint}`,
		);
	}
	if (parsed.length === 0) throw new DataError('The JSON file is an empty array: there are no codes to upload');
	// Every key whose name is "id" in any case is the id; every other key is a column (objects in it are errors).
	const idKeys: string[] = [];
	const columns = discoverColumns(parsed, idKeys, (key, column) => {
		if (column !== ID_COLUMN) return true;
		if (!idKeys.includes(key)) idKeys.push(key);
		return false;
	});
	if (idKeys.length === 0) idKeys.push(ID_COLUMN);
	return buildFromObjects(parsed, {
		naming: { label: (i) => `Array index ${i}` },
		columns,
		emptyMessage: 'The JSON file has no codes',
		allowPostedDuplicates: opts.allowPostedDuplicates,
		maxBytes: opts.maxBytes,
	});
}

/**
 * Builds the upload file(s) from the bytes of a CSV or JSON file.
 *
 * - CSV: UTF-8 (a BOM is removed), comma separated, LF or CRLF line breaks, RFC 4180 quotes; the first
 *   non-blank line is the header and must have an `id` column; other columns are passed through. Errors name
 *   the line (1-based, the header counts: the first data row is "Line 2") and the column.
 * - JSON: an array of objects with an `id`; every other property is a column (first-seen order). Errors name
 *   the array index (0-based) and the property. The result is CSV.
 */
export function buildFromFile(data: Buffer, filetype: OwnCodesFileType, opts: BuildFromFileOptions): OwnCodesFile {
	const maxBytes = fileLimit(opts.maxFileBytes);
	if (!Buffer.isBuffer(data)) throw new DataError('No file data: expected the bytes of a CSV or JSON file');
	if (filetype !== 'csv' && filetype !== 'json') {
		throw new DataError(`Unsupported file type ${showValue(String(filetype))}: Scantrust takes CSV or JSON code files`);
	}
	if (data.length === 0) throw new DataError(`The ${filetype === 'csv' ? 'CSV' : 'JSON'} file is empty`);
	const start = UTF8_BOM.every((b, i) => data[i] === b) ? 3 : 0;
	checkBytes(data, filetype, start);
	return filetype === 'csv'
		? buildFromCsvBytes(data, start, opts.allowPostedDuplicates, maxBytes)
		: buildFromJsonBytes(data, start, { allowPostedDuplicates: opts.allowPostedDuplicates, maxBytes });
}

const CSV_MIME = new Set(['text/csv', 'application/csv', 'text/comma-separated-values', 'text/x-csv', 'application/x-csv']);
const JSON_MIME = new Set(['application/json', 'text/json', 'application/x-json']);

/**
 * The file type from a MIME type or, when that says nothing specific (text/plain, application/octet-stream,
 * application/vnd.ms-excel which Windows gives .csv files, ...), from the file name's extension.
 * undefined when neither tells.
 */
export function detectFileType(fileName?: string, mimeType?: string): OwnCodesFileType | undefined {
	const mime = (mimeType ?? '').split(';')[0].trim().toLowerCase();
	if (CSV_MIME.has(mime)) return 'csv';
	if (JSON_MIME.has(mime) || mime.endsWith('+json')) return 'json';
	const ext = /\.([A-Za-z0-9]+)\s*$/.exec(fileName ?? '')?.[1].toLowerCase();
	if (ext === 'csv') return 'csv';
	if (ext === 'json') return 'json';
	return undefined;
}
