/**
 * codes.csv of a work order archive -> codes grouped per batch, and one batch back to CSV bytes.
 *
 * Five columns: 1 extended ID, 2 serial number (may be empty), 3 sequence number, 4 batch number, 5 full URL.
 * A header row may or may not be present: the first row is a header when its batch column is not a number.
 * Every value stays the string found in the file (leading zeros survive).
 *
 * A work order can hold 1,000,000 codes (about 70 MB), so this is a single pass over the decoded text with indexOf,
 * and every value is a substring of that text (V8 shares the characters instead of copying them). A line without a
 * double quote (the usual case) is cut at its four commas directly; a line with one is read field by field with full
 * CSV quoting (RFC 4180: quoted values may hold commas, line breaks and doubled quotes).
 */
import { isAscii } from 'node:buffer';

import { csvField } from './csvWriter';
import { DataError } from './DataError';

/** One code. These property names are part of the node's output (SPEC section 5): never rename them. */
export interface Code {
	extendedId: string;
	serialNumber: string;
	sequenceNumber: string;
	url: string;
}

export interface CodeBatch {
	/** The batch number (column 4) as a number: batches are ordered by it. */
	batch: number;
	/** Column 4 exactly as found in the file (e.g. `007`), written back by renderBatchCsv. */
	batchValue: string;
	/** The batch's codes, in file order. */
	codes: Code[];
}

export interface CodesCsv {
	/** The header row when the file has one, else undefined. */
	header: string[] | undefined;
	/** Batches in ascending batch number. */
	batches: CodeBatch[];
	codeCount: number;
}

export interface ParseCodesCsvOptions {
	/** Size of the pieces the file is decoded in (default 256 MiB, below V8's longest string; tests use tiny ones). */
	chunkBytes?: number;
}

/** Header of a per-batch CSV written by renderBatchCsv. */
export const BATCH_CSV_HEADER = 'extended_id,serial_number,sequence_number,batch,url';

const COLUMN_COUNT = 5;
const COLUMNS = 'extended ID, serial number, sequence number, batch number, URL';
const FILE = 'codes.csv';
const CHUNK_BYTES = 256 * 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
/** Cannot equal a batch value (values never hold the line break they are cut at): forces the first row through the batch check. */
const NO_BATCH = '\n';

export function parseCodesCsv(csv: Buffer | Uint8Array | string, options: ParseCodesCsvOptions = {}): CodesCsv {
	const bytes =
		typeof csv === 'string'
			? Buffer.from(csv, 'utf8')
			: Buffer.isBuffer(csv)
				? csv
				: Buffer.from(csv.buffer, csv.byteOffset, csv.byteLength);
	if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
		throw new DataError(`${FILE} is encoded as UTF-16`, `Save ${FILE} as UTF-8 (the encoding Scantrust delivers), then try again.`);
	}
	const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
	if (isBlank(bytes, start)) {
		throw new DataError(
			`${FILE} is empty`,
			`The work order's ${FILE} holds no codes. Check that the work order's code generation has finished, then download it again.`,
		);
	}

	// Lines end in LF or CRLF; a file with CR and no LF at all uses old Mac line ends.
	const newline = bytes.indexOf(LF, start) < 0 && bytes.indexOf(CR, start) >= 0 ? CR : LF;
	const quoted = bytes.indexOf(QUOTE, start) >= 0;
	const chunkBytes = Math.max(1, options.chunkBytes ?? CHUNK_BYTES);
	const reader = new CodesReader(newline);
	for (let pos = start; pos < bytes.length; ) {
		const end = chunkEnd(bytes, pos, chunkBytes, newline, quoted);
		reader.read(decode(bytes, pos, end));
		pos = end;
	}
	return reader.result();
}

/**
 * One batch as CSV bytes, for a per-batch file: header `extended_id,serial_number,sequence_number,batch,url`, then one
 * line per code. Values holding a comma, a double quote or a line break are quoted.
 */
