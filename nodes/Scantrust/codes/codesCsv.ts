/**
 * codes.csv of a work order archive -> one batch at a time, as the file streams by.
 *
 * Five columns: 1 extended ID, 2 serial number (may be empty), 3 sequence number, 4 batch number, 5 full URL.
 * A header row may or may not be present: the first row is a header when its batch column is not a number.
 * Every value stays the string found in the file (leading zeros survive).
 *
 * A work order can hold millions of codes, so the file is read in pieces and each batch is handed on as soon as its
 * last line has been read: memory holds one piece and one batch, whatever the size of the order. The rows of a batch
 * follow each other in the file, so a batch number that comes back after another batch is an error (holding every
 * batch until the end would hold the whole file).
 *
 * Each piece is decoded once (latin1: one character per byte, so string positions are byte positions) and cut with
 * indexOf. A line without a double quote (the usual case) is cut at its four commas directly, and copied into the
 * batch file as the bytes it is; a line with one is read field by field with full CSV quoting (RFC 4180: quoted
 * values may hold commas, line breaks and doubled quotes) and written back through the CSV writer.
 */
import { isAscii, isUtf8 } from 'node:buffer';

import { csvRow } from './csvWriter';
import { DataError } from './DataError';
import { firstNonUtf8Line, startsUtf16, withoutBom } from './encoding';

/** One code, as listed in the node's output. */
export interface Code {
	extendedId: string;
	serialNumber: string;
	sequenceNumber: string;
	url: string;
}

/** One batch, handed on as soon as its last line has been read. */
export interface CodesBatch {
	/** The batch number (column 4) as a number. */
	batch: number;
	/** Column 4 of the batch's first line exactly as found (e.g. `007`). */
	batchValue: string;
	codeCount: number;
	firstExtendedId: string;
	lastExtendedId: string;
	firstSequenceNumber: string;
	lastSequenceNumber: string;
	/** The batch as a CSV file (BATCH_CSV_HEADER, then one line per code, LF line ends), when asked for. */
	csv?: Buffer;
	/** The batch's codes in file order, when asked for. */
	codes?: Code[];
}

export interface SplitCodesCsvOptions {
	/** Build each batch's CSV file. Default true. */
	csv?: boolean;
	/** List each batch's codes as objects (memory grows with the batch count). Default false. */
	codes?: boolean;
	/** Longest record accepted (default 1 MiB): a line that never ends cannot make the reader hold the whole file. */
	maxRecordBytes?: number;
	/** Memory for a batch's CSV file of `bytes` bytes (default: a new buffer); a caller may hand out memory used again. */
	csvBuffer?: (bytes: number) => Buffer;
}

export interface CodesCsvSummary {
	/** The header row when the file has one, else undefined. */
	header: string[] | undefined;
	codeCount: number;
	batchCount: number;
}

/** Header of a batch CSV file. */
export const BATCH_CSV_HEADER = 'extended_id,serial_number,sequence_number,batch,url';

const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

const COLUMN_COUNT = 5;
const COLUMNS = 'extended ID, serial number, sequence number, batch number, URL';
const FILE = 'codes.csv';
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const HEADER_BYTES = Buffer.from(BATCH_CSV_HEADER + '\n', 'latin1');
const NEWLINE_BYTES = Buffer.from('\n', 'latin1');
/** Cannot equal a batch value (values never hold the line break they are cut at): forces the first row through the batch check. */
const NO_BATCH = '\n';
const WHOLE_NUMBER = /^\s*(\d+)\s*$/;

/**
 * Reads codes.csv from `pieces` (any cut: lines may span pieces) and calls `onBatch` with each batch once its last
 * line is read, in file order; waits for `onBatch` before reading on. Returns what was read once the file ended.
 */
export async function splitCodesCsv(
	pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
	onBatch: (batch: CodesBatch) => Promise<void> | void,
	options: SplitCodesCsvOptions = {},
): Promise<CodesCsvSummary> {
	const splitter = new CodesCsvSplitter(options);
	for await (const piece of pieces) {
		splitter.push(piece);
		for (let batch = splitter.next(); batch; batch = splitter.next()) await onBatch(batch);
	}
	const summary = splitter.end();
	for (let batch = splitter.next(); batch; batch = splitter.next()) await onBatch(batch);
	return summary;
}

interface OpenBatch {
	batch: CodesBatch;
	/** Pieces of the batch file after its header. */
	parts: Buffer[];
}

