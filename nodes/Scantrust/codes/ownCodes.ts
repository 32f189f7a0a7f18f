/**
 * Own codes (ingestion): n8n items or a CSV/JSON file -> the upload file(s), every code checked first. Pure (no n8n,
 * disk or network). The output is CSV, the format Scantrust documents: CSV input keeps its line break, the rest CRLF.
 */
import { DataError } from './DataError';
import { firstNonUtf8Line, startsUtf16, withoutBom } from './encoding';
import { ID_COLUMN, ID_PATTERN, MAX_UPLOAD_BYTES, STATUS_COLUMN, UploadBuilder, canonicalColumn, mayRepeat, type OwnCodesFile, type RowNaming } from './ownCodesCore';
import { showValue } from './showValue';
import { readUserCsv } from './userCsv';

export { MAX_REPORTED_PROBLEMS, MAX_UPLOAD_BYTES, type OwnCodesFile } from './ownCodesCore';

/** Item property `field` becomes CSV column `column`. */
export type FieldColumn = { field: string; column: string };

/** allowPostedDuplicates: keep repeated ids (Scantrust ingests the first), else each is an error naming both rows. */
export type BuildFromFileOptions = { allowPostedDuplicates: boolean; maxFileBytes?: number };
/** idField: the top-level property holding the id; mapping: empty means every other scalar property is a column. */
export type BuildFromItemsOptions = BuildFromFileOptions & { idField: string; mapping: readonly FieldColumn[] };
export type OwnCodesFileType = 'csv' | 'json';

/** Output columns and, for each, the properties feeding it (several only when names differ by case or spaces). */
type Table = { columns: string[]; sources: string[][] };

