// The request pipeline both origins share: read, record, apply faults, dispatch, answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx } from './context';
import { faultReply, takeFault } from './faults';
import { MAX_UPLOAD_BYTES } from './presign';
import { send, type IncomingRequest, type Reply } from './reply';
import type { Origin } from './types';
import { sleep } from './util';

export type Dispatch = (ctx: Ctx, req: IncomingRequest) => Reply;

/** Room for the multipart framing around a maximal upload; larger bodies are drained, not kept. */
const MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024;

function readBody(req: IncomingMessage): Promise<{ body: Buffer; tooLarge: boolean }> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		req.on('end', () => resolve({ body: size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : Buffer.alloc(0), tooLarge: size > MAX_BODY_BYTES }));
		req.on('error', reject);
	});
}

/** All headers, lower-cased; repeated ones joined as Node does for most headers. */
function headersOf(req: IncomingMessage): Record<string, string> {
	const headers: Record<string, string> = {};
	for (let i = 0; i < req.rawHeaders.length; i += 2) {
		const name = req.rawHeaders[i].toLowerCase();
		headers[name] = name in headers ? `${headers[name]}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
	}
	return headers;
}

export function originHandler(ctx: Ctx, origin: Origin, dispatch: Dispatch) {
	return (req: IncomingMessage, res: ServerResponse): void => {
		handle(ctx, origin, dispatch, req, res).catch((err: Error) => {
			ctx.serverErrors.push(err);
			if (!res.headersSent) send(res, { status: 500, body: '<h1>Server Error (500)</h1>', headers: { 'Content-Type': 'text/html' } }, false);
			else res.destroy();
		});
	};
}

async function handle(ctx: Ctx, origin: Origin, dispatch: Dispatch, req: IncomingMessage, res: ServerResponse): Promise<void> {
	const method = (req.method ?? 'GET').toUpperCase();
	const url = new URL(req.url ?? '/', 'http://placeholder');
	const rawPath = (req.url ?? '/').split('?')[0];
	const headers = headersOf(req);
	const { body, tooLarge } = await readBody(req);
	ctx.requests.push({
		origin,
		method,
		path: rawPath,
		query: Object.fromEntries(url.searchParams),
		headers,
		...(body.length > 0 ? { body } : {}),
		at: Date.now(),
	});

	const fault = takeFault(ctx.faults, method, rawPath);
	if (fault?.delayMs) await sleep(fault.delayMs);
	// destroySocket alone drops the connection before handling; with afterHandling, after it.
	if (fault?.destroySocket && !fault.afterHandling) {
		req.socket.destroy();
		return;
	}
	if (fault && !fault.afterHandling) return send(res, faultReply(fault, origin), method === 'HEAD');

	const incoming: IncomingRequest = {
		method,
		path: rawPath,
		query: url.searchParams,
		headers,
		body,
		bodyTooLarge: tooLarge,
		base: `http://${headers.host ?? req.socket.localAddress + ':' + req.socket.localPort}`,
	};
	const reply = dispatch(ctx, incoming);
	if (fault?.destroySocket) {
		// Handled (e.g. the work order is created), then the connection drops before any answer.
		req.socket.destroy();
		return;
	}
	send(res, fault ? faultReply(fault, origin) : reply, method === 'HEAD');
}
