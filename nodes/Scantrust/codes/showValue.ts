/** How a value someone gave appears in an error message: quoted, short, and with nothing hidden. */

/** Characters nobody can see or tell from a space: controls, zero-width space, BOM, no-break space... (not a plain space). */
const INVISIBLE = /(?! )[\p{C}\p{Z}]/u;
const NAMES: Record<string, string> = { '\u200B': 'zero-width space', '\uFEFF': 'byte order mark', '\u00A0': 'no-break space' };
const codePoint = (ch: string) => (ch.codePointAt(0) ?? 0).toString(16).toUpperCase();

/** JSON-quoted text (other values as JSON), cut after 40 characters, invisible characters as \u{200B}. */
export function showValue(value: unknown): string {
	const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
	const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
	return (typeof value === 'string' ? JSON.stringify(cut) : cut).replace(new RegExp(INVISIBLE, 'gu'), (ch) => `\\u{${codePoint(ch)}}`);
}

/** One character named for a person: "a tab", "the invisible character U+200B (zero-width space)". */
export function describeChar(ch: string): string {
	if (ch === ' ') return '" " (a space)';
	if (ch === '\t') return 'a tab';
	if (ch === '\r' || ch === '\n') return 'a line break';
	const code = `U+${codePoint(ch).padStart(4, '0')}`;
	if (/\p{Cc}/u.test(ch)) return `the control character ${code}`;
	if (INVISIBLE.test(ch)) return `the invisible character ${code}${NAMES[ch] ? ` (${NAMES[ch]})` : ''}`;
	return JSON.stringify(ch);
}