const isScalar = (value: unknown) => ['string', 'number', 'boolean', 'bigint'].includes(typeof value);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`);

/** Turns one value into a CSV cell, or says why it cannot be one. */
function cellOf(value: unknown): { text: string; problem?: string } {
	if (value === undefined || value === null) return { text: '' };
	if (typeof value === 'number' && !Number.isFinite(value)) return { text: '', problem: `${value} is not a number a CSV cell can hold` };
	if (isScalar(value)) return { text: String(value) };
	return { text: '', problem: `is ${kindOf(value)}; only text, numbers and true/false can go in a CSV column (map a property inside it instead)` };
}

/** Checks objects (items or a JSON array) and writes them as CSV rows, id first. */
function buildFromObjects(objects: readonly unknown[], { columns, sources }: Table, naming: RowNaming, emptyMessage: string, opts: BuildFromFileOptions): OwnCodesFile {
	const out = new UploadBuilder(columns, '\r\n', naming, opts.allowPostedDuplicates, opts.maxFileBytes ?? MAX_UPLOAD_BYTES);
	objects.forEach((obj, i) => {
		if (!isRecord(obj)) {
			out.codeCount++;
			return out.report(i, undefined, `is ${kindOf(obj)}, not an object with an id`);
		}
		const cells = columns.map(() => '');
		for (let c = 0; c < columns.length; c++) {
			const present = sources[c].filter((key) => obj[key] !== undefined);
			const [first, second] = present;
			if (second !== undefined) out.report(i, undefined, `the properties ${showValue(first)} and ${showValue(second)} both give the column ${showValue(columns[c])}; keep one`);
			const field = present[0] ?? sources[c][0];
			const value = obj[field];
			if (c === 0) {
				const id = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
				cells[0] = typeof id === 'string' ? id : '';
				out.checkId(id, i, field);
				continue;
			}
			const cell = cellOf(value);
			if (cell.problem !== undefined) out.report(i, field, cell.problem);
			else cells[c] = columns[c] === STATUS_COLUMN ? out.checkStatus(value, i, field, false) : cell.text;
		}
		out.write(cells, i, cells[0]);
	});
	return out.finish(emptyMessage);
}

/** `id` (fed by idKeys) first, then in first-seen order the properties `include` accepts, named by canonicalColumn. */
function discoverColumns(objects: readonly unknown[], idKeys: string[], include: (column: string, value: unknown) => boolean): Table {
	const table: Table = { columns: [ID_COLUMN], sources: [idKeys] };
	const known = new Set(idKeys);
	for (const obj of objects) {
		if (!isRecord(obj)) continue;
		for (const [key, value] of Object.entries(obj)) {
			if (known.has(key)) continue;
			const column = canonicalColumn(key);
			if (column === '' || !include(column, value)) continue;
			known.add(key);
			const c = table.columns.indexOf(column);
			if (c !== -1) table.sources[c].push(key);
			else table.sources[table.columns.push(column) - 1] = [key];
		}
	}
	return table;
}

/**
 * Builds the upload file(s) from n8n items' `json`. With a `mapping` exactly those properties are columns; without,
 * every other top-level text, number or true/false property (first seen first), not objects, lists, nulls or other `id`s.
 */
export function buildFromItems(items: ReadonlyArray<Readonly<Record<string, unknown>>>, opts: BuildFromItemsOptions): OwnCodesFile {
	const idField = (opts.idField ?? '').trim();
	if (idField === '') throw new DataError('The id field is empty: give the name of the item property that holds the code id');
	if (items.length === 0) throw new DataError('No codes to upload: the input has no items', 'Scantrust needs at least one code per upload.');
	const mapping = opts.mapping ?? [];
	let table: Table = { columns: [ID_COLUMN], sources: [[idField]] };
	mapping.forEach((m, k) => {
		const field = (m.field ?? '').trim();
		const column = canonicalColumn(m.column ?? '');
		const where = `Column mapping ${k + 1}${field === '' ? '' : ` (field ${showValue(field)})`}`;
		if (field === '') throw new DataError(`${where}: the item field is empty`);
		if (column === '') throw new DataError(`${where}: the column name is empty`);
		if (column === ID_COLUMN) throw new DataError(`${where}: the column "id" is reserved for the id field (${showValue(idField)})`);
		const first = table.columns.indexOf(column);
		if (first !== -1) throw new DataError(`Column mapping ${k + 1}: the column ${showValue(column)} is already used by mapping ${first}`);
		table.columns.push(column);
		table.sources.push([field]);
	});
	if (mapping.length === 0) table = discoverColumns(items, [idField], (column, value) => column !== ID_COLUMN && isScalar(value));
	return buildFromObjects(items, table, (i) => `Item ${i}`, 'No codes to upload: the input has no items', opts);
}

const NOT_TEXT: Array<[string, string]> = [
	['PK\x03\x04', 'a zip archive or an Excel workbook (.xlsx)'],
	['\xd0\xcf\x11\xe0', 'an old Excel workbook (.xls)'],
];
const JSON_EXAMPLE = 'A JSON code file is an array of objects like [{"id": "abc12345", "product": "sku1"}].';

/** Rejects what is not a UTF-8 text file of the declared type (BOM removed), with a hint what to do. */
function checkBytes(data: Buffer, filetype: OwnCodesFileType): void {
	const say = filetype === 'csv' ? 'CSV' : 'JSON';
	const fix = filetype === 'csv' ? 'Save it as "CSV UTF-8".' : 'Save it as UTF-8 JSON.';
	const utf16 = `The ${say} file is UTF-16 encoded (e.g. Excel's "Unicode Text"); Scantrust needs UTF-8`;
	const kind = NOT_TEXT.find(([magic]) => data.toString('latin1', 0, 8).startsWith(magic));
	if (kind) throw new DataError(`The file is not a ${say} file: it looks like ${kind[1]}`, fix);
	const nul = data.subarray(0, 65536).indexOf(0);
	if (startsUtf16(data) || (nul !== -1 && (data[0] === 0 || data[1] === 0))) throw new DataError(utf16, fix);
	const newline = data.includes(10) ? 10 : 13;
	if (nul !== -1) throw new DataError(`The file is not a ${say} text file: it contains binary data (line ${data.subarray(0, nul).filter((b) => b === newline).length + 1})`, fix);
	const first = data.findIndex((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
	const text = first === -1 ? '' : data.toString('utf8', first, first + 40);
	if (text === '') throw new DataError(`The ${say} file is empty`, 'It needs a header line with an "id" column and one row per code.');
	const looksJson = text[0] === '[' || text[0] === '{';
	if (filetype === 'csv' && looksJson) {
		const hint = 'Choose the JSON file type (a .json name or an application/json MIME type), or upload a CSV with an "id" header.';
		throw new DataError(`The file is declared as CSV but looks like JSON (it starts with "${text[0]}")`, hint);
	}
	if (filetype === 'json' && !looksJson) {
		const start = showValue(text.split(/\r?\n/)[0]);
		throw new DataError(`The file is declared as JSON but does not start with "[": it starts with ${start}`, `${JSON_EXAMPLE} If this is a CSV file, declare it as CSV.`);
	}
	const bad = firstNonUtf8Line(data, newline);
	if (bad) throw new DataError(`Line ${bad.index + 1} of the ${say} file is not valid UTF-8: ${showValue(bad.bytes.toString('latin1'))}`, `It seems to be in another encoding, e.g. Windows-1252. ${fix}`);
}

/** A JSON.parse error with line and column, when V8 gives a position. */
function unreadableJson(error: unknown, text: string): DataError {
	const message = (error as Error).message;
	const pos = Number(/position (\d+)/.exec(message)?.[1] ?? -1);
	const before = text.slice(0, pos);
	const where = pos < 0 ? '' : ` (line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')})`;
	return new DataError(`The JSON file could not be read${where}: ${message}`, JSON_EXAMPLE);
}

function buildFromJson(text: string, opts: BuildFromFileOptions): OwnCodesFile {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw unreadableJson(error, text);
	}
	if (!Array.isArray(parsed)) {
		const lists = isRecord(parsed) ? Object.entries(parsed).filter(([, value]) => Array.isArray(value)) : [];
		const hint = lists.length === 1 ? ` Its property ${showValue(lists[0][0])} is a list: upload that list on its own.` : '';
		throw new DataError(`The JSON file must be an array of objects, but it is ${kindOf(parsed)}`, `${JSON_EXAMPLE}${hint}`);
	}
	if (parsed.length === 0) throw new DataError('The JSON file is an empty array: there are no codes to upload');
	// Every property named "id" in any case feeds the id; every other property is a column (objects in it are errors).
	const table = discoverColumns(parsed, [], () => true);
	if (table.sources[0].length === 0) table.sources[0].push(ID_COLUMN);
	return buildFromObjects(parsed, table, (i) => `Array index ${i}`, 'The JSON file has no codes', opts);
}

/** Checks the header names: without a sound header the rows mean nothing, so these problems are fatal. */
function analyseHeader(rawNames: string[], line: number): { columns: string[]; idCol: number; statusCol: number } {
	const columns = rawNames.map(canonicalColumn);
	const idCol = columns.indexOf(ID_COLUMN);
	if (idCol === -1) {
		let hint = 'The first line must be a header with a column named id, e.g. "id,product,activation_status".';
		if (rawNames.length === 1 && rawNames[0].includes('|')) hint += ' The header looks separated by "|": use commas, semicolons or tabs.';
		else if (ID_PATTERN.test(rawNames[0].trim())) hint += ` The first line looks like data (${showValue(rawNames[0])}), not a header: add a header line.`;
		throw new DataError(`The file has no "id" column (line ${line}, the header, has the columns ${rawNames.map(showValue).join(', ')})`, hint);
	}
	const unnamed = columns.indexOf('');
	const named = 'Every column needs a name: id, product, activation_status or the key of an SCM field (e.g. pallet_number). Remove empty columns, including a trailing delimiter.';
	if (unnamed !== -1) throw new DataError(`Line ${line} (the header): column ${unnamed + 1} has no name`, named);
	const twice = columns.findIndex((name, i) => columns.indexOf(name) !== i);
	if (twice !== -1) throw new DataError(`Line ${line} (the header): the column ${showValue(columns[twice])} appears twice (columns ${columns.indexOf(columns[twice]) + 1} and ${twice + 1})`);
	return { columns, idCol, statusCol: columns.indexOf(STATUS_COLUMN) };
}

/** Blank lines and rows of only empty values (",,," from spreadsheets) are skipped. */
const isEmptyRow = (values: string[]) => values.every((v) => v === '');

function buildFromCsv(data: Buffer, opts: BuildFromFileOptions): OwnCodesFile {
	const { records, eol, commaSeparated, lineOf } = readUserCsv(data, ID_COLUMN);
	const h = records.findIndex((record) => !isEmptyRow(record));
	if (h === -1) throw new DataError('The file is empty: it needs a header line with an "id" column and one row per code');
	const { columns, idCol, statusCol } = analyseHeader(records[h], h + 1); // only blank lines before it
	const limit = opts.maxFileBytes ?? MAX_UPLOAD_BYTES;
	const repeats = mayRepeat(records.map((record) => record[idCol] ?? ''));
	const out = new UploadBuilder(columns, eol, (i) => `Line ${lineOf(i)}`, opts.allowPostedDuplicates, limit, repeats);
	const rows: number[] = [];
	for (let i = h + 1; i < records.length; i++) {
		const values = records[i];
		if (isEmptyRow(values)) continue;
		rows.push(i);
		if (values.length !== columns.length) out.report(i, undefined, `has ${values.length} values but the header has ${columns.length} columns`);
		out.checkId(values[idCol] ?? '', i, ID_COLUMN);
		if (statusCol >= 0) out.checkStatus(values[statusCol], i, STATUS_COLUMN, true);
	}
	const empty = 'The file has a header but no codes: add one row per code below the header';
	out.check(empty);
	// Most files, and the largest, would be written back byte for byte but for the delimiter: they are converted as a whole.
	const asIs = rows.length === records.length - 1 && records[0].join(',') === columns.join(',') ? commaSeparated() : undefined;
	if (asIs && asIs.length <= limit) return out.finish(empty, asIs);
	for (const i of rows) out.write(records[i], i, records[i][idCol]);
	return out.finish(empty);
}

/**
 * Builds the upload file(s) from a UTF-8 CSV or JSON file (a BOM is removed). CSV: comma, semicolon or tab separated,
 * the first non-blank line is the header with an `id` column. JSON: an array of objects with an `id`.
 */
export function buildFromFile(data: Buffer, filetype: OwnCodesFileType, opts: BuildFromFileOptions): OwnCodesFile {
	const body = withoutBom(data);
	checkBytes(body, filetype);
	return filetype === 'csv' ? buildFromCsv(body, opts) : buildFromJson(body.toString('utf8'), opts);
}
