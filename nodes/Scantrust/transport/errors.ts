import { STATUS_CODES } from 'node:http';

import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { DeadlineExceeded } from './http';

/** What a request was for, so an error can say what failed and what to fix. */
export interface RequestPurpose {
	/** Human name of the action, e.g. 'create a work order'. */
	action: string;
	/** Token permission the action needs, named in 403 errors. */
	permission?: string;
	/** Resource and id a 404 is about, e.g. { name: 'Work order', id: 12 }. */
	resource?: { name: string; id?: string | number };
	itemIndex?: number;
}

/** Blanks out the credential's token wherever a server may have echoed it. */
export type Redact = (text: string) => string;

/** Shorter strings are no real token, and blanking them out would garble ordinary text. */
const MIN_SECRET_LENGTH = 8;

/** A Redact for this token, as it is, URL-encoded and JSON-escaped. */
export function redactor(secret: string): Redact {
	const token = secret.trim();
	const forms = [...new Set([token, encodeURIComponent(token), JSON.stringify(token).slice(1, -1)])].filter(
		(form) => form.length >= MIN_SECRET_LENGTH,
	);
	return (text) => forms.reduce((redacted, form) => redacted.split(form).join('[redacted]'), text);
}

/** A parsed body with every string (and key) redacted. */
function redactBody(body: unknown, redact: Redact): unknown {
	if (typeof body === 'string') return redact(body);
	if (Buffer.isBuffer(body)) return redact(body.toString('utf8'));
	if (Array.isArray(body)) return body.map((value) => redactBody(value, redact));
	if (body !== null && typeof body === 'object') {
		return Object.fromEntries(Object.entries(body).map(([key, value]) => [redact(key), redactBody(value, redact)]));
	}
	return body;
}

/** DRF bodies are `{detail}` or `{field: [messages]}`: render either as one readable line. */
export function describeErrorBody(body: unknown): string {
	if (body === undefined || body === null || body === '') return '';
	if (typeof body === 'string') return body.trim().slice(0, 500);
	if (Buffer.isBuffer(body)) return body.toString('utf8').trim().slice(0, 500);
	if (Array.isArray(body)) return body.map(describeErrorBody).join('; ');
	if (typeof body === 'object') {
		const obj = body as IDataObject;
		if (typeof obj.detail === 'string' && Object.keys(obj).every((k) => k === 'detail' || k === 'code')) {
			return obj.detail;
		}
		return Object.entries(obj)
			.map(([field, value]) => {
				const text = Array.isArray(value) ? value.map((v) => describeErrorBody(v)).join(' ') : describeErrorBody(value);
				return field === 'detail' || field === 'non_field_errors' ? text : `${field}: ${text}`;
			})
			.join('; ');
	}
	return String(body);
}

/** An HTML page (load balancer or Django error page): noise to a user, so it is never shown. */
function isHtml(body: unknown): boolean {
	const text = Buffer.isBuffer(body) ? body.toString('utf8', 0, 64) : typeof body === 'string' ? body : '';
	return /^\s*</.test(text);
}

/** "502 Bad Gateway" */
function statusText(status: number): string {
	return `${status} ${STATUS_CODES[status] ?? 'Error'}`;
}

function messageFor(status: number, body: unknown, purpose: RequestPurpose): { message: string; description?: string } {
	const said = isHtml(body) ? '' : describeErrorBody(body);
	const failed = `Could not ${purpose.action}`;
	switch (status) {
		case 400:
			return { message: `${failed}: ${said || 'Scantrust rejected the request (400)'}`, description: 'Scantrust answered 400 Bad Request. Correct the field(s) named above and run again.' };
		case 401:
			return {
				message: `${failed}: the UAT token is missing or wrong (401)`,
				description: `Scantrust said: ${said || 'Unauthorized'}. Open the Scantrust API credential, paste a valid UAT token for the chosen environment and press Test.`,
			};
		case 403:
			return {
				message: `${failed}: the UAT token lacks the permission${purpose.permission ? ` "${purpose.permission}"` : ''} (403)`,
				description: `Scantrust said: ${said || 'Forbidden'}. Ask your Scantrust administrator to grant ${purpose.permission ? `"${purpose.permission}"` : 'the needed permission'} to the token's user, or use another token.`,
			};
		case 404: {
			const what = purpose.resource ? `${purpose.resource.name}${purpose.resource.id !== undefined ? ` ${purpose.resource.id}` : ''}` : 'The requested resource';
			return {
				message: `${failed}: ${what} was not found (404)`,
				description: `Scantrust said: ${said || 'Not found'}. Check the id, and that the token's company can see it.`,
			};
		}
		case 429:
			return {
				message: `${failed}: Scantrust is still throttling requests after several retries (429)`,
				description: `Scantrust said: ${said || 'Too many requests'}. Run the workflow less often or with fewer items at a time.`,
			};
		default:
			if (status >= 500) {
				return {
					message: said ? `${failed}: Scantrust answered ${status}: ${said}` : `${failed}: Scantrust answered ${statusText(status)}; try again later`,
					description: 'The Scantrust service had a problem. It was retried where that is safe; try again later.',
				};
			}
			return { message: `${failed}: Scantrust answered ${said ? `${status}: ${said}` : statusText(status)}` };
	}
}

