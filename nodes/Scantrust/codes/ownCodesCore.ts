/** Own codes (ingestion): limits, the id and activation_status rules, and the builder of the upload file(s). */
import { csvRow } from './csvWriter';
import { DataError } from './DataError';
import { describeChar, showValue } from './showValue';

/** Scantrust accepts upload files of at most 100 MB; larger inputs are split. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** How many problems one error message lists; the total is always given. */
export const MAX_REPORTED_PROBLEMS = 10;
/** Id rule of Scantrust's ingestion API: `^[A-Za-z0-9_-]{8,}$`, at most 100 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{8,}$/;
const ID_MAX_LENGTH = 100;
const ID_RULE = 'an id must be at least 8 characters of letters, digits, - or _';
const STATUS_RULE = 'it must be 0 (inactive), 1 (active) or 2 (blacklisted), or empty';

/** The builder's result: UTF-8 CSV files of at most the size limit, each with the header (JSON input is converted). */
export interface OwnCodesFile {
	files: Buffer[];
	filetype: 'csv';
	/** Data rows over all files, allowed duplicates included; codeCounts: per file. */
	codeCount: number;
	codeCounts: number[];
	/** Allowed duplicates left out because their id was already written to an earlier file. */
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
	return KNOWN_COLUMNS.has(trimmed.toLowerCase()) ? trimmed.toLowerCase() : trimmed;
}

/** Why an id breaks the rule, or undefined when it is valid. */
function idProblem(id: unknown): string | undefined {
	if (typeof id !== 'string') return id === undefined || id === null ? 'missing; every code needs an id' : `${showValue(id)} is not text; the id must be text`;
	if (id.length <= ID_MAX_LENGTH && ID_PATTERN.test(id)) return undefined;
	if (id.length === 0) return 'the id is empty; every code needs one';
	if (id.length > ID_MAX_LENGTH) return `${showValue(id)} is ${id.length} characters long; an id may have at most ${ID_MAX_LENGTH}`;
	const bad = /[^A-Za-z0-9_-]/u.exec(id);
	return `${showValue(id)} ${bad ? `contains ${describeChar(bad[0])}` : `is ${id.length} characters long`}; ${ID_RULE}`;
}

/** Rows whose id may repeat: those whose FNV-1a hash another id shares (sorting hashes beats a Map of a million ids). */
export function mayRepeat(ids: readonly string[]): (ref: number) => boolean {
	const hashes = Uint32Array.from(ids, (id) => {
		let hash = 0x811c9dc5;
		for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
		return hash >>> 0;
	});
	const sorted = hashes.slice().sort();
	const shared = new Set<number>();
	for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) shared.add(sorted[i]);
	return (ref) => shared.size > 0 && shared.has(hashes[ref]);
}

/** How the rows of one source are named in messages: "Line 5", "Item 3", "Array index 3". */
export type RowNaming = (ref: number) => string;

/** Checks codes (the id rule; duplicates over the whole input) and writes upload files of at most maxBytes, each with the header. */
export class UploadBuilder {
	codeCount = 0;
	private readonly shown: string[] = [];
	private total = 0;
	private readonly seen = new Map<unknown, number>(); // valid ids (text) -> their first row
	private readonly header: Buffer;
	private readonly files: Buffer[] = [];
	private readonly counts: number[] = [];
	/** The file being written: its rows so far (text, turned into a Buffer about every MB), size, rows, first row's ref. */
	private readonly chunks: Buffer[] = [];
	private text = '';
	private size: number;
	private rows = 0;
	private startRef = 0;
	private dropped = 0;

	constructor(
		private readonly columns: string[],
		private readonly eol: string,
		private readonly naming: RowNaming,
		private readonly allowPostedDuplicates: boolean,
		private readonly maxBytes: number,
		private readonly mayRepeat: (ref: number) => boolean = () => true,
	) {
		this.header = Buffer.from(csvRow(columns, eol), 'utf8');
		this.size = this.header.length;
	}

	/** Adds `Line 5, field "id": <what>` (or `Item 3: <what>` without a field). */
	report(ref: number, field: string | undefined, what: string): void {
		if (this.total++ >= MAX_REPORTED_PROBLEMS) return;
		this.shown.push(`${this.naming(ref)}${field === undefined ? '' : `, field ${showValue(field)}`}: ${what}`);
	}

