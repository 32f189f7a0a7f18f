// The storage origin (object storage, a different host from the API): S3 POST uploads and archive downloads.
import { archiveFor } from './codesArchive';
import { exportObject } from './codeExport';
import type { Ctx } from './context';
import { BUCKET, isValidGetSignature } from './presign';
import type { IncomingRequest, Reply } from './reply';
import { handleUpload } from './s3Upload';
import { s3ErrorReply } from './s3Xml';
import { CODEGEN, extraOf, settleGenerations } from './workOrders';

const ARCHIVE_PATH = /^media\/workorders\/work order (\d+) ([A-Za-z0-9]+)\.zip$/;

export function dispatchStorage(ctx: Ctx, req: IncomingRequest): Reply {
	settleGenerations(ctx);
	let path: string;
	try {
		path = decodeURIComponent(req.path);
	} catch {
		return s3ErrorReply(400, 'InvalidURI', "Couldn't parse the specified URI.");
	}
	if (path === `/${BUCKET}/` || path === `/${BUCKET}`) {
		return req.method === 'POST' ? handleUpload(ctx, req) : s3ErrorReply(405);
	}
	if (req.method === 'GET' || req.method === 'HEAD') return download(ctx, req, path.slice(1));
	return s3ErrorReply(405);
}

function download(ctx: Ctx, req: IncomingRequest, objectPath: string): Reply {
	// A presigned URL carries its own auth; S3 refuses a second mechanism (this is also where a leaked UAT token shows).
	if (req.headers.authorization !== undefined) {
		return s3ErrorReply(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
	}
	if (!req.query.has('X-Amz-Signature')) return s3ErrorReply(403);
	if (!isValidGetSignature(ctx, objectPath, req.query)) {
		return s3ErrorReply(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
	}
	const exported = exportObject(ctx, objectPath);
	if (exported) return exported;
	const m = ARCHIVE_PATH.exec(objectPath);
	const wo = m ? ctx.state.workOrders.find((w) => w.id === Number(m[1])) : undefined;
	if (!m || !wo || extraOf(ctx, wo).key !== m[2] || wo.codegen_status !== CODEGEN.done) return s3ErrorReply(404);
	const zip = archiveFor(wo, extraOf(ctx, wo));
	return { status: 200, headers: { 'Content-Type': 'application/zip' }, body: zip };
}
