import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { HttpAnswer } from './http';

/** Bounds on retrying; every wait is capped so a run never hangs. */
export interface RetryPolicy {
	/** Attempts in all, first one included. */
	readonly maxAttempts: number;
	/** Longest single wait we accept from a Retry-After. */
	readonly maxWaitSeconds: number;
	/** Upper bound on time spent waiting for one request. */
	readonly maxTotalWaitSeconds: number;
	/** Back-off before repeating after a 5xx or no answer, when the server does not say how long. */
	readonly backoffSeconds: (attempt: number) => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
	maxAttempts: 4,
	maxWaitSeconds: 60,
	maxTotalWaitSeconds: 120,
	// 1 s, 2 s, 4 s ...
	backoffSeconds: (attempt: number) => 2 ** (attempt - 1),
});

/** How long one request may take, retries included. */
export interface RequestLimits {
	retry: RetryPolicy;
	/** Longest time one attempt may take, from sending to the last byte of the answer. */
	deadlineMs: number;
}

const RETRYABLE_5XX: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** Seconds in a Retry-After header (a number or an HTTP date); undefined without one. */
function retryAfterHeader(headers: IDataObject | undefined): number | undefined {
	const header = headers?.['retry-after'];
	if (header === undefined || header === null || header === '') return undefined;
	const seconds = Number(header);
	if (Number.isFinite(seconds)) return Math.max(0, seconds);
	const date = Date.parse(String(header));
	return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Seconds a 429 asks us to wait: the Retry-After header, else the N in "Expected available in N seconds.", else 1. */
export function retryAfterSeconds(headers: IDataObject | undefined, body: unknown): number {
	const header = retryAfterHeader(headers);
	if (header !== undefined) return header;
	const text = Buffer.isBuffer(body) ? body.toString('utf8', 0, 2000) : typeof body === 'string' ? body : (body as IDataObject | undefined)?.detail;
	const match = typeof text === 'string' ? /available in (\d+(?:\.\d+)?) second/.exec(text) : null;
	return match ? Number(match[1]) : 1;
}

/** How long to wait before sending again, or undefined when this answer is final. */
function waitAfter(answer: HttpAnswer, attempt: number, repeatable: boolean, policy: RetryPolicy): number | undefined {
	// A throttled request was not processed, so repeating it is safe for every method.
	if (answer.statusCode === 429) return Math.min(retryAfterSeconds(answer.headers, answer.body), policy.maxWaitSeconds);
	if (repeatable && RETRYABLE_5XX.has(answer.statusCode)) {
		return Math.min(retryAfterHeader(answer.headers) ?? policy.backoffSeconds(attempt), policy.maxWaitSeconds);
	}
	return undefined;
}

/**
 * The one retry loop, for API requests and storage transfers. A 429 is waited out for every request.
 * A 5xx or no answer is retried only when `repeatable` (sending it twice does no harm), after the
 * server's Retry-After or else a back-off. Returns the final answer; throws the last failure to get one.
 */
export async function withRetries(
	send: () => Promise<HttpAnswer>,
	repeatable: boolean,
	policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<HttpAnswer> {
	let waited = 0;
	for (let attempt = 1; ; attempt++) {
		let answer: HttpAnswer | undefined;
		let failure: unknown;
		try {
			answer = await send();
		} catch (error) {
			failure = error;
		}
		const wait = answer ? waitAfter(answer, attempt, repeatable, policy) : repeatable ? policy.backoffSeconds(attempt) : undefined;
		if (wait === undefined || attempt >= policy.maxAttempts || waited + wait > policy.maxTotalWaitSeconds) {
			if (answer) return answer;
			throw failure;
		}
		waited += wait;
		await sleep(wait * 1000);
	}
}
