import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/** What a request was for, so an error can say what failed and what to fix. */
export interface RequestPurpose {
	/** Human name of the action, e.g. 'create a work order'. */
	action: string;
	/** Token permission the action needs (SPEC section 1), named in 403 errors. */
	permission?: string;
	/** Resource and id a 404 is about, e.g. { name: 'Work order', id: 12 }. */
	resource?: { name: string; id?: string | number };
	itemIndex?: number;
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

function messageFor(status: number, body: unknown, purpose: RequestPurpose): { message: string; description?: string } {
	const said = describeErrorBody(body);
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
			return {
				message: `${failed}: Scantrust answered ${status}${said ? `: ${said}` : ''}`,
				description:
					status >= 500
						? 'The Scantrust service had a problem. It was retried where that is safe; try again later.'
						: undefined,
			};
	}
}

/** The error the user sees for an HTTP error answer. The request (and its token) is never attached. */
export function apiError(node: INode, status: number, body: unknown, purpose: RequestPurpose): NodeApiError {
	const { message, description } = messageFor(status, body, purpose);
	const response: JsonObject =
		body !== null && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as JsonObject) : { body: describeErrorBody(body) };
	return new NodeApiError(node, response, {
		message,
		description,
		httpCode: String(status),
		itemIndex: purpose.itemIndex,
	});
}

/** Connection refused, DNS failure, time-out: no answer at all. */
export function networkError(node: INode, error: Error, url: string, purpose: RequestPurpose): NodeApiError {
	const code = (error as Error & { code?: string }).code;
	return new NodeApiError(
		node,
		{ message: error.message, code: code ?? '' },
		{
			message: `Could not ${purpose.action}: no answer from ${new URL(url).origin} (${code ?? error.message})`,
			description: 'Check the environment or base URL in the Scantrust API credential and the network connection.',
			itemIndex: purpose.itemIndex,
		},
	);
}

/**
 * True when a failed request may or may not have taken effect on the server:
 * no answer at all, or a 5xx. A create must look before it posts again.
 */
export function isAmbiguousFailure(error: unknown): boolean {
	if (!(error instanceof NodeApiError)) return false;
	const code = Number(error.httpCode);
	return !error.httpCode || (code >= 500 && code <= 599);
}

/** Object storage (S3) explains failures in XML: <Error><Code>..</Code><Message>..</Message></Error>. */
export function describeStorageError(body: unknown): string {
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : JSON.stringify(body ?? '');
	const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
	const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
	return [code, message].filter(Boolean).join(': ') || text.slice(0, 300);
}