export function renderBatchCsv(
	batch: { batch: number; batchValue?: string; codes: readonly Code[] },
	options: { lineEnding?: '\n' | '\r\n' } = {},
): Buffer {
	const eol = options.lineEnding ?? '\n';
	const batchField = ',' + csvField(batch.batchValue ?? String(batch.batch)) + ',';
	let out = BATCH_CSV_HEADER + eol;
	for (const code of batch.codes) {
		out +=
			csvField(code.extendedId) +
			',' +
			csvField(code.serialNumber) +
			',' +
			csvField(code.sequenceNumber) +
			batchField +
			csvField(code.url) +
			eol;
	}
	return Buffer.from(out, 'utf8');
}

/** Reads decoded text into batches. Keeps its place (line number, current batch) from one piece of the file to the next. */
class CodesReader {
	/** Physical lines read so far: line numbers in messages are 1-based and count the header and empty lines. */
	private line = 0;
	private header: string[] | undefined;
	private firstRowSeen = false;
	private codeCount = 0;
	private readonly byValue = new Map<string, CodeBatch>();
	private readonly byNumber = new Map<number, CodeBatch>();
	private currentValue = NO_BATCH;
	private current: Code[] = [];
	/** Fields of the record being read field by field (a line with quotes). */
	private readonly fields: string[] = [];
	private readonly newline: string;

	constructor(newline: number) {
		this.newline = String.fromCharCode(newline);
	}

	/** One piece of the file: whole records only (see chunkEnd). One tight loop, state in locals. */
	read(s: string): void {
		const len = s.length;
		const newline = this.newline;
		const crlf = newline === '\n';
		let pos = 0;
		let line = this.line;
		let currentValue = this.currentValue;
		let current = this.current;
		let count = 0;
		// Where the next double quote is: lines before it take the fast path. Found once, not once per line.
		let nextQuote = s.indexOf('"');
		if (nextQuote < 0) nextQuote = len;
		while (pos < len) {
			let next = s.indexOf(newline, pos);
			if (next < 0) next = len;
			line++;
			if (nextQuote < pos) {
				nextQuote = s.indexOf('"', pos);
				if (nextQuote < 0) nextQuote = len;
			}
			if (nextQuote < next) {
				// This record holds a quote: read it field by field (it may run over several lines).
				this.line = line;
				this.currentValue = currentValue;
				this.current = current;
				pos = this.readQuotedRecord(s, pos);
				line = this.line;
				currentValue = this.currentValue;
				current = this.current;
				continue;
			}
			let eol = next;
			if (crlf && eol > pos && s.charCodeAt(eol - 1) === CR) eol--;
			if (eol === pos) {
				pos = next + 1; // empty line (also the one after a trailing newline)
				continue;
			}
			// Each search starts after the previous hit, so c1 < c2 < c3 < c4 whenever all are found.
			const c1 = s.indexOf(',', pos);
			const c2 = c1 < 0 ? -1 : s.indexOf(',', c1 + 1);
			const c3 = c2 < 0 ? -1 : s.indexOf(',', c2 + 1);
			const c4 = c3 < 0 ? -1 : s.indexOf(',', c3 + 1);
			const c5 = c4 < 0 ? -1 : s.indexOf(',', c4 + 1);
			if (c4 < 0 || c4 >= eol || (c5 >= 0 && c5 < eol)) {
				throw columnCountError(line, s.slice(pos, eol).split(',').length, s.slice(pos, eol));
			}
			// Rows of a batch follow each other: compare in place, make the batch string only when it changes.
			if (c4 - c3 - 1 !== currentValue.length || !s.startsWith(currentValue, c3 + 1)) {
				const value = s.slice(c3 + 1, c4);
				const batch = this.batchOrHeader(value, line, () => s.slice(pos, eol).split(','));
				if (!batch) {
					pos = next + 1;
					continue;
				}
				current = batch;
				currentValue = value;
			}
			if (c1 === pos) throw emptyIdError(line);
			current.push({
				extendedId: s.slice(pos, c1),
				serialNumber: s.slice(c1 + 1, c2),
				sequenceNumber: s.slice(c2 + 1, c3),
				url: s.slice(c4 + 1, eol),
			});
			count++;
			pos = next + 1;
		}
		this.line = line;
		this.currentValue = currentValue;
		this.current = current;
		this.codeCount += count;
	}

