// What handlers answer with, and how it goes onto the wire.
import type { ServerResponse } from 'node:http';

export interface Reply {
	status: number;
	headers?: Record<string, string>;
	/** Buffer/string sent as is; anything else as JSON. */
	body?: unknown;
}

/** The request as handlers see it: already read and split. */
export interface IncomingRequest {
	method: string;
	/** Raw (still percent-encoded) path. */
	path: string;
	query: URLSearchParams;
	headers: Record<string, string>;
	body: Buffer;
	/** The body exceeded the read limit (its bytes were not kept). */
	bodyTooLarge: boolean;
	/** `http://<Host header>`, what Django's build_absolute_uri() starts with. */
	base: string;
}

export function send(res: ServerResponse, reply: Reply, headOnly: boolean): void {
	const headers: Record<string, string> = { ...reply.headers };
	let payload: Buffer;
	if (reply.body === undefined || reply.body === null) payload = Buffer.alloc(0);
	else if (Buffer.isBuffer(reply.body)) payload = reply.body;
	else if (typeof reply.body === 'string') payload = Buffer.from(reply.body);
	else {
		payload = Buffer.from(JSON.stringify(reply.body));
		headers['Content-Type'] ??= 'application/json';
	}
	if (payload.length > 0 || reply.status !== 204) headers['Content-Length'] = String(payload.length);
	res.writeHead(reply.status, headers);
	res.end(headOnly ? undefined : payload);
}
