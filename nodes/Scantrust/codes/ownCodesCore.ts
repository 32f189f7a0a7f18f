/**
 * Shared pieces of the own-codes (ingestion) file builder: limits, the id / activation_status rules,
 * the problem collector, RFC 4180 quoting and the size-splitting writer.
 * Pure: no n8n, no disk, no network. The public API is in ./ownCodes.ts.
 */
import { DataError } from './DataError';

/** Scantrust accepts upload files of at most 100 MB (seed 002 / SPEC section 2). Larger inputs are split. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** How many problems one error message lists; the total is always given. */
export const MAX_REPORTED_PROBLEMS = 10;

/** Id rule of the ingestion API (seed 002): `^[A-Za-z0-9_-]{8,}$`, at most 100 characters (SID codes, SPEC 4). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{8,}$/;
export const ID_MIN_LENGTH = 8;
export const ID_MAX_LENGTH = 100;
export const ID_RULE = 'an id must be at least 8 characters of letters, digits, - or _';
export const STATUS_RULE = 'it must be 0 (inactive), 1 (active) or 2 (blacklisted), or empty';

/** The result of the builder: the upload file(s), always CSV. */
export interface OwnCodesFile {
	/** One or more UTF-8 CSV files, each at most the size limit, each starting with the same header line. */
	files: Buffer[];
	/** The `filetype` to ask Scantrust's get-post-data for: always 'csv' (JSON input is converted). */
	filetype: 'csv';
	/** Codes (data rows) over all files; with allowed posted duplicates, duplicates are counted too. */
	codeCount: number;
	/** Rows written per file, same order as `files`. */
	codeCounts: number[];
	/**
	 * Allowed duplicates left out because their id was already written to an earlier file (see SplitWriter.addText).
	 * Always 0 when everything fits in one file.
	 */
	droppedDuplicates: number;
	/** Header columns as written, e.g. ['id', 'product', 'activation_status']. */
	columns: string[];
}

/** Columns Scantrust gives a meaning to; matched case-insensitively and written in lower case. */
export const ID_COLUMN = 'id';
export const STATUS_COLUMN = 'activation_status';
const KNOWN_COLUMNS = new Set([ID_COLUMN, 'product', STATUS_COLUMN]);

/** Trims a column name and lower-cases the three columns Scantrust knows (`ID` -> `id`); SCM keys stay as typed. */
export function canonicalColumn(name: string): string {
	const trimmed = name.trim();
	const lower = trimmed.toLowerCase();
	return KNOWN_COLUMNS.has(lower) ? lower : trimmed;
}

/** Shows a value in a message: JSON-quoted, cut after 40 characters. */
export function showValue(value: string): string {
	const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
	return JSON.stringify(cut);
}

function describeChar(ch: string): string {
	if (ch === ' ') return '" " (a space)';
	if (ch === '\t') return 'a tab';
	if (ch === '\r' || ch === '\n') return 'a line break';
	const code = ch.codePointAt(0) ?? 0;
	if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
	return JSON.stringify(ch);
}

/** Why an id breaks the rule, or undefined when it is valid. */
export function idProblem(id: string): string | undefined {
	if (id.length === 0) return 'the id is empty; every code needs one';
	if (id.length > ID_MAX_LENGTH) return `${showValue(id)} is ${id.length} characters long; an id may have at most ${ID_MAX_LENGTH}`;
	const bad = /[^A-Za-z0-9_-]/u.exec(id);
	if (bad) return `${showValue(id)} contains ${describeChar(bad[0])}; ${ID_RULE}`;
	if (id.length < ID_MIN_LENGTH) return `${showValue(id)} is ${id.length} characters long; ${ID_RULE}`;
	return undefined;
}

/** Collects problems; keeps the first MAX_REPORTED_PROBLEMS messages and counts all of them. */
export class Problems {
	readonly shown: string[] = [];
	total = 0;

	add(message: string): void {
		this.total++;
		if (this.shown.length < MAX_REPORTED_PROBLEMS) this.shown.push(message);
	}

	/** Throws one DataError naming the first problems and the total, so a user fixes them all in one go. */
	throwIfAny(): void {
		if (this.total === 0) return;
		const listed = this.shown.length;
		const message =
			this.total === 1
				? this.shown[0]
				: `${this.total} problems in the codes to upload${this.total > listed ? ` (the first ${listed} are listed)` : ''}: ${this.shown.join('; ')}`;
		const description = [
			'Nothing was uploaded.',
			...this.shown.map((p) => `- ${p}`),
			...(this.total > listed ? [`- … and ${this.total - listed} more`] : []),
			`Rules: ${ID_RULE} (at most ${ID_MAX_LENGTH}); activation_status must be 0 (inactive), 1 (active), 2 (blacklisted) or empty; ids must be unique unless posted duplicates are allowed (Scantrust then keeps the first).`,
		].join('\n');
		throw new DataError(message, description);
	}
}