	/** Reads the record starting at pos field by field, adds its code; returns where the next record starts. */
	private readQuotedRecord(s: string, pos: number): number {
		const len = s.length;
		const newline = this.newline;
		const newlineCode = newline.charCodeAt(0);
		const fields = this.fields;
		const firstLine = this.line;
		// The next line break: inside a quoted value it only moves the line count on; outside, it ends the record.
		let next = s.indexOf(newline, pos);
		if (next < 0) next = len;
		let n = 0;
		let end = -1;
		while (end < 0) {
			if (s.charCodeAt(pos) === QUOTE) {
				let value = '';
				let from = pos + 1;
				for (;;) {
					const q = s.indexOf('"', from);
					if (q < 0) {
						throw new DataError(
							`${FILE} line ${firstLine}: the quoted value in column ${n + 1} is never closed`,
							`A value that starts with a double quote must end with one. Use the ${FILE} exactly as Scantrust delivers it.`,
						);
					}
					if (s.charCodeAt(q + 1) === QUOTE) {
						value += s.slice(from, q + 1); // "" inside quotes is one quote
						from = q + 2;
						continue;
					}
					value += s.slice(from, q);
					while (next < q) {
						this.line++;
						next = s.indexOf(newline, next + 1);
						if (next < 0) next = len;
					}
					pos = q + 1;
					break;
				}
				fields[n++] = value;
				const c = s.charCodeAt(pos);
				if (c === COMMA) {
					pos++;
				} else if (pos >= len) {
					end = len;
				} else if (c === newlineCode) {
					end = pos + 1;
				} else if (c === CR && s.charCodeAt(pos + 1) === newlineCode) {
					end = pos + 2;
				} else {
					throw new DataError(
						`${FILE} line ${this.line}: unexpected text after the closing quote of column ${n}: "${preview(s.slice(pos, next))}"`,
						`Inside a quoted value a double quote must be doubled (""). Use the ${FILE} exactly as Scantrust delivers it.`,
					);
				}
			} else {
				const comma = s.indexOf(',', pos);
				if (comma >= 0 && comma < next) {
					fields[n++] = s.slice(pos, comma);
					pos = comma + 1;
				} else {
					const eol = newline === '\n' && next > pos && s.charCodeAt(next - 1) === CR ? next - 1 : next;
					fields[n++] = s.slice(pos, eol);
					end = next + 1;
				}
			}
		}
		fields.length = n;
		this.addRecord(fields, this.line);
		return end;
	}

	/** A record read field by field. */
	private addRecord(fields: string[], line: number): void {
		if (fields.length !== COLUMN_COUNT) throw columnCountError(line, fields.length, fields.join(','));
		const value = fields[3];
		if (value !== this.currentValue) {
			const batch = this.batchOrHeader(value, line, () => fields.slice());
			if (!batch) return;
			this.current = batch;
			this.currentValue = value;
		}
		if (fields[0] === '') throw emptyIdError(line);
		this.current.push({ extendedId: fields[0], serialNumber: fields[1], sequenceNumber: fields[2], url: fields[4] });
		this.codeCount++;
	}

	result(): CodesCsv {
		if (this.codeCount === 0) {
			throw new DataError(
				`${FILE} holds no codes${this.header ? ' (only a header row)' : ''}`,
				`Check that the work order's code generation has finished, then download it again.`,
			);
		}
		const batches = [...this.byNumber.values()].sort((a, b) => a.batch - b.batch);
		return { header: this.header, batches, codeCount: this.codeCount };
	}

