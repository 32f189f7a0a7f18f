import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { describeStorageError, networkError } from './errors';
import { sendWithDeadline, type HttpAnswer, type ReadBody } from './http';
import { DEFAULT_RETRY_POLICY, withRetries, type RequestLimits } from './retry';

export interface TransferPurpose {
	/** e.g. 'download the codes of work order 12', completing "Could not ...". */
	action: string;
	/** What to do when the server refuses (403). */
	forbiddenHint: string;
	itemIndex: number;
}

/** A codes archive or an upload file is big: ten minutes for one attempt. */
export const TRANSFER_LIMITS: RequestLimits = Object.freeze({ retry: DEFAULT_RETRY_POLICY, deadlineMs: 10 * 60_000 });

/** Storage never sees the token, so there is nothing to blank out of its answers. */
const nothingToRedact = (text: string) => text;

/**
 * Moves a file to or from object storage (archive download, presigned upload), never with the credential:
 * storage authorises by the signed URL or form. Both are safe to repeat, so no answer, 429 and 5xx are
 * retried; anything else fails with the storage's reason. `readBody` may take the body elsewhere (a file).
 */
export async function transferFile(
	this: IExecuteFunctions,
	request: IHttpRequestOptions,
	purpose: TransferPurpose,
	limits: RequestLimits = TRANSFER_LIMITS,
	readBody?: ReadBody,
): Promise<HttpAnswer> {
	const options: IHttpRequestOptions = { ...request, sendCredentialsOnCrossOriginRedirect: false };
	let answer: HttpAnswer;
	try {
		const send = async (req: IHttpRequestOptions) => await this.helpers.httpRequest(req);
		answer = await withRetries(async () => await sendWithDeadline(send, options, limits.deadlineMs, undefined, readBody), true, limits.retry);
	} catch (error) {
		throw networkError(this.getNode(), error as Error, options.url, purpose, nothingToRedact, 'Try again later.');
	}
	if (answer.statusCode >= 200 && answer.statusCode < 300) return answer;
	const failure = `the server answered ${answer.statusCode}: ${describeStorageError(answer.body)}`;
	throw new NodeApiError(
		this.getNode(),
		{ message: failure },
		{
			message: `Could not ${purpose.action}: ${failure}`,
			description: answer.statusCode === 403 ? purpose.forbiddenHint : 'Try again later.',
			httpCode: String(answer.statusCode),
			itemIndex: purpose.itemIndex,
		},
	);
}
