import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { baseUrlOf, baseUrlProblem, type ScantrustCredentials } from './environments';
import { apiError, ElsewhereError, networkError, notJsonError, redactor, type Redact, type RequestPurpose } from './errors';
import { sendWithDeadline, type HttpAnswer, type ReadBody, type SendRequest } from './http';
import { DEFAULT_RETRY_POLICY, withRetries, type RequestLimits } from './retry';

export type ScantrustContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

/** An API answer is small: a minute is plenty for one attempt. */
export const API_LIMITS: RequestLimits = Object.freeze({ retry: DEFAULT_RETRY_POLICY, deadlineMs: 60_000 });

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Redirects followed on the API's own origin within one attempt. */
const MAX_REDIRECTS = 5;

export interface ApiRequestOptions extends RequestPurpose {
	method: IHttpRequestMethods;
	/**
	 * Path under the base URL, e.g. '/api/v2/workorders/', or an absolute link the API gave
	 * (a `next` page), which must be on the API's host.
	 */
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	/** 'arraybuffer' for a file (the answer's body comes back as bytes); default JSON. */
	encoding?: 'arraybuffer';
}

async function credentialsOf(ctx: ScantrustContext): Promise<ScantrustCredentials> {
	return (await ctx.getCredentials('scantrustApi')) as unknown as ScantrustCredentials;
}

/** The credential's base URL; one that is no web address fails here, before anything is sent or retried. */
function baseUrlFor(ctx: ScantrustContext, credentials: ScantrustCredentials): string {
	const problem = baseUrlProblem(credentials);
	if (problem !== undefined) {
		throw new NodeOperationError(ctx.getNode(), problem, {
			description: 'Open the Scantrust API credential and set the Base URL to the address of the API, e.g. https://api.example.com.',
		});
	}
	return baseUrlOf(credentials);
}

export async function getBaseUrl(this: ScantrustContext): Promise<string> {
	return baseUrlFor(this, await credentialsOf(this));
}

/** An absolute http(s) link, as the API gives in `next` and `codegen_file` (anything else is a path). */
export function isAbsoluteLink(link: string): boolean {
	return /^https?:\/\//i.test(link);
}

/**
 * An absolute link from the API (e.g. a `next` page) as it is to be requested: on the base URL's host
 * and scheme (a proxy may report http for https). undefined when it points to another host.
 */
export function onApiHost(baseURL: string, link: string): string | undefined {
	const api = new URL(baseURL);
	const target = new URL(link, api);
	if (target.host !== api.host) return undefined;
	return `${api.protocol}//${api.host}${target.pathname}${target.search}`;
}

/**
 * One attempt: the request, and redirects followed by hand while they stay on the API's origin (n8n's
 * client would keep the token on a redirect to a subdomain). A redirect elsewhere is the answer.
 */
async function sendOnApiOrigin(
	send: SendRequest,
	request: IHttpRequestOptions,
	apiOrigin: string,
	deadlineMs: number,
	readBody?: ReadBody,
): Promise<HttpAnswer> {
	const startedAt = Date.now();
	let current = request;
	for (let hop = 0; ; hop++) {
		const answer = await sendWithDeadline(send, current, deadlineMs, startedAt, readBody);
		const target = REDIRECTS.has(answer.statusCode) ? redirectTarget(answer, current.url) : undefined;
		if (target === undefined || target.origin !== apiOrigin || hop >= MAX_REDIRECTS) return answer;
		// As browsers do: 303, and 301/302 after a POST, repeat as a GET without a body.
		const toGet = answer.statusCode === 303 || (current.method === 'POST' && answer.statusCode !== 307 && answer.statusCode !== 308);
		current = { ...current, url: target.href, qs: undefined, ...(toGet && current.method !== 'HEAD' ? { method: 'GET', body: undefined } : {}) };
	}
}