	/**
	 * The codes of the batch of a column-4 value; values with the same number (`7`, `07`) share one batch.
	 * Undefined when this is the first row and a header: its batch column is a title, not a number.
	 */
	private batchOrHeader(value: string, line: number, fields: () => string[]): Code[] | undefined {
		if (!this.firstRowSeen) {
			this.firstRowSeen = true;
			if (value.trim() !== '' && !WHOLE_NUMBER.test(value)) {
				this.header = fields();
				return undefined;
			}
		}
		let batch = this.byValue.get(value);
		if (!batch) {
			const match = WHOLE_NUMBER.exec(value);
			if (!match) {
				throw new DataError(
					`${FILE} line ${line}: the batch number (column 4) ${value === '' ? 'is empty' : `"${preview(value)}" is not a whole number`}`,
					`Every line of ${FILE} must hold ${COLUMNS}. Use the ${FILE} exactly as Scantrust delivers it.`,
				);
			}
			const number = Number(match[1]);
			batch = this.byNumber.get(number);
			if (!batch) {
				batch = { batch: number, batchValue: value, codes: [] };
				this.byNumber.set(number, batch);
			}
			this.byValue.set(value, batch);
		}
		return batch.codes;
	}
}

const WHOLE_NUMBER = /^\s*(\d+)\s*$/;

function columnCountError(line: number, found: number, text: string): DataError {
	return new DataError(
		`${FILE} line ${line}: expected ${COLUMN_COUNT} columns but found ${found}: "${preview(text)}"`,
		`Every line of ${FILE} must hold ${COLUMN_COUNT} comma-separated values: ${COLUMNS}. Use the ${FILE} exactly as Scantrust delivers it; a file re-saved by a spreadsheet program may have lost or added columns.`,
	);
}

function emptyIdError(line: number): DataError {
	return new DataError(
		`${FILE} line ${line}: the extended ID (column 1) is empty`,
		`Every code needs its extended ID. Use the ${FILE} exactly as Scantrust delivers it.`,
	);
}

function preview(text: string): string {
	return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** True when the bytes from start on are only line breaks, spaces and tabs. */
function isBlank(bytes: Buffer, start: number): boolean {
	for (let i = start; i < bytes.length; i++) {
		const b = bytes[i];
		if (b !== LF && b !== CR && b !== 0x20 && b !== 0x09) return false;
	}
	return true;
}

/**
 * End of the piece of the file starting at pos: about chunkBytes on, just after a line break, so that no record is cut
 * (a line break byte never sits inside a UTF-8 character). In a file with quotes, a line break inside a quoted value
 * does not end a record: the piece ends where the count of quotes since pos is even.
 */
function chunkEnd(bytes: Buffer, pos: number, chunkBytes: number, newline: number, quoted: boolean): number {
	if (bytes.length - pos <= chunkBytes) return bytes.length;
	let end = bytes.lastIndexOf(newline, pos + chunkBytes - 1) + 1;
	if (end <= pos) end = bytes.indexOf(newline, pos + chunkBytes) + 1 || bytes.length;
	if (!quoted || end === bytes.length) return end;
	let odd = false;
	for (let i = pos; i < end; i++) if (bytes[i] === QUOTE) odd = !odd;
	if (!odd) return end;
	// Inside a quoted value: step back to an earlier line break with an even count...
	let oddBack = odd;
	for (let i = end - 2; i >= pos; i--) {
		if (bytes[i] === QUOTE) oddBack = !oddBack;
		else if (bytes[i] === newline && !oddBack) return i + 1;
	}
	// ...or, if the piece is one long quoted value, go on to a later one.
	for (let i = end; i < bytes.length; i++) {
		if (bytes[i] === QUOTE) odd = !odd;
		else if (bytes[i] === newline && !odd) return i + 1;
	}
	return bytes.length;
}

/** ASCII (the usual codes.csv) decodes through latin1, about 3x faster than the UTF-8 decoder, same result. */
function decode(bytes: Buffer, start: number, end: number): string {
	return isAscii(bytes.subarray(start, end)) ? bytes.toString('latin1', start, end) : bytes.toString('utf8', start, end);
}
