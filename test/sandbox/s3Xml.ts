// S3's XML error documents.
import { randomBytes } from 'node:crypto';
import type { Reply } from './reply';

const DEFAULT_CODES: Record<number, [code: string, message: string]> = {
	400: ['InvalidRequest', 'Bad Request'],
	403: ['AccessDenied', 'Access Denied'],
	404: ['NoSuchKey', 'The specified key does not exist.'],
	405: ['MethodNotAllowed', 'The specified method is not allowed against this resource.'],
	500: ['InternalError', 'We encountered an internal error. Please try again.'],
	503: ['SlowDown', 'Please reduce your request rate.'],
};

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function s3ErrorReply(status: number, code?: string, message?: string): Reply {
	const [defaultCode, defaultMessage] = DEFAULT_CODES[status] ?? ['ServiceUnavailable', 'Service is unable to handle request.'];
	const requestId = randomBytes(8).toString('hex').toUpperCase();
	const xml =
		'<?xml version="1.0" encoding="UTF-8"?>\n' +
		`<Error><Code>${code ?? defaultCode}</Code><Message>${escapeXml(message ?? defaultMessage)}</Message>` +
		`<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
	return { status, headers: { 'Content-Type': 'application/xml' }, body: xml };
}
