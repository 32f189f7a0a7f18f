// POST /st-media-upload/: an S3 browser-style (presigned POST) upload, checked the way S3 checks it.
import { createHash } from 'node:crypto';
import type { Ctx } from './context';
import { MultipartError, boundaryOf, parseMultipart, type Part } from './multipart';
import { BUCKET, MAX_UPLOAD_BYTES, sign } from './presign';
import type { IncomingRequest, Reply } from './reply';
import { s3ErrorReply } from './s3Xml';

/** Form fields S3 never matches against the policy. */
const UNCHECKED_FIELDS = new Set(['file', 'policy', 'x-amz-signature']);

const denied = (message: string) => s3ErrorReply(403, 'AccessDenied', message);
const invalid = (message: string) => s3ErrorReply(400, 'InvalidArgument', message);

export function handleUpload(ctx: Ctx, req: IncomingRequest): Reply {
	if (req.headers.authorization !== undefined) {
		return invalid('Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
	}
	if (req.bodyTooLarge) return s3ErrorReply(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
	const boundary = boundaryOf(req.headers['content-type']);
	let parts: Part[];
	try {
		if (!boundary) throw new MultipartError('not multipart/form-data');
		parts = parseMultipart(req.body, boundary);
	} catch (e) {
		if (!(e instanceof MultipartError)) throw e;
		return s3ErrorReply(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
	}

	const fileIndex = parts.findIndex((p) => p.name === 'file');
	if (fileIndex < 0 || parts.filter((p) => p.name === 'file').length > 1) return invalid('POST requires exactly one file upload per request.');
	// S3 ignores everything after the file, which silently drops fields; refuse such forms outright.
	if (fileIndex !== parts.length - 1) return invalid('The file must be the last field of the form (S3 ignores fields after it).');
	const file = parts[fileIndex];
	const fields: Record<string, string> = {};
	const seen = new Map<string, string>(); // lower-cased name -> value: S3 field names are case-insensitive
	const repeated: string[] = [];
	for (const part of parts.slice(0, fileIndex)) {
		const lower = part.name.toLowerCase();
		if (seen.has(lower)) repeated.push(part.name);
		seen.set(lower, part.data.toString('utf8'));
		fields[part.name] = part.data.toString('utf8');
	}

	const policy = seen.get('policy');
	if (seen.get('key') === undefined) return invalid("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.");
	if (policy === undefined) return invalid("Bucket POST must contain a field named 'policy'.");
	const form = ctx.state.postForms.get(seen.get('key') as string);
	if (!form || form.fields.policy !== policy || seen.get('x-amz-signature') !== sign(ctx, policy)) {
		return s3ErrorReply(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
	}
	if (Date.now() > form.expiresAt) return denied('Invalid according to Policy: Policy expired.');
	for (const [name, value] of Object.entries(form.fields)) {
		if (UNCHECKED_FIELDS.has(name.toLowerCase())) continue;
		if (seen.get(name.toLowerCase()) !== value) return denied(`Invalid according to Policy: Policy Condition failed: ["eq", "$${name}", "${value}"]`);
	}
	const issued = new Set(Object.keys(form.fields).map((n) => n.toLowerCase()));
	const extra = [...seen.keys()].filter((n) => !issued.has(n) && !UNCHECKED_FIELDS.has(n) && !n.startsWith('x-ignore-')).concat(repeated);
	if (extra.length > 0) return denied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
	if (file.data.length < 1) return s3ErrorReply(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
	if (file.data.length > MAX_UPLOAD_BYTES) return s3ErrorReply(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');

	ctx.state.uploads.set(form.objectKey, {
		fields,
		filename: file.filename ?? '',
		contentType: form.fields['Content-Type'],
		partContentType: file.contentType ?? '',
		content: Buffer.from(file.data),
	});
	return uploadedReply(ctx, form.objectKey, seen.get('success_action_status'), file.data);
}

/** S3 answers 204 unless the form asked for 200 or 201 (201 comes with an XML document). */
function uploadedReply(ctx: Ctx, objectKey: string, successStatus: string | undefined, data: Buffer): Reply {
	const etag = `"${createHash('md5').update(data).digest('hex')}"`;
	const location = `${ctx.storageUrl}/${BUCKET}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
	const headers = { ETag: etag, Location: location };
	if (successStatus === '200') return { status: 200, headers };
	if (successStatus !== '201') return { status: 204, headers };
	const xml =
		'<?xml version="1.0" encoding="UTF-8"?>\n' +
		`<PostResponse><Location>${location}</Location><Bucket>${BUCKET}</Bucket><Key>${objectKey}</Key><ETag>${etag}</ETag></PostResponse>`;
	return { status: 201, headers: { ...headers, 'Content-Type': 'application/xml' }, body: xml };
}
