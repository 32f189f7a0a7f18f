// The API origin: the order DRF works in (URL, authentication, permission, throttle, method, body) and its errors.
import { authenticate, requirePermission } from './auth';
import type { Ctx } from './context';
import { ApiError, notFound } from './drf';
import { settleIngestions } from './ingestion';
import { MultipartError, boundaryOf, parseMultipart } from './multipart';
import { checkRateLimit } from './rateLimit';
import type { IncomingRequest, Reply } from './reply';
import { matchRoute, type Route } from './routes';
import { settleGenerations } from './workOrders';

const PARSES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];

export function dispatchApi(ctx: Ctx, req: IncomingRequest): Reply {
	let path: string;
	try {
		path = decodeURIComponent(req.path);
	} catch {
		return errorReply(notFound());
	}
	const match = matchRoute(path);
	if (match) {
		// DRF puts Allow on every answer of a view, errors included.
		const headers = { Allow: allowed(match.route), Vary: 'Accept' };
		try {
			const reply = handle(ctx, req, match.route, match.params);
			return { ...reply, headers: { ...headers, ...reply.headers } };
		} catch (e) {
			return errorReply(e, headers);
		}
	}
	// Django's APPEND_SLASH: a permanent redirect to the URL with the slash, whatever the method.
	if (!path.endsWith('/') && matchRoute(`${path}/`)) {
		const search = req.query.toString();
		return { status: 301, headers: { Location: `${req.path}/${search ? `?${search}` : ''}` } };
	}
	return errorReply(notFound());
}

function errorReply(e: unknown, headers: Record<string, string> = {}): Reply {
	if (!(e instanceof ApiError)) throw e;
	return { status: e.status, headers: { ...headers, ...e.headers }, body: e.body };
}

function allowed(route: Route): string {
	const methods = Object.keys(route.methods);
	if (methods.includes('GET')) methods.push('HEAD');
	return [...methods, 'OPTIONS'].join(', ');
}

function handle(ctx: Ctx, req: IncomingRequest, route: Route, params: string[]): Reply {
	const token = authenticate(ctx, req.headers.authorization);
	requirePermission(ctx, token, route.permission);
	checkRateLimit(ctx, token);
	if (req.method === 'OPTIONS') {
		return { status: 200, body: { name: route.name, description: '', renders: ['application/json'], parses: PARSES } };
	}
	const handler = route.methods[req.method === 'HEAD' ? 'GET' : req.method];
	if (!handler) throw new ApiError(405, { detail: `Method "${req.method}" not allowed.` });
	// Background work (generation, ingestion) is brought up to date before anything reads it.
	settleGenerations(ctx);
	settleIngestions(ctx);
	return handler(ctx, { ...req, params, data: () => parseBody(req), absolutePath: `${req.base}${req.path}` });
}

/** DRF's request.data: no Content-Type or an empty body gives {}; an unknown type is a 415. */
function parseBody(req: IncomingRequest): unknown {
	const contentType = req.headers['content-type'];
	if (!contentType || req.body.length === 0) return {};
	const mediaType = contentType.split(';')[0].trim().toLowerCase();
	if (mediaType === 'application/json') {
		try {
			return JSON.parse(req.body.toString('utf8'));
		} catch (e) {
			throw new ApiError(400, { detail: `JSON parse error - ${(e as Error).message}` });
		}
	}
	if (mediaType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
	if (mediaType === 'multipart/form-data') {
		try {
			const parts = parseMultipart(req.body, boundaryOf(contentType) ?? '');
			return Object.fromEntries(parts.filter((p) => p.filename === undefined).map((p) => [p.name, p.data.toString('utf8')]));
		} catch (e) {
			if (!(e instanceof MultipartError)) throw e;
			throw new ApiError(400, { detail: `Multipart form parse error - ${e.message}` });
		}
	}
	throw new ApiError(415, { detail: `Unsupported media type "${contentType}" in request.` });
}
