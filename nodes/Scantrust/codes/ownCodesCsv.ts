/**
 * CSV input of the own-codes builder: validates a CSV file byte by byte and passes its rows through.
 *
 * Why a byte scanner and not csv-parse for everything:
 * - memory: 1,000,000 rows are never turned into 1,000,000 arrays of strings: values stay bytes of the input,
 *   ids are validated and hashed on the bytes into a typed-array hash table (./ownCodesIdTable.ts). Rows that pass are
 *   written as slices of the input, merged into contiguous ranges, so a clean file costs one copy for the
 *   output (none at all when it fits in one upload file: the output is then a view of the input);
 * - exact line numbers: csv-parse counts a CRLF inside a quoted value as two lines;
 * - it handles RFC 4180 quoting itself (quoted values, "" escapes, line breaks inside quotes), LF or CRLF.
 * csv-parse remains the fallback for files with a bare CR outside quotes (old Mac line breaks, stray CR):
 * those rows are parsed, checked and re-written as RFC 4180 CSV with CRLF line breaks.
 */
import { parse } from 'csv-parse/sync';
import type { InfoRecord } from 'csv-parse/sync';

import { DataError } from './DataError';
import { ByteIdTable, FNV_OFFSET, FNV_PRIME, mixHash } from './ownCodesIdTable';
import {
	CodeChecker,
	ID_COLUMN,
	ID_MAX_LENGTH,
	ID_MIN_LENGTH,
	ID_PATTERN,
	STATUS_COLUMN,
	SplitWriter,
	canonicalColumn,
	csvRow,
	showValue,
	type OwnCodesFile,
	type RowNaming,
} from './ownCodesCore';

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const F_QUOTED = 1;
const F_ESCAPES = 2;
const F_STRAY_QUOTE = 4;

const RECORD = 0;
const BLANK = 1;
const BARE_CR = 2;

/** Lines are 1-based and count the header line: the first data row is "Line 2". */
const lineNaming: RowNaming = { label: (line) => `Line ${line}` };

/** Byte classes allowed in an id: A-Z a-z 0-9 - _ */
const ID_BYTE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
	const ch = String.fromCharCode(b);
	ID_BYTE[b] = b < 128 && /[A-Za-z0-9_-]/.test(ch) ? 1 : 0;
}

/**
 * Splits one record into fields (content ranges without the quotes) in reusable arrays: no allocation per row.
 */
class RecordScanner {
	readonly starts: number[] = [];
	readonly ends: number[] = [];
	readonly flags: number[] = [];
	count = 0;
	/** Start of the next record. */
	next = 0;
	/** Line breaks inside quoted values of this record. */
	innerLines = 0;
	/** Some field has a quote inside an unquoted value. */
	stray = false;

	constructor(private readonly buf: Buffer) {}

	scan(pos: number, line: number): number {
		const buf = this.buf;
		const len = buf.length;
		this.count = 0;
		this.innerLines = 0;
		this.stray = false;
		if (buf[pos] === LF) {
			this.next = pos + 1;
			return BLANK;
		}
		if (buf[pos] === CR && buf[pos + 1] === LF) {
			this.next = pos + 2;
			return BLANK;
		}
		let i = pos;
		for (;;) {
			const field = this.count++;
			let flags = 0;
			let start: number;
			let end: number;
			if (i < len && buf[i] === QUOTE) {
				flags = F_QUOTED;
				start = i + 1;
				let j = start;
				for (;;) {
					if (j >= len) {
						throw new DataError(
							`Line ${line}: the quoted value in column ${field + 1} is never closed (a closing " is missing)`,
							'In CSV a value in quotes ends with a quote; a quote inside such a value is written twice ("").',
						);
					}
					const c = buf[j];
					if (c === QUOTE) {
						if (buf[j + 1] === QUOTE) {
							flags |= F_ESCAPES;
							j += 2;
							continue;
						}
						break;
					}
					if (c === LF) this.innerLines++;
					j++;
				}
				end = j;
				i = j + 1;
				if (i < len) {
					const c = buf[i];
					if (c !== COMMA && c !== LF && c !== CR) {
						throw new DataError(
							`Line ${line + this.innerLines}: unexpected text after the closing quote of column ${field + 1}`,
							'In CSV a value in quotes must be followed by a comma or the end of the line; a quote inside the value is written twice ("").',
						);
					}
				}
			} else {
				start = i;
				while (i < len) {
					const c = buf[i];
					if (c === COMMA || c === LF || c === CR) break;
					if (c === QUOTE) flags |= F_STRAY_QUOTE;
					i++;
				}
				end = i;
				if (flags !== 0) this.stray = true;
			}
			this.starts[field] = start;
			this.ends[field] = end;
			this.flags[field] = flags;
			if (i >= len) {
				this.next = len;
				return RECORD;
			}
			const c = buf[i];
			if (c === COMMA) {
				i++;
				continue;
			}
			if (c === LF) {
				this.next = i + 1;
				return RECORD;
			}
			if (buf[i + 1] === LF) {
				this.next = i + 2;
				return RECORD;
			}
			return BARE_CR;
		}
	}