function redirectTarget(answer: HttpAnswer, from: string): URL | undefined {
	const location = answer.headers.location;
	if (typeof location !== 'string' || location === '') return undefined;
	try {
		return new URL(location, from);
	} catch {
		return undefined;
	}
}

/** An error answer's body as the JSON (or text) it is, with the token blanked out. */
function errorBody(body: Buffer, redact: Redact): unknown {
	const text = redact(body.toString('utf8'));
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/** A 2xx answer to a JSON request: an object or a list, anything else is an error. */
function jsonBody(ctx: ScantrustContext, answer: HttpAnswer, options: ApiRequestOptions, redact: Redact): IDataObject {
	if (answer.statusCode === 204) return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(redact(answer.body.toString('utf8')));
	} catch {
		parsed = undefined;
	}
	if (parsed === null || typeof parsed !== 'object') {
		throw notJsonError(ctx.getNode(), answer.statusCode, answer.body, String(answer.headers['content-type'] ?? ''), options);
	}
	return parsed as IDataObject;
}

/**
 * The one way the nodes talk to the Scantrust API: authentication through the credential,
 * DRF errors turned into readable NodeApiErrors, 429 waited out, 5xx retried only where repeating is safe.
 * The answer must be JSON; the token never appears in an error.
 */
export async function apiRequest(this: ScantrustContext, options: ApiRequestOptions, limits: RequestLimits = API_LIMITS): Promise<IDataObject> {
	return (await apiRequestBody.call(this, options, limits)) as IDataObject;
}

/**
 * A file from the API's own host (e.g. a codes archive served there), with apiRequest's errors and retries.
 * `readBody` may take the body elsewhere (a file) instead of into the returned Buffer.
 */
export async function apiRequestFile(
	this: ScantrustContext,
	options: Omit<ApiRequestOptions, 'encoding'>,
	limits: RequestLimits = API_LIMITS,
	readBody?: ReadBody,
): Promise<Buffer> {
	return (await apiRequestBody.call(this, { ...options, encoding: 'arraybuffer' }, limits, readBody)) as Buffer;
}

async function apiRequestBody(this: ScantrustContext, options: ApiRequestOptions, limits: RequestLimits, readBody?: ReadBody): Promise<IDataObject | Buffer> {
	const credentials = await credentialsOf(this);
	const baseURL = baseUrlFor(this, credentials);
	const apiOrigin = new URL(baseURL).origin;
	const redact = redactor(String(credentials.token ?? ''));
	let url = baseURL + options.path;
	if (isAbsoluteLink(options.path)) {
		const onHost = onApiHost(baseURL, options.path);
		// The UAT token is only ever sent to the API the credential names.
		if (!onHost) throw new ElsewhereError(this.getNode(), options, 'linked to', new URL(options.path), apiOrigin, redact);
		url = onHost;
	}
	const request: IHttpRequestOptions = {
		method: options.method,
		url,
		qs: options.qs,
		body: options.body,
		json: options.encoding === undefined,
		disableFollowRedirect: true,
	};
	const send: SendRequest = async (req) => await this.helpers.httpRequestWithAuthentication.call(this, 'scantrustApi', req);

	let answer: HttpAnswer;
	try {
		answer = await withRetries(() => sendOnApiOrigin(send, request, apiOrigin, limits.deadlineMs, readBody), IDEMPOTENT.has(options.method), limits.retry);
	} catch (error) {
		throw networkError(this.getNode(), error as Error, url, options, redact);
	}

	const status = answer.statusCode;
	if (REDIRECTS.has(status)) {
		const target = redirectTarget(answer, url);
		if (target && target.origin !== apiOrigin) throw new ElsewhereError(this.getNode(), options, 'redirected the request to', target, apiOrigin, redact);
	}
	if (status >= 300) throw apiError(this.getNode(), status, errorBody(answer.body, redact), options, redact);
	return options.encoding === undefined ? jsonBody(this, answer, options, redact) : answer.body;
}
