/**
 * Reads a CSV file a person made (Excel, Google Sheets, a database dump) with csv-parse: comma, semicolon (Excel in
 * much of Europe) or tab, taken from the header line; RFC 4180 quotes; LF, CRLF or bare CR line breaks, even mixed.
 */
import { CsvError, parse } from 'csv-parse/sync';

import { DataError } from './DataError';

export interface UserCsv {
	/** One record per line (blank lines are ['']), values unquoted and untrimmed. */
	records: string[][];
	/** The header's line break ('\n' or '\r\n'; a bare CR gives '\r\n'), to write rows the way they came. */
	eol: string;
	/** The file with commas for its delimiter and a final line break, if that is what its rows written back would be. */
	commaSeparated(): Buffer | undefined;
	/** The 1-based line on which records[index] starts, counting blank lines and those inside quoted values. */
	lineOf(index: number): number;
}

/** Line breaks in a text: CRLF, LF and a lone CR count one each. */
function breaksIn(text: string): number {
	return text.match(/\r\n?|\n/g)?.length ?? 0;
}

/** The one line break a file uses, or undefined when it mixes them. */
function lineBreakOf(data: Buffer): string | undefined {
	if (data.indexOf(13) === -1) return '\n';
	if (data.indexOf(10) === -1) return '\r';
	return /\r(?!\n)|(?<!\r)\n/.test(data.toString('latin1')) ? undefined : '\r\n';
}

/** The 1-based line each record starts on: one line per record before it, plus the line breaks in its values. */
function lineStarts(records: string[][]): number[] {
	let line = 1;
	return records.map((record) => {
		const start = line;
		line += 1 + breaksIn(record.join(''));
		return start;
	});
}

const namesOf = (line: string, delimiter: string) =>
	(parse(line, { delimiter, relax_quotes: true, relax_column_count: true, skip_records_with_error: true }) as string[][])[0] ?? [];

/** Parses a UTF-8 CSV file. The delimiter: the one that gives the first non-blank line a column `wanted` (any case), else the most columns. */
export function readUserCsv(data: Buffer, wanted: string): UserCsv {
	const head = /^[\r\n]*([^\r\n]*)(\r\n|\n|\r)?/.exec(data.toString('utf8', 0, Math.min(data.length, 65536)));
	let best = { delimiter: ',', names: [] as string[], score: -1 };
	for (const delimiter of [',', ';', '\t']) {
		const names = namesOf(head?.[1] ?? '', delimiter);
		const score = names.length + (names.some((n) => n.trim().toLowerCase() === wanted) ? 1e6 : 0);
		if (score > best.score) best = { delimiter, names, score };
	}
	const lineBreak = lineBreakOf(data);
	let records: string[][];
	try {
		// One kind of line break parses faster; mixed ones are listed CRLF first, so that it is one break and not two.
		const record_delimiter = lineBreak ?? ['\r\n', '\n', '\r'];
		records = parse(data, { delimiter: best.delimiter, record_delimiter, relax_column_count: true }) as string[][];
	} catch (error) {
		throw unreadable(error, data, best.names);
	}
	let starts: number[] | undefined; // only messages need line numbers: counted on the first call
	const lineOf = (index: number) => (starts ??= lineStarts(records))[index];
	const eol = head?.[2] === '\n' ? '\n' : '\r\n';
	const delimiter = best.delimiter.charCodeAt(0);
	const simple = lineBreak === eol && !data.includes(0x22) && (delimiter === 0x2c || !data.includes(0x2c));
	const commaSeparated = () => {
		if (!simple) return undefined;
		const converted = Buffer.concat([data, Buffer.from(data.subarray(-eol.length).toString('latin1') === eol ? '' : eol)]);
		// No byte of a multi-byte UTF-8 character is ASCII, so every delimiter byte is a delimiter.
		if (delimiter !== 0x2c) for (let i = 0; i < converted.length; i++) if (converted[i] === delimiter) converted[i] = 0x2c;
		return converted;
	};
	return { records, eol, commaSeparated, lineOf };
}

const QUOTE_PROBLEMS: Record<string, (column: number, field: string) => string> = {
	CSV_QUOTE_NOT_CLOSED: (column) => `: the quoted value in column ${column} is never closed (a closing " is missing)`,
	CSV_INVALID_CLOSING_QUOTE: (column) => `: unexpected text after the closing quote of column ${column}`,
	INVALID_OPENING_QUOTE: (_, field) => `, ${field}: a quote (") inside a value that is not in quotes; put the value in quotes and double the quote, e.g. "12"" pipe"`,
};

/** A csv-parse error as a DataError naming the line (from the byte offset csv-parse reached) and the column. */
function unreadable(error: unknown, data: Buffer, names: string[]): unknown {
	if (!(error instanceof CsvError)) return error;
	const line = 1 + breaksIn(data.toString('utf8', 0, Number(error.bytes) || 0));
	const column = Number(error.column) + 1 || 0;
	const field = names[column - 1] === undefined ? `column ${column}` : `field ${JSON.stringify(names[column - 1].trim())}`;
	const problem = QUOTE_PROBLEMS[error.code];
	if (problem === undefined) return new DataError(`The CSV file could not be read (line ${line}): ${error.message}`, 'Save the file as "CSV UTF-8".');
	const rule = 'In CSV a value in quotes ends with a quote followed by the delimiter or the end of the line; a quote inside such a value is written twice ("").';
	return new DataError(`Line ${line}${problem(column, field)}`, rule);
}