/** How the rows of one source are named in messages. */
export interface RowNaming {
	/** "Line 5", "Item 3", "Array index 3" */
	label(ref: number): string;
}

/**
 * Validates ids and activation statuses and detects duplicate ids over the whole input
 * (a Map of id -> first row, spanning every output file). With allowPostedDuplicates the Map is still kept:
 * Scantrust ignores duplicates only within one file, so a split upload must know where an id was first written.
 */
export class CodeChecker {
	readonly problems = new Problems();
	private readonly seen = new Map<string, number>();
	codeCount = 0;

	constructor(
		private readonly naming: RowNaming,
		private readonly allowPostedDuplicates: boolean,
	) {}

	/** Adds `Line 5, field "id": <what>` (or `Item 3: <what>` without a field). */
	report(ref: number, field: string | undefined, what: string): void {
		const where = field === undefined ? this.naming.label(ref) : `${this.naming.label(ref)}, field ${JSON.stringify(field)}`;
		this.problems.add(`${where}: ${what}`);
	}

	/**
	 * Checks an id given as text; `field` is the name the user knows (column or item property).
	 * Returns the ref of the id's first occurrence when it is an allowed duplicate, else undefined.
	 */
	checkId(id: string, ref: number, field: string): number | undefined {
		this.codeCount++;
		const problem = idProblem(id);
		if (problem !== undefined) {
			this.report(ref, field, problem);
			return undefined;
		}
		const first = this.seen.get(id);
		if (first === undefined) {
			this.seen.set(id, ref);
			return undefined;
		}
		if (this.allowPostedDuplicates) return first;
		this.reportDuplicate(id, ref, first, field);
		return undefined;
	}

	/** `Line 9, field "id": "abc12345" is a duplicate of line 3` (also used by the CSV scanner's own id table). */
	reportDuplicate(id: string, ref: number, firstRef: number, field: string): void {
		const other = this.naming.label(firstRef);
		this.report(ref, field, `${showValue(id)} is a duplicate of ${other.charAt(0).toLowerCase()}${other.slice(1)}`);
	}

	/** Checks an activation status given as text or number; returns the value to write ('' | '0' | '1' | '2'). */
	checkStatus(value: unknown, ref: number, field: string, strictText: boolean): string {
		if (value === undefined || value === null || value === '') return '';
		if (typeof value === 'number' && (value === 0 || value === 1 || value === 2)) return String(value);
		if (typeof value === 'string') {
			const v = strictText ? value : value.trim();
			if (v === '0' || v === '1' || v === '2') return v;
			if (!strictText && v === '') return '';
		}
		const shown = typeof value === 'string' ? showValue(value) : JSON.stringify(value) ?? String(value);
		this.report(ref, field, `${shown} is not a valid activation_status; ${STATUS_RULE}`);
		return '';
	}

	/** Throws the collected problems, or the "no codes" error. */
	finish(emptyMessage: string): void {
		this.problems.throwIfAny();
		if (this.codeCount === 0) throw new DataError(emptyMessage, 'Scantrust needs at least one code (row with an id) per upload.');
	}
}

export { csvField, csvRow } from './csvWriter';

/** Text rows are gathered in strings and turned into Buffers about every this many bytes. */
const TEXT_CHUNK_BYTES = 1024 * 1024;

/**
 * Writes rows into upload files of at most maxBytes each, every file starting with the header,
 * rows never cut. Rows are either text (re-serialised CSV) or byte ranges of the input (passed through).
 * Consecutive input ranges are merged, so a clean file becomes a handful of slices, not one object per row.
 */
export class SplitWriter {
	readonly files: Buffer[] = [];
	readonly counts: number[] = [];
	private parts: Buffer[] = [];
	private texts: string[] = [];
	private textBytes = 0;
	private size: number;
	private rows = 0;
	/** Ref of the first row of the file being written. */
	private partStartRef = 0;
	/** Allowed duplicates left out because their first row went into an earlier file. */
	private dropped = 0;
	private runSrc: Buffer | undefined;
	private runStart = 0;
	private runEnd = 0;

	/**
	 * @param header the header line with its line break, as written in every file
	 * @param headerInSource when the header equals these bytes of the input and the whole first file is one
	 *   contiguous range right after them, that file is a view of the input instead of a copy
	 */
	constructor(
		private readonly header: Buffer,
		private readonly maxBytes: number,
		private readonly naming: RowNaming,
		private readonly headerInSource?: { src: Buffer; start: number; end: number },
	) {
		this.size = header.length;
	}

	private room(bytes: number, ref: number): void {
		if (this.size + bytes <= this.maxBytes) return;
		if (this.rows === 0) {
			throw new DataError(
				`${this.naming.label(ref)} is ${bytes} bytes; with the ${this.header.length}-byte header it does not fit in one upload file of at most ${this.maxBytes} bytes`,
			);
		}
		this.endFile();
	}

