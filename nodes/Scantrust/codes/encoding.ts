/** Encoding checks shared by Scantrust's codes.csv and people's code files: both must be UTF-8. */
import { isUtf8 } from 'node:buffer';

/** Whether the bytes start with a UTF-16 byte order mark (e.g. Excel's "Unicode Text"). */
export const startsUtf16 = (data: Uint8Array) => (data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff);

/** The bytes after a UTF-8 byte order mark, if there is one. */
export const withoutBom = (data: Buffer) => (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data);

/** The first line (0-based, ended by the byte `newline`) that is not valid UTF-8, with its bytes; undefined when all are. */
export function firstNonUtf8Line(data: Buffer, newline: number): { index: number; bytes: Buffer } | undefined {
	if (isUtf8(data)) return undefined;
	for (let index = 0, start = 0; ; index++) {
		const end = data.indexOf(newline, start);
		const bytes = data.subarray(start, end < 0 ? data.length : end);
		if (end < 0 || !isUtf8(bytes)) return { index, bytes };
		start = end + 1;
	}
}
