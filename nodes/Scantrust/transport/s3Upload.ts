import { randomBytes } from 'node:crypto';

import type { IExecuteFunctions } from 'n8n-workflow';

import { transferFile } from './fileTransfer';

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

/**
 * Uploads the file to the presigned URL. Plain httpRequest, never the credential:
 * the storage host must not see the UAT token.
 */
export async function uploadToPresignedPost(
	this: IExecuteFunctions,
	post: PresignedPost,
	file: UploadFile,
	itemIndex: number,
): Promise<void> {
	const { body, contentType } = presignedPostBody(post, file);
	await transferFile.call(
		this,
		{ method: 'POST', url: post.url, body, headers: { 'Content-Type': contentType } },
		{
			action: `upload the codes file "${file.fileName}"`,
			forbiddenHint:
				'The upload form from Scantrust is valid for about 30 minutes. Run the node again; nothing was processed yet.',
			itemIndex,
		},
	);
}
