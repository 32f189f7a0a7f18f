import type { Readable } from 'node:stream';

import type { IDataObject, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';

import { responseBytes } from './responseBytes';

/** An HTTP answer with its whole body read. */
export interface HttpAnswer {
	statusCode: number;
	/** Lower-case names, as n8n's client gives them. */
	headers: IDataObject;
	body: Buffer;
}

/** n8n's request helper: httpRequestWithAuthentication for the API, httpRequest for storage. */
export type SendRequest = (request: IHttpRequestOptions) => Promise<unknown>;

/**
 * Takes an answer's body (a stream) until its end or the signal's abort, whichever comes first, and gives what the
 * answer keeps as its body: all of it by default; a download may write a 2xx body elsewhere and keep nothing.
 */
export type ReadBody = (statusCode: number, body: unknown, signal: AbortSignal) => Promise<Buffer>;

/** The answer did not arrive in full before the deadline; the connection was closed. */
export class DeadlineExceeded extends Error {
	constructor(readonly deadlineMs: number) {
		super(`no complete answer within ${deadlineMs / 1000} s`);
		this.name = 'DeadlineExceeded';
	}
}

export function isReadable(body: unknown): body is Readable {
	return typeof (body as Readable | undefined)?.on === 'function' && typeof (body as Readable).destroy === 'function';
}

/** The body, read to its end unless the signal aborts first (then the stream, and its connection, are destroyed). */
export function readAll(body: unknown, signal: AbortSignal): Promise<Buffer> {
	if (!isReadable(body)) return Promise.resolve(responseBytes(body) ?? Buffer.from(typeof body === 'string' ? body : ''));
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		const abort = () => {
			body.destroy();
			reject(signal.reason);
		};
		if (signal.aborted) return abort();
		signal.addEventListener('abort', abort, { once: true });
		body.on('data', (chunk: Buffer) => chunks.push(chunk));
		body.once('end', () => {
			signal.removeEventListener('abort', abort);
			resolve(Buffer.concat(chunks));
		});
		body.once('error', (error) => {
			signal.removeEventListener('abort', abort);
			reject(signal.aborted ? signal.reason : error);
		});
	});
}

/** The answer's head, unless the signal aborts first; an answer that arrives later is discarded. */
function headBefore(pending: Promise<IN8nHttpFullResponse>, signal: AbortSignal): Promise<IN8nHttpFullResponse> {
	return new Promise((resolve, reject) => {
		const abort = () => reject(signal.reason);
		signal.addEventListener('abort', abort, { once: true });
		pending.then(
			(response) => {
				signal.removeEventListener('abort', abort);
				if (!signal.aborted) return resolve(response);
				if (isReadable(response.body)) response.body.destroy();
			},
			(error: unknown) => {
				signal.removeEventListener('abort', abort);
				reject(signal.aborted ? signal.reason : error);
			},
		);
	});
}

/**
 * Sends one request and reads its whole answer within `deadlineMs` of `startedAt`. n8n's `timeout`
 * only bounds the silence between two bytes, so a server trickling its answer could hold a request for ever;
 * at the deadline the answer's connection is closed. n8n puts the execution's cancel signal in place of
 * `abortSignal` for authenticated requests, so the deadline does not rely on it.
 */
export async function sendWithDeadline(
	send: SendRequest,
	request: IHttpRequestOptions,
	deadlineMs: number,
	startedAt = Date.now(),
	readBody: ReadBody = (statusCode, body, signal) => readAll(body, signal),
): Promise<HttpAnswer> {
	const deadline = new AbortController();
	const timer = setTimeout(() => deadline.abort(new DeadlineExceeded(deadlineMs)), Math.max(0, startedAt + deadlineMs - Date.now()));
	try {
		const pending = send({
			...request,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: deadlineMs,
			abortSignal: deadline.signal,
		}) as Promise<IN8nHttpFullResponse>;
		const response = await headBefore(pending, deadline.signal);
		const body = await readBody(response.statusCode, response.body, deadline.signal);
		return { statusCode: response.statusCode, headers: (response.headers ?? {}) as IDataObject, body };
	} finally {
		clearTimeout(timer);
	}
}