class CodesCsvSplitter {
	private readonly withCsv: boolean;
	private readonly withCodes: boolean;
	private readonly maxRecordBytes: number;
	private readonly csvBuffer: (bytes: number) => Buffer;
	/** Bytes after the last complete record of the pieces so far. */
	private carry: Buffer | undefined = undefined;
	private started = false;
	/** LF or CR (old Mac files), decided at the first line break. */
	private newline = -1;
	/** Physical lines read so far: line numbers in messages are 1-based and count the header and empty lines. */
	private line = 0;
	private header: string[] | undefined = undefined;
	private firstRowSeen = false;
	private codeCount = 0;
	private batchCount = 0;
	private readonly finished = new Set<number>();
	private open: OpenBatch | undefined = undefined;
	/** Column 4 of the last row read, as found (a string for the field-by-field path, bytes for the fast path). */
	private currentValue = NO_BATCH;
	private currentBytes = Buffer.from(NO_BATCH, 'latin1');
	private readonly ready: CodesBatch[] = [];
	/** Fields of the record being read field by field (a line with quotes). */
	private readonly fields: string[] = [];
	/** Whether the piece being read is all ASCII (else values are decoded as UTF-8). */
	private ascii = true;

	constructor(options: SplitCodesCsvOptions) {
		this.withCsv = options.csv ?? true;
		this.withCodes = options.codes ?? false;
		this.maxRecordBytes = Math.max(1, options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES);
		this.csvBuffer = options.csvBuffer ?? ((bytes) => Buffer.allocUnsafe(bytes));
	}

	next(): CodesBatch | undefined {
		return this.ready.shift();
	}

	push(chunk: Uint8Array): void {
		let piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		const carry = this.carry;
		if (carry && this.newline >= 0 && carry.indexOf(QUOTE) < 0) {
			// The record the last piece left open ends at this piece's first line break (no quotes: a line break ends
			// it): read it on its own, so that the piece itself is not copied.
			const lineEnd = piece.indexOf(this.newline);
			if (lineEnd >= 0 && piece.lastIndexOf(QUOTE, lineEnd) < 0) {
				this.carry = undefined;
				const record = Buffer.concat([carry, piece.subarray(0, lineEnd + 1)]);
				this.read(record, record.length);
				piece = piece.subarray(lineEnd + 1);
			}
		}
		let buf = this.carry ? Buffer.concat([this.carry, piece]) : piece;
		this.carry = undefined;
		if (!this.started) {
			if (buf.length < 3) {
				this.carry = buf;
				return;
			}
			buf = this.start(buf);
		}
		if (this.newline < 0 && !this.decideNewline(buf, false)) {
			this.keep(buf);
			return;
		}
		const cut = this.recordsEnd(buf);
		if (cut === 0) {
			this.keep(buf);
			return;
		}
		this.read(buf, cut);
		if (cut < buf.length) this.carry = buf.subarray(cut);
	}

	end(): CodesCsvSummary {
		let buf = this.carry ?? Buffer.alloc(0);
		this.carry = undefined;
		if (!this.started) buf = this.start(buf);
		if (this.newline < 0) this.decideNewline(buf, true);
		if (buf.length > 0) this.read(buf, buf.length);
		this.finishOpenBatch();
		if (this.codeCount === 0) {
			throw this.header
				? new DataError(`${FILE} holds no codes (only a header row)`, `Check that the work order's code generation has finished, then download it again.`)
				: new DataError(
						`${FILE} is empty`,
						`The work order's ${FILE} holds no codes. Check that the work order's code generation has finished, then download it again.`,
					);
		}
		return { header: this.header, codeCount: this.codeCount, batchCount: this.batchCount };
	}

	/** The first bytes: UTF-16 is refused, a UTF-8 byte order mark skipped. */
	private start(buf: Buffer): Buffer {
		this.started = true;
		if (startsUtf16(buf)) throw new DataError(`${FILE} is encoded as UTF-16`, `Save ${FILE} as UTF-8 (the encoding Scantrust delivers), then try again.`);
		return withoutBom(buf);
	}

	/** Lines end in LF or CRLF; in CR alone (old Mac) when there is no LF at all. */
	private decideNewline(buf: Buffer, final: boolean): boolean {
		if (buf.indexOf(LF) >= 0) {
			this.newline = LF;
		} else {
			const cr = buf.indexOf(CR);
			// A CR as the last byte may be the first half of a CRLF cut between two pieces.
			if (cr >= 0 && (cr < buf.length - 1 || final)) this.newline = CR;
			else if (final) this.newline = LF;
			else return false;
		}
		return true;
	}

