import { randomBytes } from 'node:crypto';

import type { IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

import { RETRY_POLICY } from './request';

/** What get-post-data returns: the presigned form for object storage. */
export interface PresignedPost {
	url: string;
	fields: Record<string, string>;
}

export interface UploadFile {
	content: Buffer;
	fileName: string;
	contentType: string;
}

const CRLF = '\r\n';

function quote(value: string): string {
	return value.replace(/["\r\n]/g, (character) => encodeURIComponent(character));
}

/**
 * The multipart body of a presigned POST: every field Scantrust returned, in its order,
 * then the file as the last part (object storage ignores anything after the file).
 */
export function presignedPostBody(post: PresignedPost, file: UploadFile): { body: Buffer; contentType: string } {
	const boundary = `----n8nScantrust${randomBytes(12).toString('hex')}`;
	const head: string[] = [];
	for (const [name, value] of Object.entries(post.fields)) {
		head.push(`--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(name)}"${CRLF}${CRLF}${String(value)}${CRLF}`);
	}
	head.push(
		`--${boundary}${CRLF}Content-Disposition: form-data; name="file"; filename="${quote(file.fileName)}"${CRLF}` +
			`Content-Type: ${file.contentType}${CRLF}${CRLF}`,
	);
	const tail = `${CRLF}--${boundary}--${CRLF}`;
	return {
		body: Buffer.concat([Buffer.from(head.join(''), 'utf8'), file.content, Buffer.from(tail, 'utf8')]),
		contentType: `multipart/form-data; boundary=${boundary}`,
	};
}

/** S3 explains failures in XML: <Error><Code>..</Code><Message>..</Message></Error>. */
function describeStorageError(body: unknown): string {
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : JSON.stringify(body ?? '');
	const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
	const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
	return [code, message].filter(Boolean).join(': ') || text.slice(0, 300);
}

/**
 * Uploads the file to the presigned URL. Plain httpRequest, never the credential:
 * the storage host must not see the UAT token. Storing the same key again is harmless, so
 * a failed attempt is repeated with back-off.
 */
export async function uploadToPresignedPost(
	this: IExecuteFunctions,
	post: PresignedPost,
	file: UploadFile,
	itemIndex: number,
): Promise<void> {
	const { body, contentType } = presignedPostBody(post, file);
	for (let attempt = 1; ; attempt++) {
		let response: IN8nHttpFullResponse | undefined;
		let failure: string;
		try {
			response = (await this.helpers.httpRequest({
				method: 'POST',
				url: post.url,
				body,
				headers: { 'Content-Type': contentType },
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				encoding: 'text',
				timeout: 10 * 60_000,
			})) as IN8nHttpFullResponse;
			if (response.statusCode >= 200 && response.statusCode < 300) return;
			failure = `the storage answered ${response.statusCode}: ${describeStorageError(response.body)}`;
		} catch (error) {
			failure = `no answer from ${new URL(post.url).origin} (${(error as Error).message})`;
		}
		const retryable = response === undefined || response.statusCode >= 500;
		if (!retryable || attempt >= RETRY_POLICY.maxAttempts) {
			throw new NodeApiError(
				this.getNode(),
				{ message: failure },
				{
					message: `Could not upload the codes file "${file.fileName}": ${failure}`,
					description:
						'The upload form from Scantrust is valid for about 30 minutes. Run the node again; nothing was processed yet.',
					httpCode: response ? String(response.statusCode) : undefined,
					itemIndex,
				},
			);
		}
		await sleep(RETRY_POLICY.backoffSeconds(attempt) * 1000);
	}
}
