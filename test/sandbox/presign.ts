// Fake AWS presigning: forms for the S3 POST upload and signed GET URLs for archives.
// Signatures are HMACs with a per-sandbox secret, so a client that edits a field or re-encodes a URL is caught.
import { createHmac } from 'node:crypto';
import type { Ctx } from './context';
import type { PostForm } from './types';
import { randomString } from './util';

export const BUCKET = 'st-media-upload';
/** "Valid for 30 minutes" (Scantrust's documentation); the default of the sandbox option postFormTtlMs. */
export const POST_FORM_TTL_MS = 30 * 60 * 1000;
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
const CREDENTIAL_SCOPE = 'eu-central-1/s3/aws4_request';
const ACCESS_KEY = 'AKIASANDBOXEXAMPLE00';
/** S3's maximum for presigned GETs (7 days): long enough that the stored codegen_file never expires in a test. */
const GET_EXPIRES_S = 604800;

const CONTENT_TYPES: Record<string, string> = { csv: 'text/csv', json: 'application/json' };

export function sign(ctx: Ctx, text: string): string {
	return createHmac('sha256', ctx.signingSecret).update(text).digest('hex');
}

/** `20240101T120000Z` */
function amzDate(ms: number): string {
	return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * The fields an upload form holds (get-post-data, and add-sids / create-from-template in file mode). They vary per record on purpose (a random x-amz-meta field, and
 * success_action_status on every other record) because Scantrust warns the set changes: clients must copy them all.
 */
export function issuePostForm(ctx: Ctx, recordKey: string, recordId: number, filetype: string): PostForm {
	const now = Date.now();
	const objectKey = `ingestion/${recordKey}.${filetype}`;
	const date = amzDate(now);
	const extra: Record<string, string> = { [`x-amz-meta-nonce-${randomString(4)}`]: randomString(16) };
	if (recordId % 2 === 1) extra.success_action_status = '201';
	const fields: Record<string, string> = {
		key: objectKey,
		'Content-Type': CONTENT_TYPES[filetype],
		...extra,
		'x-amz-algorithm': 'AWS4-HMAC-SHA256',
		'x-amz-credential': `${ACCESS_KEY}/${date.slice(0, 8)}/${CREDENTIAL_SCOPE}`,
		'x-amz-date': date,
	};
	const ttl = ctx.options.postFormTtlMs;
	const expiresAt = ttl > 0 ? now + ttl : now - 1;
	const conditions = [
		{ bucket: BUCKET },
		...Object.entries(fields).map(([name, value]) => ['eq', `$${name}`, value]),
		['content-length-range', 1, MAX_UPLOAD_BYTES],
	];
	const policy = Buffer.from(JSON.stringify({ expiration: new Date(expiresAt).toISOString(), conditions })).toString('base64');
	fields.policy = policy;
	fields['x-amz-signature'] = sign(ctx, policy);
	return { recordKey, objectKey, fields, expiresAt };
}

/** Object path of a work order's archive; the folder inside is named the same (seed 000). */
export function archiveObjectPath(workOrderId: number, key: string): string {
	return `media/workorders/work order ${workOrderId} ${key}.zip`;
}

const signedGetText = (objectPath: string, date: string) => `GET\n/${objectPath}\n${date}`;

export function presignedGetUrl(ctx: Ctx, objectPath: string): string {
	const date = amzDate(Date.now());
	const query = new URLSearchParams({
		'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
		'X-Amz-Credential': `${ACCESS_KEY}/${date.slice(0, 8)}/${CREDENTIAL_SCOPE}`,
		'X-Amz-Date': date,
		'X-Amz-Expires': String(GET_EXPIRES_S),
		'X-Amz-SignedHeaders': 'host',
		'X-Amz-Signature': sign(ctx, signedGetText(objectPath, date)),
	});
	const path = objectPath.split('/').map(encodeURIComponent).join('/');
	return `${ctx.storageUrl}/${path}?${query.toString()}`;
}

export function isValidGetSignature(ctx: Ctx, objectPath: string, query: URLSearchParams): boolean {
	const date = query.get('X-Amz-Date') ?? '';
	return query.get('X-Amz-Signature') === sign(ctx, signedGetText(objectPath, date));
}