	/** Bytes that are not UTF-8 would turn into replacement characters, and so into codes that do not exist. */
	private notUtf8(piece: Buffer): DataError {
		const bad = firstNonUtf8Line(piece, this.newline) ?? { index: 0, bytes: piece };
		return new DataError(
			`${FILE} line ${this.line + 1 + bad.index} is not valid UTF-8: ${JSON.stringify(preview(bad.bytes.toString('latin1')))}`,
			`Scantrust delivers ${FILE} in UTF-8; this file was changed or damaged on the way. Download it again from Scantrust, unchanged.`,
		);
	}

	/** Keeps an incomplete record for the next piece, refusing one longer than any codes.csv line can be. */
	private keep(buf: Buffer): void {
		if (buf.length > this.maxRecordBytes) {
			const quoted = buf.indexOf(QUOTE) >= 0;
			throw new DataError(
				`${FILE} line ${this.line + 1}: ${quoted ? 'a quoted value is never closed, or ' : ''}the line is longer than ${this.maxRecordBytes.toLocaleString('en-US')} bytes`,
				`A line of ${FILE} holds one code (about 70 bytes). Use the ${FILE} exactly as Scantrust delivers it.`,
			);
		}
		this.carry = buf;
	}

	/** End of the last whole record in buf (0: none). A line break inside a quoted value does not end a record. */
	private recordsEnd(buf: Buffer): number {
		const newline = this.newline;
		if (buf.indexOf(QUOTE) < 0) return buf.lastIndexOf(newline) + 1;
		let odd = false;
		let end = 0;
		for (let i = 0; i < buf.length; i++) {
			const b = buf[i];
			if (b === QUOTE) odd = !odd;
			else if (b === newline && !odd) end = i + 1;
		}
		return end;
	}

