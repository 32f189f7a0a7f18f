import { NodeApiError, sleep } from 'n8n-workflow';

import { isAmbiguousFailure } from '../transport/errors';
import { DEFAULT_RETRY_POLICY } from '../transport/retry';

/**
 * A POST that must take effect exactly once (a billed work order, processing an upload). It is never repeated
 * blindly: after a failure that may have taken effect anyway (no answer, a 5xx, an answer that is not what the
 * API sends), the server is asked first, and the POST is sent again only when it did not take effect.
 */
export interface PostOnceSteps<T> {
	post(): Promise<T>;
	/** What the server has now: the result of an earlier attempt, or undefined when nothing took effect. */
	lookUp(): Promise<T | undefined>;
	/**
	 * A rejection that says the effect is already there, possibly an earlier attempt's (a reference already taken,
	 * a record no longer waiting): answered by the look-up, never by posting again.
	 */
	isAlreadyDone?(error: NodeApiError, afterUnansweredAttempt: boolean): boolean;
	/** The error when the look-up fails too: what is unknown and how to find out before running again. */
	explainUnknown(postError: NodeApiError, lookUpError: Error, alreadyDone: boolean): Error;
	/** POSTs at most. */
	maxAttempts?: number;
}

export interface PostOnceResult<T> {
	value: T;
	/** How the value was had: this call's POST, or a look-up after the server said it is already done. */
	via: 'post' | 'lookUpAfterFailure' | 'lookUpAlreadyDone';
	/** True when a rejection came before any unanswered attempt of this call: the effect predates the call. */
	existedBefore: boolean;
}

const DEFAULT_MAX_ATTEMPTS = 3;

export async function postOnce<T>(steps: PostOnceSteps<T>): Promise<PostOnceResult<T>> {
	const maxAttempts = steps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
	let unanswered = false;
	for (let attempt = 1; ; attempt++) {
		let failure: unknown;
		try {
			return { value: await steps.post(), via: 'post', existedBefore: false };
		} catch (error) {
			failure = error;
		}
		// Errors other than an API answer (bad input, a refused link) say all there is: they pass through.
		if (!(failure instanceof NodeApiError)) throw failure;
		const alreadyDone = steps.isAlreadyDone?.(failure, unanswered) ?? false;
		if (!alreadyDone && !isAmbiguousFailure(failure)) throw failure;
		if (!alreadyDone) await sleep(DEFAULT_RETRY_POLICY.backoffSeconds(attempt) * 1000);
		let found: T | undefined;
		try {
			found = await steps.lookUp();
		} catch (lookUpError) {
			throw steps.explainUnknown(failure, lookUpError as Error, alreadyDone);
		}
		if (found !== undefined) {
			return { value: found, via: alreadyDone ? 'lookUpAlreadyDone' : 'lookUpAfterFailure', existedBefore: alreadyDone && !unanswered };
		}
		if (alreadyDone || attempt >= maxAttempts) throw failure;
		unanswered = true;
	}
}
