/**
 * Reads a CSV file a person made (Excel, Google Sheets, a database dump) with csv-parse: comma, semicolon (Excel in
 * much of Europe) or tab, taken from the header line; RFC 4180 quotes; LF, CRLF or bare CR line breaks, even mixed.
 * Line numbers are 1-based and count every line, blank ones and those inside quoted values too.
 */
import { CsvError, parse } from 'csv-parse/sync';

import { DataError } from './DataError';

const DELIMITERS = [',', ';', '\t'];
/** CRLF first, so that it is one line break and not two. */
const LINE_BREAKS = ['\r\n', '\n', '\r'];

export interface UserCsv {
	/** Every line as a record, blank lines as [''], values unquoted and untrimmed. */
	records: string[][];
	/** The file's line break ('\n' or '\r\n'; bare CR becomes '\r\n'), to write rows the way they came. */
	eol: string;
	/** The 1-based line on which records[index] starts. */
	lineOf(index: number): number;
}

/** Line breaks in a text: CRLF, LF and a lone CR count one each. */
function breaksIn(text: string): number {
	let n = 0;
	for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
	for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) n++;
	return n;
}

function splitHeader(line: string, delimiter: string): string[] {
	try {
		return (parse(line, { delimiter, relax_quotes: true, relax_column_count: true, to_line: 1 }) as string[][])[0] ?? [];
	} catch {
		return [line];
	}
}

/**
 * Parses a CSV file (UTF-8, without BOM). The delimiter is the one whose reading of the first non-blank line has
 * the column `wanted` (any case, trimmed), else the one giving most columns, comma on a tie.
 * Broken quoting throws a DataError naming the line and column.
 */
export function readUserCsv(data: Buffer, wanted: string): UserCsv {
	// The first non-blank line is the header; its line break is the file's.
	const head = /^[\r\n]*([^\r\n]*)(\r\n|\n|\r)?/.exec(data.toString('utf8', 0, Math.min(data.length, 64 * 1024)));
	const eol = head?.[2] === '\n' ? '\n' : '\r\n';
	let best = { delimiter: ',', names: [] as string[], score: -1 };
	for (const delimiter of DELIMITERS) {
		const names = splitHeader(head?.[1] ?? '', delimiter);
		const score = (names.some((n) => n.trim().toLowerCase() === wanted) ? 1e6 : 0) + names.length;
		if (score > best.score) best = { delimiter, names, score };
	}
	let records: string[][];
	try {
		records = parse(data, { delimiter: best.delimiter, record_delimiter: LINE_BREAKS, relax_column_count: true }) as string[][];
	} catch (error) {
		throw unreadable(error, data, best.names);
	}
	let starts: number[] | undefined;
	return {
		records,
		eol,
		// Only messages need line numbers: worked out on the first call.
		lineOf(index) {
			if (starts === undefined) {
				starts = [];
				let line = 1;
				for (const record of records) {
					starts.push(line);
					line += 1;
					for (const value of record) line += breaksIn(value);
				}
			}
			return starts[index];
		},
	};
}

/** A csv-parse error as a DataError with the line (from the byte offset csv-parse reached) and the column. */
function unreadable(error: unknown, data: Buffer, names: string[]): DataError {
	if (!(error instanceof CsvError)) throw error;
	const line = 1 + breaksIn(data.toString('utf8', 0, typeof error.bytes === 'number' ? error.bytes : 0));
	const column = typeof error.column === 'number' ? error.column : -1;
	const quoting = 'In CSV a value in quotes ends with a quote followed by the delimiter or the end of the line; a quote inside such a value is written twice ("").';
	switch (error.code) {
		case 'CSV_QUOTE_NOT_CLOSED':
			return new DataError(`Line ${line}: the quoted value in column ${column + 1} is never closed (a closing " is missing)`, quoting);
		case 'CSV_INVALID_CLOSING_QUOTE':
			return new DataError(`Line ${line}: unexpected text after the closing quote of column ${column + 1}`, quoting);
		case 'INVALID_OPENING_QUOTE': {
			const field = names[column] === undefined ? `column ${column + 1}` : `field ${JSON.stringify(names[column].trim())}`;
			return new DataError(
				`Line ${line}, ${field}: a quote (") inside a value that is not in quotes; put the value in quotes and double the quote, e.g. "12"" pipe"`,
				quoting,
			);
		}
		default:
			return new DataError(`The CSV file could not be read (line ${line}): ${error.message}`, 'Save the file as "CSV UTF-8".');
	}
}