/**
 * NodeApiError swaps a message that mentions a Node error code (ECONNRESET, EEXIST ...) for generic
 * text; ours already says what failed and must survive (a reference or a body may contain such a word).
 */
function keepMessage(error: NodeApiError, message: string): NodeApiError {
	error.message = message;
	return error;
}

/**
 * The error the user sees for an HTTP error answer. The request (and its header) is never attached,
 * and the token is blanked out of whatever the server echoed.
 */
export function apiError(node: INode, status: number, answer: unknown, purpose: RequestPurpose, redact: Redact): NodeApiError {
	const body = redactBody(answer, redact);
	const { message, description } = messageFor(status, body, purpose);
	const response: JsonObject =
		body !== null && typeof body === 'object' && !Buffer.isBuffer(body)
			? (body as JsonObject)
			: { body: isHtml(body) ? statusText(status) : describeErrorBody(body) };
	return keepMessage(
		new NodeApiError(node, response, {
			message,
			description,
			httpCode: String(status),
			itemIndex: purpose.itemIndex,
		}),
		message,
	);
}

/** The Node error code of a request that got no answer, wherever n8n's wrapping left it. */
function networkCodeOf(error: Error): string | undefined {
	const candidates = [
		(error as Error & { code?: unknown }).code,
		(error as Error & { httpCode?: unknown }).httpCode,
		(error.cause as { code?: unknown } | undefined)?.code,
	];
	return candidates.find((value): value is string => typeof value === 'string' && /^E[A-Z_]+$/.test(value));
}

/**
 * Connection refused, DNS failure, time-out, connection dropped, answer cut off at the deadline: no
 * (complete) answer. The code goes into the message, not into the error response, where NodeApiError
 * would take it for the HTTP code. `advice` says what to check.
 */
export function networkError(
	node: INode,
	error: Error,
	url: string,
	purpose: RequestPurpose,
	redact: Redact,
	advice = 'Check the environment or base URL in the Scantrust API credential and the network connection.',
): NodeApiError {
	const origin = new URL(url).origin;
	const code = networkCodeOf(error);
	const said = redact(error.message);
	const message = redact(
		error instanceof DeadlineExceeded
			? `Could not ${purpose.action}: no complete answer from ${origin} within ${error.deadlineMs / 1000} s`
			: `Could not ${purpose.action}: no answer from ${origin} (${code ?? said})`,
	);
	const reason = error instanceof DeadlineExceeded ? 'The answer was still arriving at the deadline, so the request was cut off' : `${code ? `${code}: ` : ''}${said.replace(/\.$/, '')}`;
	return keepMessage(
		new NodeApiError(node, { message: said }, { message, description: `${reason}. ${advice}`, itemIndex: purpose.itemIndex }),
		message,
	);
}

/**
 * A 2xx answer to a JSON request that is not JSON: a proxy's page, an empty or cut-off body. Whatever
 * answered, the request may have taken effect, so the error has no HTTP code and counts as ambiguous.
 */
export function notJsonError(node: INode, status: number, body: Buffer, contentType: string, purpose: RequestPurpose): NodeApiError {
	const text = body.toString('utf8').trim();
	const what =
		text === ''
			? 'an empty body'
			: /html/i.test(contentType) || /^<(!doctype|html|head|body)/i.test(text)
				? 'an HTML page'
				: 'a body that is not valid JSON';
	const message = `Could not ${purpose.action}: Scantrust answered ${status} with ${what} instead of JSON`;
	return keepMessage(
		new NodeApiError(node, { message }, {
			message,
			description:
				'Something other than the Scantrust API may have answered: check the Base URL in the Scantrust API credential and any proxy between n8n and Scantrust.',
			itemIndex: purpose.itemIndex,
		}),
		message,
	);
}

/** A link or redirect to another origin than the API's, not followed; `location` is where it pointed. */
export class ElsewhereError extends NodeOperationError {
	constructor(
		node: INode,
		purpose: RequestPurpose,
		/** e.g. 'linked to', 'redirected the request to' */
		how: string,
		readonly location: URL,
		apiOrigin: string,
		redact: Redact,
	) {
		super(node, redact(`Could not ${purpose.action}: Scantrust ${how} ${location.origin}, which is not the API's address ${apiOrigin}`), {
			itemIndex: purpose.itemIndex,
			description:
				'It was not followed, so the UAT token was not sent there. Check the Base URL in the Scantrust API credential: it must be the address the API uses in its own links.',
		});
	}
}

/**
 * True when a failed request may or may not have taken effect on the server: no (complete) answer,
 * a 5xx, or a 2xx that is not the JSON asked for. A create must look before it posts again.
 */
export function isAmbiguousFailure(error: unknown): boolean {
	if (!(error instanceof NodeApiError)) return false;
	if (!error.httpCode) return true;
	// Not a status but a Node error code (ECONNRESET, ETIMEDOUT, ECONNABORTED): no answer either.
	if (!/^\d+$/.test(error.httpCode)) return true;
	const status = Number(error.httpCode);
	return status >= 500 && status <= 599;
}

/** Object storage (S3) explains failures in XML: <Error><Code>..</Code><Message>..</Message></Error>. */
export function describeStorageError(body: unknown): string {
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : JSON.stringify(body ?? '');
	const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
	const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
	return [code, message].filter(Boolean).join(': ') || text.slice(0, 300);
}
