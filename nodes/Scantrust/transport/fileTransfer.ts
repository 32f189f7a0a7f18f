import type { IExecuteFunctions, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

import { describeStorageError } from './errors';
import { RETRY_POLICY } from './request';
import { responseBytes } from './responseBytes';

export interface TransferPurpose {
	/** e.g. 'download the codes of work order 12', completing "Could not ...". */
	action: string;
	/** What to do when the server refuses (403). */
	forbiddenHint: string;
	itemIndex: number;
}

/**
 * Moves a file to or from object storage (archive download, presigned upload), never with the credential:
 * storage authorises by the signed URL or form. Both are safe to repeat, so no answer, 429 and 5xx are
 * retried with back-off; anything else fails with the storage's reason.
 */
export async function transferFile(
	this: IExecuteFunctions,
	request: IHttpRequestOptions,
	purpose: TransferPurpose,
): Promise<IN8nHttpFullResponse> {
	const options: IHttpRequestOptions = {
		...request,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		sendCredentialsOnCrossOriginRedirect: false,
		timeout: 10 * 60_000,
	};
	for (let attempt = 1; ; attempt++) {
		let response: IN8nHttpFullResponse | undefined;
		let failure: string;
		try {
			response = (await this.helpers.httpRequest(options)) as IN8nHttpFullResponse;
			if (response.statusCode >= 200 && response.statusCode < 300) return response;
			const body = responseBytes(response.body) ?? response.body;
			failure = `the server answered ${response.statusCode}: ${describeStorageError(body)}`;
		} catch (error) {
			failure = `no answer from ${new URL(options.url).origin} (${(error as Error).message})`;
		}
		const retryable = response === undefined || response.statusCode >= 500 || response.statusCode === 429;
		if (!retryable || attempt >= RETRY_POLICY.maxAttempts) {
			throw new NodeApiError(
				this.getNode(),
				{ message: failure },
				{
					message: `Could not ${purpose.action}: ${failure}`,
					description: response?.statusCode === 403 ? purpose.forbiddenHint : 'Try again later.',
					httpCode: response ? String(response.statusCode) : undefined,
					itemIndex: purpose.itemIndex,
				},
			);
		}
		await sleep(RETRY_POLICY.backoffSeconds(attempt) * 1000);
	}
}