	/** Checks an id (`field`: the column or property the user knows) for the rule and, over the whole input, for duplicates. */
	checkId(id: unknown, ref: number, field: string): void {
		this.codeCount++;
		const problem = idProblem(id);
		if (problem !== undefined) return this.report(ref, field, problem);
		if (!this.mayRepeat(ref)) return;
		const first = this.seen.get(id);
		if (first === undefined) this.seen.set(id, ref);
		else if (!this.allowPostedDuplicates) this.report(ref, field, `${showValue(id)} is a duplicate of ${this.naming(first).replace(/^./, (c) => c.toLowerCase())}`);
	}

	/** Checks an activation status given as text or number; returns the value to write ('' | '0' | '1' | '2'). */
	checkStatus(value: unknown, ref: number, field: string, strictText: boolean): string {
		if (value === undefined || value === null || value === '') return '';
		if (value === 0 || value === 1 || value === 2) return String(value);
		const text = typeof value === 'string' && !strictText ? value.trim() : value;
		if (text === '0' || text === '1' || text === '2' || text === '') return text;
		this.report(ref, field, `${showValue(value)} is not a valid activation_status; ${STATUS_RULE}`);
		return '';
	}

	/** Writes a checked row, unless a problem was found. */
	write(values: readonly string[], ref: number, id: string): void {
		if (this.total > 0) return;
		const row = csvRow(values, this.eol);
		const bytes = Buffer.byteLength(row, 'utf8');
		const fits = this.size + bytes <= this.maxBytes;
		// Scantrust ignores a posted duplicate within one file only (later it is an existing_id_error): kept in its first's file.
		const first = this.allowPostedDuplicates ? (this.seen.get(id) ?? ref) : ref;
		if (first !== ref && !(fits && this.rows > 0 && first >= this.startRef)) {
			this.dropped++;
			return;
		}
		if (!fits && this.rows === 0) {
			const limit = `with the ${this.header.length}-byte header it does not fit in one upload file of at most ${this.maxBytes} bytes`;
			throw new DataError(`${this.naming(ref)} is ${bytes} bytes; ${limit}`);
		}
		if (!fits) this.endFile();
		if (this.rows++ === 0) this.startRef = ref;
		this.size += bytes;
		this.text += row;
		if (this.text.length < 1 << 20) return;
		this.chunks.push(Buffer.from(this.text, 'utf8'));
		this.text = '';
	}

	private endFile(): void {
		this.files.push(Buffer.concat([this.header, ...this.chunks.splice(0), Buffer.from(this.text, 'utf8')], this.size));
		this.counts.push(this.rows);
		this.text = '';
		this.rows = 0;
		this.size = this.header.length;
	}

	/** Throws one DataError with the collected problems, or `emptyMessage` when there are no codes. */
	check(emptyMessage: string): void {
		const { shown, total } = this;
		if (total > 0) {
			const listed = total > shown.length ? ` (the first ${shown.length} are listed)` : '';
			throw new DataError(total === 1 ? shown[0] : `${total} problems in the codes to upload${listed}: ${shown.join('; ')}`, [
				'Nothing was uploaded.',
				...shown.map((p) => `- ${p}`),
				...(total > shown.length ? [`- … and ${total - shown.length} more`] : []),
				`Rules: ${ID_RULE} (at most ${ID_MAX_LENGTH}); activation_status must be 0 (inactive), 1 (active), 2 (blacklisted) or empty; ids must be unique unless posted duplicates are allowed (Scantrust then keeps the first).`,
			].join('\n'));
		}
		if (this.codeCount === 0) throw new DataError(emptyMessage, 'Scantrust needs at least one code (row with an id) per upload.');
	}

	/** The upload file(s) written, or `asIs`: the input file when writing its checked rows would give the same bytes. */
	finish(emptyMessage: string, asIs?: Buffer): OwnCodesFile {
		this.check(emptyMessage);
		if (asIs) this.files.push(asIs);
		else if (this.rows > 0) this.endFile();
		const { files, columns, codeCount } = this;
		return { files, filetype: 'csv', codeCount, codeCounts: asIs ? [codeCount] : this.counts, columns, droppedDuplicates: this.dropped };
	}
}