	/** Every field of the record is empty (the record may still be only commas). */
	allEmpty(): boolean {
		for (let f = 0; f < this.count; f++) if (this.ends[f] !== this.starts[f]) return false;
		return true;
	}

	/** The value of a field as text (quotes removed, "" unescaped). */
	text(field: number): string {
		const value = this.buf.toString('utf8', this.starts[field], this.ends[field]);
		return this.flags[field] & F_ESCAPES ? value.replace(/""/g, '"') : value;
	}
}

interface Header {
	columns: string[];
	idCol: number;
	statusCol: number;
}

/** Checks the header names (fatal errors: without a sound header the rows mean nothing). */
export function analyseHeader(rawNames: string[], line: number): Header {
	const columns = rawNames.map(canonicalColumn);
	const idCol = columns.indexOf(ID_COLUMN);
	if (idCol === -1) {
		const found = rawNames.map((n) => showValue(n)).join(', ');
		const hints: string[] = ['The first line must be a header with a column named id, e.g. "id,product,activation_status".'];
		if (rawNames.length === 1 && /[;\t|]/.test(rawNames[0])) {
			hints.push('The header looks separated by ";", tab or "|": Scantrust needs commas. Export as "CSV UTF-8 (comma delimited)".');
		} else if (ID_PATTERN.test(rawNames[0].trim())) {
			hints.push(`The first line looks like data (${showValue(rawNames[0])}), not a header: add a header line.`);
		}
		throw new DataError(`The file has no "id" column (line ${line}, the header, has the columns ${found})`, hints.join(' '));
	}
	const seen = new Map<string, number>();
	columns.forEach((name, i) => {
		if (name === '') {
			throw new DataError(
				`Line ${line} (the header): column ${i + 1} has no name`,
				'Every column needs a name: id, product, activation_status or the key of an SCM field (e.g. pallet_number). Remove empty columns, including a trailing comma.',
			);
		}
		const first = seen.get(name);
		if (first !== undefined) {
			throw new DataError(`Line ${line} (the header): the column ${showValue(name)} appears twice (columns ${first + 1} and ${i + 1})`);
		}
		seen.set(name, i);
	});
	return { columns, idCol, statusCol: columns.indexOf(STATUS_COLUMN) };
}

/** Builds the upload file(s) from CSV bytes; `start` skips a BOM. Returns undefined when csv-parse must take over. */
function scanCsv(buf: Buffer, start: number, allowPostedDuplicates: boolean, maxBytes: number): OwnCodesFile | undefined {
	const len = buf.length;
	const sc = new RecordScanner(buf);
	let pos = start;
	let line = 1;
	// Blank lines before the header are skipped (and counted).
	for (;;) {
		if (pos >= len) throw new DataError('The file is empty: it needs a header line with an "id" column and one row per code');
		const kind = sc.scan(pos, line);
		if (kind === BARE_CR) return undefined;
		if (kind === RECORD) break;
		pos = sc.next;
		line++;
	}
	const headerStart = pos;
	const headerEnd = sc.next;
	const headerLine = line;
	const rawNames: string[] = [];
	for (let f = 0; f < sc.count; f++) rawNames.push(sc.text(f));
	const header = analyseHeader(rawNames, headerLine);
	const { columns, idCol, statusCol } = header;
	const ncols = columns.length;

	// Re-use the header bytes when they are already what Scantrust should see.
	const original = buf.subarray(headerStart, headerEnd);
	const eol = original[original.length - 1] === LF ? (original[original.length - 2] === CR ? '\r\n' : '\n') : '\r\n';
	const rewritten = Buffer.from(csvRow(columns, eol), 'utf8');
	const same = rewritten.equals(original);
	const writer = same
		? new SplitWriter(original, maxBytes, lineNaming, { src: buf, start: headerStart, end: headerEnd })
		: new SplitWriter(rewritten, maxBytes, lineNaming);

	// Ids are checked on the bytes: a valid id never becomes a string (see ./ownCodesIdTable.ts).
	const checker = new CodeChecker(lineNaming, true);
	// Allowed duplicates need the table only when the output may be split (rows are slices, so it cannot outgrow
	// the input): Scantrust ignores duplicates within one file, not across files.
	const mayGoIntoSeveralFiles = writer.headerBytes + (len - headerEnd) > maxBytes;
	const ids = !allowPostedDuplicates || mayGoIntoSeveralFiles ? new ByteIdTable(buf) : undefined;
	const statusName = columns[statusCol];
	line += 1 + sc.innerLines;
	pos = headerEnd;
	while (pos < len) {
		const kind = sc.scan(pos, line);
		if (kind === BARE_CR) return undefined;
		const next = sc.next;
		if (kind === BLANK) {
			pos = next;
			line++;
			continue;
		}
		const count = sc.count;
		if (sc.allEmpty()) {
			// A row of empty values (",,," as spreadsheets export formatted but empty rows) counts as a blank line.
			line += 1 + sc.innerLines;
			pos = next;
			continue;
		}
		if (count !== ncols) checker.report(line, undefined, `has ${count} values but the header has ${ncols} columns`);
		if (sc.stray) {
			for (let f = 0; f < count; f++) {
				if (sc.flags[f] & F_STRAY_QUOTE) {
					checker.report(
						line,
						f < ncols ? columns[f] : `column ${f + 1}`,
						`a quote (") inside a value that is not in quotes; put the value in quotes and double the quote, e.g. "12"" pipe"`,
					);
				}
			}
		}
		// id: checked and hashed on the bytes.
		let firstOfId: number | undefined;
		if (idCol < count) {
			const s = sc.starts[idCol];
			const e = sc.ends[idCol];
			let ok = (sc.flags[idCol] & (F_ESCAPES | F_STRAY_QUOTE)) === 0 && e - s >= ID_MIN_LENGTH && e - s <= ID_MAX_LENGTH;
			let hash = FNV_OFFSET;
			for (let k = s; ok && k < e; k++) {
				const b = buf[k];
				ok = ID_BYTE[b] === 1;
				hash = Math.imul(hash ^ b, FNV_PRIME);
			}
			if (!ok) {
				checker.checkId(sc.text(idCol), line, ID_COLUMN);
			} else {
				checker.codeCount++;
				const first = ids === undefined ? 0 : ids.add(s, e - s, mixHash(hash), line);
				if (first !== 0) {
					if (allowPostedDuplicates) firstOfId = first;
					else checker.reportDuplicate(buf.toString('latin1', s, e), line, first, ID_COLUMN);
				}
			}
		} else {
			checker.checkId('', line, ID_COLUMN);
		}
		if (statusCol >= 0 && statusCol < count) {
			const s = sc.starts[statusCol];
			const e = sc.ends[statusCol];
			const ok = e === s || (e - s === 1 && buf[s] >= 0x30 && buf[s] <= 0x32 && (sc.flags[statusCol] & F_STRAY_QUOTE) === 0);
			if (!ok) checker.checkStatus(sc.text(statusCol), line, statusName, true);
		}
		// Once something is wrong no file is built: only the checking goes on, to report every problem at once.
		if (checker.problems.total === 0) writer.addSlice(buf, pos, next, line, firstOfId);
		line += 1 + sc.innerLines;
		pos = next;
	}
	checker.finish('The file has a header but no codes: add one row per code below the header');
	const { files, counts, dropped } = writer.finish();
	return { files, filetype: 'csv', codeCount: checker.codeCount, codeCounts: counts, columns, droppedDuplicates: dropped };
}