	/**
	 * Whole records buf[0, end): one tight loop over the bytes, state in locals. Strings are made only where a value
	 * is needed (codes listed, a batch's first and last code, a new batch number); the piece is decoded as a whole
	 * only when the codes are listed or a record holds a quote.
	 */
	private read(buf: Buffer, end: number): void {
		this.ascii = isAscii(buf.subarray(0, end));
		if (!this.ascii && !isUtf8(buf.subarray(0, end))) throw this.notUtf8(buf.subarray(0, end));
		const newline = this.newline;
		const lfMode = newline === LF;
		// The other line break character: CR in a LF file (a CRLF end, or a CR inside a value), LF in a CR file.
		const stray = lfMode ? CR : LF;
		const withCsv = this.withCsv;
		const withCodes = this.withCodes;
		// The piece as a string (latin1: positions stay byte positions), made when the codes are listed or a record
		// holds a quote; otherwise values are decoded one by one, where needed.
		let whole: string | undefined = withCodes ? buf.toString('latin1', 0, end) : undefined;
		let pos = 0;
		let line = this.line;
		let open = this.open;
		let current = this.currentBytes;
		let count = 0;
		// Rows that are copied as they are, back to back, into the open batch's file: [segmentStart, segmentEnd).
		let segmentStart = -1;
		let segmentEnd = -1;
		// Where the row of the last code read starts and its commas are (its values are read only when needed).
		let lastRow = -1;
		let lastC1 = 0;
		let lastC2 = 0;
		let lastC3 = 0;
		while (pos < end) {
			line++;
			let commas = 0;
			let c1 = -1;
			let c2 = -1;
			let c3 = -1;
			let c4 = -1;
			let strayAt = -1;
			let quoted = false;
			let next = pos;
			for (; next < end; next++) {
				const b = buf[next];
				if (b > COMMA) continue; // letters, digits and most punctuation: nothing to do
				if (b === newline) break;
				if (b === COMMA) {
					commas++;
					if (commas === 1) c1 = next;
					else if (commas === 2) c2 = next;
					else if (commas === 3) c3 = next;
					else if (commas === 4) c4 = next;
				} else if (b === QUOTE) {
					quoted = true;
					break;
				} else if (b === stray && strayAt < 0) {
					strayAt = next;
				}
			}
			if (quoted) {
				// This record holds a quote: read it field by field (it may run over several lines).
				if (segmentStart >= 0) appendPart(open!, buf.subarray(segmentStart, segmentEnd));
				if (lastRow >= 0) this.settleLast(open!, buf, whole, lastRow, lastC1, lastC2, lastC3);
				segmentStart = lastRow = -1;
				this.line = line;
				this.open = open;
				this.codeCount += count;
				count = 0;
				pos = this.readQuotedRecord((whole ??= buf.toString('latin1', 0, end)), pos);
				line = this.line;
				open = this.open;
				current = this.currentBytes;
				continue;
			}
			let eol = next;
			if (lfMode && strayAt >= 0 && next > pos && buf[next - 1] === CR) eol = next - 1; // CRLF
			if (eol === pos || (commas !== 4 && isBlank(buf, pos, eol))) {
				pos = next + 1; // an empty line, or spaces and tabs only (also the one after a trailing newline)
				if (segmentStart >= 0) appendPart(open!, buf.subarray(segmentStart, segmentEnd));
				segmentStart = -1;
				continue;
			}
			if (commas !== 4) throw columnCountError(line, commas + 1, this.value(buf, whole, pos, eol));
			// Rows of a batch follow each other: compare in place, make the batch string only when it changes.
			let same = c4 - c3 - 1 === current.length;
			for (let k = 0; same && k < current.length; k++) same = buf[c3 + 1 + k] === current[k];
			if (!same) {
				if (segmentStart >= 0) appendPart(open!, buf.subarray(segmentStart, segmentEnd));
				if (lastRow >= 0) this.settleLast(open!, buf, whole, lastRow, lastC1, lastC2, lastC3);
				segmentStart = lastRow = -1;
				this.open = open;
				// Once per batch: the row's values, in case it is the header.
				const batch = this.batchOrHeader(buf.toString('latin1', c3 + 1, c4), line, this.value(buf, whole, pos, eol).split(','));
				if (!batch) {
					pos = next + 1;
					continue;
				}
				open = batch;
				current = this.currentBytes;
			}
			if (c1 === pos) throw emptyIdError(line);
			const batch = open!.batch;
			if (batch.codeCount++ === 0) {
				batch.firstExtendedId = this.value(buf, whole, pos, c1);
				batch.firstSequenceNumber = this.value(buf, whole, c2 + 1, c3);
			}
			lastRow = pos;
			lastC1 = c1;
			lastC2 = c2;
			lastC3 = c3;
			if (withCodes) {
				batch.codes!.push({
					extendedId: this.value(buf, whole, pos, c1),
					serialNumber: this.value(buf, whole, c1 + 1, c2),
					sequenceNumber: this.value(buf, whole, c2 + 1, c3),
					url: this.value(buf, whole, c4 + 1, eol),
				});
			}
			if (withCsv) {
				if (lfMode && strayAt < 0 && next < end) {
					// Copied as is: the line ends in a plain line break and holds no other line break character.
					if (segmentStart < 0) segmentStart = pos;
					segmentEnd = next + 1;
				} else {
					if (segmentStart >= 0) appendPart(open!, buf.subarray(segmentStart, segmentEnd));
					segmentStart = -1;
					if (strayAt >= 0 && strayAt < eol) {
						// A CR (or LF) inside a value: written back quoted.
						appendPart(open!, Buffer.from(csvRow((whole ??= buf.toString('latin1', 0, end)).slice(pos, eol).split(','), '\n'), 'latin1'));
					} else {
						appendPart(open!, buf.subarray(pos, eol));
						appendPart(open!, NEWLINE_BYTES);
					}
				}
			}
			count++;
			pos = next + 1;
		}
		if (segmentStart >= 0) appendPart(open!, buf.subarray(segmentStart, segmentEnd));
		if (lastRow >= 0) this.settleLast(open!, buf, whole, lastRow, lastC1, lastC2, lastC3);
		this.line = line;
		this.open = open;
		this.codeCount += count;
	}

	/** The last extended ID and sequence number of the open batch, from the row where the last code was read. */
	private settleLast(open: OpenBatch, buf: Buffer, whole: string | undefined, row: number, c1: number, c2: number, c3: number): void {
		open.batch.lastExtendedId = this.value(buf, whole, row, c1);
		open.batch.lastSequenceNumber = this.value(buf, whole, c2 + 1, c3);
	}

	/** The value at [from, to) of the piece being read. */
	private value(buf: Buffer, whole: string | undefined, from: number, to: number): string {
		return this.text(whole !== undefined ? whole.slice(from, to) : buf.toString('latin1', from, to));
	}

