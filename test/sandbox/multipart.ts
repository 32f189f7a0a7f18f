// A multipart/form-data parser over a Buffer (binary-safe, CRLF framing per RFC 7578).

export interface Part {
	name: string;
	filename?: string;
	contentType?: string;
	headers: Record<string, string>;
	data: Buffer;
}

export class MultipartError extends Error {}

/** The boundary parameter of a multipart/form-data Content-Type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
	if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
	const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	return m ? (m[1] ?? m[2]) : null;
}

/** `form-data; name="a"; filename="b.csv"` -> { name: 'a', filename: 'b.csv' } (also RFC 5987 `filename*`). */
function dispositionParams(value: string): Record<string, string> {
	const params: Record<string, string> = {};
	const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
	for (let m = re.exec(value); m; m = re.exec(value)) {
		const key = m[1].toLowerCase();
		const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3].trim();
		if (key.endsWith('*')) {
			const star = /^[^']*'[^']*'(.*)$/.exec(raw);
			params[key.slice(0, -1)] = decodeURIComponent(star ? star[1] : raw);
		} else params[key] ??= raw;
	}
	return params;
}

function parseHeaders(block: string): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of block.split('\r\n')) {
		const colon = line.indexOf(':');
		if (colon <= 0) throw new MultipartError(`Malformed part header: ${JSON.stringify(line)}`);
		headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return headers;
}

export function parseMultipart(body: Buffer, boundary: string): Part[] {
	const delimiter = Buffer.from(`--${boundary}`);
	const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
	let pos = body.indexOf(delimiter);
	if (pos < 0) throw new MultipartError('Boundary not found in body.');
	pos += delimiter.length;
	const parts: Part[] = [];
	for (;;) {
		const after = body.toString('latin1', pos, pos + 2);
		if (after === '--') return parts; // close delimiter
		if (after !== '\r\n') throw new MultipartError('Expected CRLF after boundary.');
		const headerEnd = body.indexOf('\r\n\r\n', pos + 2);
		if (headerEnd < 0) throw new MultipartError('Part headers not terminated.');
		const headers = parseHeaders(body.toString('utf8', pos + 2, headerEnd));
		const dataEnd = body.indexOf(nextDelimiter, headerEnd + 4);
		if (dataEnd < 0) throw new MultipartError('Closing boundary missing.');
		const disposition = headers['content-disposition'] ?? '';
		if (!/^form-data\b/i.test(disposition)) throw new MultipartError('Part without Content-Disposition: form-data.');
		const params = dispositionParams(disposition);
		if (params.name === undefined) throw new MultipartError('Part without a name.');
		parts.push({
			name: params.name,
			filename: params.filename,
			contentType: headers['content-type'],
			headers,
			data: body.subarray(headerEnd + 4, dataEnd),
		});
		pos = dataEnd + nextDelimiter.length;
	}
}