/** Fallback for CSV with bare CR line breaks: csv-parse reads it, the rows are checked and re-written (CRLF). */
function parseCsv(buf: Buffer, start: number, allowPostedDuplicates: boolean, maxBytes: number): OwnCodesFile {
	const checker = new CodeChecker(lineNaming, allowPostedDuplicates);
	let header: Header | undefined;
	let writer: SplitWriter | undefined;
	const onRecord = (record: string[], ctx: InfoRecord): null => {
		// csv-parse counts the line where the record ends; fine for the files that land here.
		const line = ctx.lines;
		if (header === undefined || writer === undefined) {
			header = analyseHeader(record, line);
			writer = new SplitWriter(Buffer.from(csvRow(header.columns), 'utf8'), maxBytes, lineNaming);
			return null;
		}
		const { columns, idCol, statusCol } = header;
		if (record.length !== columns.length) {
			checker.report(line, undefined, `has ${record.length} values but the header has ${columns.length} columns`);
		}
		const first = checker.checkId(record[idCol] ?? '', line, ID_COLUMN);
		if (statusCol >= 0 && statusCol < record.length) checker.checkStatus(record[statusCol], line, STATUS_COLUMN, true);
		if (checker.problems.total === 0) writer.addText(csvRow(record), line, first);
		return null;
	};
	try {
		parse(buf.subarray(start), {
			relax_column_count: true,
			skip_empty_lines: true,
			skip_records_with_empty_values: true,
			on_record: onRecord,
		});
	} catch (error) {
		throw unreadableCsv(error);
	}
	if (header === undefined || writer === undefined) {
		throw new DataError('The file is empty: it needs a header line with an "id" column and one row per code');
	}
	checker.finish('The file has a header but no codes: add one row per code below the header');
	const { files, counts, dropped } = writer.finish();
	return { files, filetype: 'csv', codeCount: checker.codeCount, codeCounts: counts, columns: header.columns, droppedDuplicates: dropped };
}

/** Our own DataErrors (thrown from on_record) pass; a csv-parse error becomes one. */
function unreadableCsv(error: unknown): DataError {
	if (error instanceof DataError) return error;
	return new DataError(`The CSV file could not be read: ${(error as Error).message}`, 'Save the file as "CSV UTF-8 (comma delimited)".');
}

/** Validates CSV bytes (UTF-8, BOM already skipped via `start`) and builds the upload file(s). */
export function buildFromCsvBytes(buf: Buffer, start: number, allowPostedDuplicates: boolean, maxBytes: number): OwnCodesFile {
	return scanCsv(buf, start, allowPostedDuplicates, maxBytes) ?? parseCsv(buf, start, allowPostedDuplicates, maxBytes);
}
