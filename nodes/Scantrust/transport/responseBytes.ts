/**
 * A response body that came as bytes (n8n hands out a Buffer, an ArrayBuffer or a view) as a Buffer, without
 * copying; undefined for any other body (parsed JSON, text).
 */
export function responseBytes(body: unknown): Buffer | undefined {
	if (Buffer.isBuffer(body)) return body;
	if (body instanceof ArrayBuffer) return Buffer.from(body);
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	return undefined;
}
