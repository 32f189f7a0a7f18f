/** The one CSV writer: RFC 4180 fields and rows, for batch files and upload files alike. */

const NEEDS_QUOTES = /[",\r\n]/;

/** A value with a comma, quote, CR or LF goes in quotes, quotes doubled. */
export function csvField(value: string): string {
	return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvRow(values: readonly string[], eol = '\r\n'): string {
	let out = '';
	for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + csvField(values[i]);
	return out + eol;
}