	/** Reads the record starting at pos field by field, adds its code; returns where the next record starts. */
	private readQuotedRecord(s: string, pos: number): number {
		const len = s.length;
		const newline = String.fromCharCode(this.newline);
		const newlineCode = this.newline;
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
						`${FILE} line ${this.line}: unexpected text after the closing quote of column ${n}: "${preview(this.text(s.slice(pos, next)))}"`,
						`Inside a quoted value a double quote must be doubled (""). Use the ${FILE} exactly as Scantrust delivers it.`,
					);
				}
			} else {
				const comma = s.indexOf(',', pos);
				if (comma >= 0 && comma < next) {
					fields[n++] = s.slice(pos, comma);
					pos = comma + 1;
				} else {
					const eol = newlineCode === LF && next > pos && s.charCodeAt(next - 1) === CR ? next - 1 : next;
					fields[n++] = s.slice(pos, eol);
					end = next + 1;
				}
			}
		}
		fields.length = n;
		this.addRecord(fields, this.line);
		return end;
	}

	/** A record read field by field (values still latin1-decoded). */
	private addRecord(fields: string[], line: number): void {
		if (fields.length !== COLUMN_COUNT) throw columnCountError(line, fields.length, this.text(fields.join(',')));
		const value = fields[3];
		if (value !== this.currentValue) {
			const batch = this.batchOrHeader(value, line, fields.map((f) => this.text(f)));
			if (!batch) return;
			this.open = batch;
		}
		if (fields[0] === '') throw emptyIdError(line);
		const open = this.open!;
		const batch = open.batch;
		const extendedId = this.text(fields[0]);
		const sequenceNumber = this.text(fields[2]);
		if (batch.codeCount++ === 0) {
			batch.firstExtendedId = extendedId;
			batch.firstSequenceNumber = sequenceNumber;
		}
		batch.lastExtendedId = extendedId;
		batch.lastSequenceNumber = sequenceNumber;
		if (this.withCodes) {
			batch.codes!.push({ extendedId, serialNumber: this.text(fields[1]), sequenceNumber, url: this.text(fields[4]) });
		}
		if (this.withCsv) appendPart(open, Buffer.from(csvRow(fields, '\n'), 'latin1'));
		this.codeCount++;
	}

	private text(value: string): string {
		return this.ascii ? value : utf8Text(value);
	}

	/**
	 * The open batch for a column-4 value: the same batch while the number stays (`7` and `07` are one batch), else
	 * the current one is finished and a new one opened. Undefined when this is the first row and a header: its batch
	 * column is a title, not a number.
	 */
	private batchOrHeader(value: string, line: number, fields: string[]): OpenBatch | undefined {
		if (!this.firstRowSeen) {
			this.firstRowSeen = true;
			if (value.trim() !== '' && !WHOLE_NUMBER.test(value)) {
				this.header = fields;
				return undefined;
			}
		}
		const match = WHOLE_NUMBER.exec(value);
		if (!match) {
			throw new DataError(
				`${FILE} line ${line}: the batch number (column 4) ${value === '' ? 'is empty' : `"${preview(this.text(value))}" is not a whole number`}`,
				`Every line of ${FILE} must hold ${COLUMNS}. Use the ${FILE} exactly as Scantrust delivers it.`,
			);
		}
		const number = Number(match[1]);
		this.currentValue = value;
		this.currentBytes = Buffer.from(value, 'latin1');
		if (this.open && this.open.batch.batch === number) return this.open;
		this.finishOpenBatch();
		if (this.finished.has(number)) {
			throw new DataError(
				`${FILE} line ${line}: batch ${number} comes again after other batches`,
				`The lines of a batch must follow each other, as in the ${FILE} Scantrust delivers. Use the file exactly as Scantrust delivers it; a file sorted by another column mixes the batches.`,
			);
		}
		this.open = {
			batch: {
				batch: number,
				batchValue: this.text(value),
				codeCount: 0,
				firstExtendedId: '',
				lastExtendedId: '',
				firstSequenceNumber: '',
				lastSequenceNumber: '',
				...(this.withCodes ? { codes: [] } : {}),
			},
			parts: [],
		};
		return this.open;
	}

	/** Hands the open batch on, its file made of the header and the parts. */
	private finishOpenBatch(): void {
		const open = this.open;
		if (!open) return;
		this.open = undefined;
		this.finished.add(open.batch.batch);
		this.batchCount++;
		if (this.withCsv) {
			// One buffer: a file is then written in one go (faster than piece by piece).
			let bytes = HEADER_BYTES.length;
			for (const part of open.parts) bytes += part.length;
			const csv = this.csvBuffer(bytes);
			let at = HEADER_BYTES.copy(csv);
			for (const part of open.parts) at += part.copy(csv, at);
			open.batch.csv = csv;
		}
		this.ready.push(open.batch);
	}
}

function appendPart(open: OpenBatch, part: Buffer): void {
	open.parts.push(part);
}

/** A value of a piece that is not all ASCII: its bytes (latin1-decoded) read again as UTF-8. */
function utf8Text(value: string): string {
	return Buffer.from(value, 'latin1').toString('utf8');
}

function isBlank(bytes: Buffer, from: number, to: number): boolean {
	for (let i = from; i < to; i++) {
		const c = bytes[i];
		if (c !== 0x20 && c !== 0x09) return false;
	}
	return true;
}

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