	/**
	 * For a row that is an allowed duplicate of the row at `firstRef`: whether to leave it out, because it would not
	 * go into the same file as that first row (counted in `dropped`). Refs grow with the input, so a first row at or
	 * after the current file's first row is in this file. Scantrust ignores a posted duplicate only within one file;
	 * in a later file it is an existing_id_error.
	 */
	private dropsDuplicate(firstRef: number | undefined, bytes: number): boolean {
		if (firstRef === undefined) return false;
		if (this.rows > 0 && firstRef >= this.partStartRef && this.size + bytes <= this.maxBytes) return false;
		this.dropped++;
		return true;
	}

	/** Header bytes every file starts with. */
	get headerBytes(): number {
		return this.header.length;
	}

	/**
	 * Adds a row (with its line break); `ref` names it in an error (line or item number). `firstRef`: for an allowed
	 * duplicate, the ref of its id's first row (the row is left out when that went into an earlier file).
	 */
	addText(row: string, ref: number, firstRef?: number): void {
		const bytes = Buffer.byteLength(row, 'utf8');
		if (this.dropsDuplicate(firstRef, bytes)) return;
		this.room(bytes, ref);
		if (this.rows === 0) this.partStartRef = ref;
		this.flushRun();
		this.texts.push(row);
		this.textBytes += bytes;
		if (this.textBytes >= TEXT_CHUNK_BYTES) this.flushTexts();
		this.size += bytes;
		this.rows++;
	}

	/** Adds the row src[start, end) (with its line break, if any); `ref` and `firstRef` as for addText. */
	addSlice(src: Buffer, start: number, end: number, ref: number, firstRef?: number): void {
		if (this.dropsDuplicate(firstRef, end - start)) return;
		this.room(end - start, ref);
		if (this.rows === 0) this.partStartRef = ref;
		if (this.runSrc === src && this.runEnd === start) {
			this.runEnd = end;
		} else {
			this.flushTexts();
			this.flushRun();
			this.runSrc = src;
			this.runStart = start;
			this.runEnd = end;
		}
		this.size += end - start;
		this.rows++;
	}

	private flushTexts(): void {
		if (this.texts.length === 0) return;
		this.parts.push(Buffer.from(this.texts.join(''), 'utf8'));
		this.texts = [];
		this.textBytes = 0;
	}

	private flushRun(): void {
		if (this.runSrc === undefined) return;
		this.parts.push(this.runSrc.subarray(this.runStart, this.runEnd));
		this.runSrc = undefined;
	}

	private endFile(): void {
		const h = this.headerInSource;
		if (
			h !== undefined &&
			this.files.length === 0 &&
			this.parts.length === 0 &&
			this.texts.length === 0 &&
			this.runSrc === h.src &&
			this.runStart === h.end
		) {
			// Pass-through: the file is the input itself (minus BOM / leading blank lines), no copy.
			this.files.push(h.src.subarray(h.start, this.runEnd));
			this.runSrc = undefined;
		} else {
			this.flushTexts();
			this.flushRun();
			this.files.push(Buffer.concat([this.header, ...this.parts], this.size));
		}
		this.counts.push(this.rows);
		this.parts = [];
		this.size = this.header.length;
		this.rows = 0;
	}

	finish(): { files: Buffer[]; counts: number[]; dropped: number } {
		if (this.rows > 0) this.endFile();
		return { files: this.files, counts: this.counts, dropped: this.dropped };
	}
}

/** Validates the optional size limit (tests use small ones). */
export function fileLimit(maxFileBytes: number | undefined): number {
	if (maxFileBytes === undefined) return MAX_UPLOAD_BYTES;
	if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 1 || maxFileBytes > MAX_UPLOAD_BYTES) {
		throw new DataError(`The file size limit must be a whole number of bytes from 1 to ${MAX_UPLOAD_BYTES}, got ${maxFileBytes}`);
	}
	return maxFileBytes;
}

/**
 * Offset of the first byte that is not part of valid UTF-8 (overlongs, surrogates and > U+10FFFF rejected),
 * or -1. A plain loop: no decoding, no copy.
 */
export function firstInvalidUtf8(buf: Buffer, start = 0): number {
	const len = buf.length;
	let i = start;
	while (i < len) {
		const b = buf[i];
		if (b < 0x80) {
			i++;
			continue;
		}
		let need: number;
		let min: number;
		let cp: number;
		if (b >= 0xc2 && b <= 0xdf) {
			need = 1;
			min = 0x80;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			need = 2;
			min = 0x800;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			need = 3;
			min = 0x10000;
			cp = b & 0x07;
		} else {
			return i;
		}
		for (let k = 1; k <= need; k++) {
			const c = buf[i + k];
			if (c === undefined || (c & 0xc0) !== 0x80) return i;
			cp = (cp << 6) | (c & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
		i += need + 1;
	}
	return -1;
}
