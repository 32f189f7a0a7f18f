import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import { baseUrlOf, type ScantrustCredentials } from './environments';
import { apiError, networkError, type RequestPurpose } from './errors';
import { responseBytes } from './responseBytes';

export type ScantrustContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

/** Bounds on retrying; every wait is capped so a run never hangs. */
export const RETRY_POLICY = {
	/** Attempts in all, first one included. */
	maxAttempts: 4,
	/** Longest single wait we accept from a 429 answer. */
	maxWaitSeconds: 60,
	/** Upper bound on time spent waiting for one request. */
	maxTotalWaitSeconds: 120,
	/** Back-off before retrying a 5xx / no answer on an idempotent request: 1 s, 2 s, 4 s ... */
	backoffSeconds: (attempt: number) => 2 ** (attempt - 1),
	requestTimeoutMs: 60_000,
};

const RETRYABLE_5XX = new Set([500, 502, 503, 504]);
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

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
	/** Default RETRY_POLICY.requestTimeoutMs; files take longer. */
	timeoutMs?: number;
}

export async function getBaseUrl(this: ScantrustContext): Promise<string> {
	const credentials = (await this.getCredentials('scantrustApi')) as unknown as ScantrustCredentials;
	return baseUrlOf(credentials);
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

/** Seconds a 429 asks us to wait: the Retry-After header, else the N in "Expected available in N seconds." */
export function retryAfterSeconds(headers: IDataObject | undefined, body: unknown): number {
	const header = headers?.['retry-after'];
	if (header !== undefined && header !== '') {
		const seconds = Number(header);
		if (Number.isFinite(seconds)) return Math.max(0, seconds);
		const date = Date.parse(String(header));
		if (!Number.isNaN(date)) return Math.max(0, (date - Date.now()) / 1000);
	}
	const detail = (body as IDataObject | undefined)?.detail;
	const match = typeof detail === 'string' ? /available in (\d+(?:\.\d+)?) second/.exec(detail) : null;
	return match ? Number(match[1]) : 1;
}

/** An error answer to a file request comes as bytes: read it as the JSON (or text) it is. */
function errorBody(body: unknown): unknown {
	const bytes = responseBytes(body);
	if (bytes === undefined) return body;
	const text = bytes.toString('utf8');
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/**
 * The one way the nodes talk to the Scantrust API: authentication through the credential,
 * DRF errors turned into readable NodeApiErrors, 429 waited out, 5xx retried only where repeating is safe.
 */
export async function apiRequest(this: ScantrustContext, options: ApiRequestOptions): Promise<IDataObject> {
	return (await apiRequestBody.call(this, options)) as IDataObject;
}

/** A file from the API's own host (e.g. a codes archive served there), with apiRequest's errors and retries. */
export async function apiRequestFile(this: ScantrustContext, options: Omit<ApiRequestOptions, 'encoding'>): Promise<unknown> {
	return await apiRequestBody.call(this, { ...options, encoding: 'arraybuffer' });
}

async function apiRequestBody(this: ScantrustContext, options: ApiRequestOptions): Promise<unknown> {
	const baseURL = await getBaseUrl.call(this);
	let url = baseURL + options.path;
	if (isAbsoluteLink(options.path)) {
		const onHost = onApiHost(baseURL, options.path);
		if (!onHost) {
			// The UAT token is only ever sent to the API the credential names.
			throw new NodeOperationError(
				this.getNode(),
				`Could not ${options.action}: Scantrust linked to ${new URL(options.path).origin}, which is not the API's address ${new URL(baseURL).origin}`,
				{
					itemIndex: options.itemIndex,
					description: 'The request was not sent, so the UAT token did not leave for that host. Check the Base URL in the Scantrust API credential: it must be the address the API uses in its own links.',
				},
			);
		}
		url = onHost;
	}
	const request: IHttpRequestOptions = {
		method: options.method,
		url,
		qs: options.qs,
		body: options.body,
		json: options.encoding === undefined,
		encoding: options.encoding,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		sendCredentialsOnCrossOriginRedirect: false,
		timeout: options.timeoutMs ?? RETRY_POLICY.requestTimeoutMs,
	};
	const retrySafe = IDEMPOTENT.has(options.method);
	let waited = 0;

	for (let attempt = 1; ; attempt++) {
		let response: IN8nHttpFullResponse;
		try {
			response = (await this.helpers.httpRequestWithAuthentication.call(
				this,
				'scantrustApi',
				request,
			)) as IN8nHttpFullResponse;
		} catch (error) {
			const wait = RETRY_POLICY.backoffSeconds(attempt);
			if (retrySafe && attempt < RETRY_POLICY.maxAttempts && waited + wait <= RETRY_POLICY.maxTotalWaitSeconds) {
				waited += wait;
				await sleep(wait * 1000);
				continue;
			}
			throw networkError(this.getNode(), error as Error, url, options);
		}

		const status = response.statusCode;
		if (status < 400) return response.body;
		const body = errorBody(response.body);

		const canRetry = attempt < RETRY_POLICY.maxAttempts;
		if (status === 429 && canRetry) {
			// A throttled request was not processed, so repeating it is safe for every method.
			const wait = Math.min(retryAfterSeconds(response.headers as IDataObject, body), RETRY_POLICY.maxWaitSeconds);
			if (waited + wait <= RETRY_POLICY.maxTotalWaitSeconds) {
				waited += wait;
				await sleep(wait * 1000);
				continue;
			}
		}
		if (RETRYABLE_5XX.has(status) && retrySafe && canRetry) {
			const wait = RETRY_POLICY.backoffSeconds(attempt);
			if (waited + wait <= RETRY_POLICY.maxTotalWaitSeconds) {
				waited += wait;
				await sleep(wait * 1000);
				continue;
			}
		}
		throw apiError(this.getNode(), status, body, options);
	}
}
