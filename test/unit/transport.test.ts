import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { NodeApiError, type INode } from 'n8n-workflow';

import { PRODUCTION_BASE_URL, STAGING_BASE_URL, baseUrlOf, baseUrlProblem } from '../../nodes/Scantrust/transport/environments';
import { apiError, describeErrorBody, isAmbiguousFailure, networkError, notJsonError, redactor } from '../../nodes/Scantrust/transport/errors';
import { DeadlineExceeded } from '../../nodes/Scantrust/transport/http';
import { onApiHost } from '../../nodes/Scantrust/transport/request';
import { retryAfterSeconds } from '../../nodes/Scantrust/transport/retry';
import { presignedPostBody } from '../../nodes/Scantrust/transport/s3Upload';
import { runScantrustNode } from '../helpers/n8nHarness';

const node: INode = { id: '1', name: 'Scantrust', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} };
const TOKEN = 'c0ffee5b8e1f0c9d7a4e2b6c';
const redact = redactor(TOKEN);

describe('describeErrorBody', () => {
	it('shows a DRF detail as it is', () => {
		expect(describeErrorBody({ detail: 'Invalid record', code: 'invalid' })).toBe('Invalid record');
	});

	it('lists field errors field by field', () => {
		expect(
			describeErrorBody({ quantity: ['Ensure this value is greater than or equal to 1.'], template: ['This field is required.'] }),
		).toBe('quantity: Ensure this value is greater than or equal to 1.; template: This field is required.');
	});

	it('keeps non_field_errors without a field name and handles nesting and text', () => {
		expect(describeErrorBody({ non_field_errors: ['Bad combination.'] })).toBe('Bad combination.');
		expect(describeErrorBody({ data: { remarks: ['Too long.'] } })).toBe('data: remarks: Too long.');
		expect(describeErrorBody('  <h1>Bad Gateway</h1> ')).toBe('<h1>Bad Gateway</h1>');
		expect(describeErrorBody(undefined)).toBe('');
	});
});

describe('retryAfterSeconds', () => {
	it('prefers the Retry-After header', () => {
		expect(retryAfterSeconds({ 'retry-after': '7' }, { detail: 'Expected available in 30 seconds.' })).toBe(7);
	});

	it('reads an HTTP date in Retry-After', () => {
		const inFiveSeconds = new Date(Date.now() + 5000).toUTCString();
		expect(retryAfterSeconds({ 'retry-after': inFiveSeconds }, {})).toBeGreaterThan(3);
	});

	it('falls back to the seconds in the DRF detail, then to 1', () => {
		expect(retryAfterSeconds({}, { detail: 'Request was throttled. Expected available in 12 seconds.' })).toBe(12);
		expect(retryAfterSeconds({}, { detail: 'Request was throttled. Expected available in 1 second.' })).toBe(1);
		expect(retryAfterSeconds({}, {})).toBe(1);
	});
});

describe('isAmbiguousFailure', () => {
	it('is true for no answer and 5xx, false for 4xx and other errors', () => {
		expect(isAmbiguousFailure(new NodeApiError(node, {}, { message: 'no answer' }))).toBe(true);
		expect(isAmbiguousFailure(new NodeApiError(node, {}, { message: 'x', httpCode: '502' }))).toBe(true);
		expect(isAmbiguousFailure(new NodeApiError(node, {}, { message: 'x', httpCode: '400' }))).toBe(false);
		expect(isAmbiguousFailure(new NodeApiError(node, {}, { message: 'x', httpCode: '429' }))).toBe(false);
		expect(isAmbiguousFailure(new Error('x'))).toBe(false);
	});

	it.each(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED'])('is true when the "HTTP code" is the network error code %s', (code) => {
		// What NodeApiError makes of an error response that carries `code`, as n8n's request helper wraps errors.
		const wrapped = new NodeApiError(node, { message: 'socket hang up', code });
		expect(wrapped.httpCode).toBe(code);
		expect(isAmbiguousFailure(wrapped)).toBe(true);
	});
});

describe('networkError', () => {
	const purpose = { action: 'create a work order', itemIndex: 2 };
	const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

	it.each([
		['ECONNRESET', 'socket hang up'],
		['ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'],
		['ECONNABORTED', 'timeout of 60000ms exceeded'],
	])('keeps its own message for %s and counts as ambiguous', (code, message) => {
		const error = networkError(node, withCode(message, code), 'https://api.scantrust.com/api/v2/workorders/', purpose, redact);
		expect(error.message).toBe(`Could not create a work order: no answer from https://api.scantrust.com (${code})`);
		expect(error.httpCode).toBeNull();
		expect(error.description).toBe(`${code}: ${message}. Check the environment or base URL in the Scantrust API credential and the network connection.`);
		expect(error.context.itemIndex).toBe(2);
		expect(isAmbiguousFailure(error)).toBe(true);
	});

	it('finds the code of an error n8n already wrapped (it sits in httpCode then)', () => {
		const wrapped = new NodeApiError(node, { message: 'socket hang up', code: 'ECONNRESET' });
		const error = networkError(node, wrapped, 'https://api.scantrust.com/x', purpose, redact);
		expect(error.message).toBe('Could not create a work order: no answer from https://api.scantrust.com (ECONNRESET)');
		expect(isAmbiguousFailure(error)).toBe(true);
	});
});

describe('apiError', () => {
	const purpose = { action: 'list work orders' };

	it.each([
		[502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', 'Scantrust answered 502 Bad Gateway; try again later'],
		[500, '<h1>Server Error (500)</h1>', 'Scantrust answered 500 Internal Server Error; try again later'],
		[504, Buffer.from('<!DOCTYPE html><html>Gateway Timeout</html>'), 'Scantrust answered 504 Gateway Timeout; try again later'],
		[503, '', 'Scantrust answered 503 Service Unavailable; try again later'],
	])('shows a short text instead of an HTML %s page', (status, body, text) => {
		const error = apiError(node, status, body, purpose, redact);
		expect(error.message).toBe(`Could not list work orders: ${text}`);
		expect(error.httpCode).toBe(String(status));
		expect(JSON.stringify({ ...error, message: error.message, description: error.description })).not.toMatch(/<h1|<html|DOCTYPE/i);
		expect(isAmbiguousFailure(error)).toBe(true);
	});

	it('keeps a JSON 5xx body verbatim', () => {
		const error = apiError(node, 503, { detail: 'Down for maintenance until 14:00 UTC.' }, purpose, redact);
		expect(error.message).toBe('Could not list work orders: Scantrust answered 503: Down for maintenance until 14:00 UTC.');
	});

	it('keeps a 400 body verbatim even when it contains a word n8n would swap for generic text', () => {
		const error = apiError(node, 400, { reference: ['Work order with this reference already exists.'], remarks: ['EEXIST ECONNRESET'] }, { action: 'create a work order' }, redact);
		expect(error.message).toBe('Could not create a work order: reference: Work order with this reference already exists.; remarks: EEXIST ECONNRESET');
		expect(error.httpCode).toBe('400');
		expect(error.errorResponse).toEqual({ reference: ['Work order with this reference already exists.'], remarks: ['EEXIST ECONNRESET'] });
	});
});

describe('redaction of the token', () => {
	it('blanks the token out as it is, URL-encoded and JSON-escaped, and leaves short strings alone', () => {
		const odd = 'tok/en+with"quote';
		const redactOdd = redactor(odd);
		expect(redactOdd(`UAT ${odd} ${encodeURIComponent(odd)} ${JSON.stringify(odd)}`)).toBe('UAT [redacted] [redacted] "[redacted]"');
		expect(redact(`Authorization: UAT ${TOKEN}; again ${TOKEN}`)).toBe('Authorization: UAT [redacted]; again [redacted]');
		expect(redactor('t')('the text')).toBe('the text');
	});

	it.each([400, 401, 403, 404, 409, 429, 500, 502])('apiError %s: not in the message, description, response or messages', (status) => {
		const body = { detail: `Bad header UAT ${TOKEN}`, echoed: { [TOKEN]: [`token=${TOKEN}`] } };
		const error = apiError(node, status, body, { action: 'list work orders' }, redact);
		const shown = JSON.stringify([error.message, error.description, error.errorResponse, error.messages, error.cause, error]);
		expect(shown).not.toContain(TOKEN);
		expect(shown).toContain('[redacted]');
	});

	it('apiError: a text body too', () => {
		const error = apiError(node, 400, `<pre>Authorization: UAT ${TOKEN}</pre>`, { action: 'list work orders' }, redact);
		expect(JSON.stringify([error.message, error.description, error.errorResponse])).not.toContain(TOKEN);
	});

	it('networkError: a message that echoes a header or URL', () => {
		const error = networkError(node, new Error(`getaddrinfo ENOTFOUND proxy?auth=UAT%20${TOKEN}`), 'https://api.scantrust.com/x', { action: 'list work orders' }, redact);
		expect(JSON.stringify([error.message, error.description, error.errorResponse, error.messages])).not.toContain(TOKEN);
	});
});

describe('answers that are not what was asked for', () => {
	it('a deadline: says how long, and counts as ambiguous', () => {
		const error = networkError(node, new DeadlineExceeded(1500), 'https://api.scantrust.com/api/v2/workorders/', { action: 'create a work order' }, redact);
		expect(error.message).toBe('Could not create a work order: no complete answer from https://api.scantrust.com within 1.5 s');
		expect(isAmbiguousFailure(error)).toBe(true);
	});

	it.each([
		['', 'application/json', 'an empty body'],
		['<!DOCTYPE html><html></html>', 'text/html', 'an HTML page'],
		['<html><body>Sign in</body></html>', '', 'an HTML page'],
		['{"id": 5, "sta', 'application/json', 'a body that is not valid JSON'],
	])('a 2xx with %j (%s) is %s, and ambiguous', (body, contentType, what) => {
		const error = notJsonError(node, 201, Buffer.from(body), contentType, { action: 'create a work order' });
		expect(error.message).toBe(`Could not create a work order: Scantrust answered 201 with ${what} instead of JSON`);
		expect(error.httpCode).toBeNull();
		expect(isAmbiguousFailure(error)).toBe(true);
	});
});

describe('credential base URLs', () => {
	it('are the published production and staging addresses', () => {
		expect(PRODUCTION_BASE_URL).toBe('https://api.scantrust.com');
		expect(STAGING_BASE_URL).toBe('https://api.staging.scantrust.io');
	});

	it.each([
		[{ environment: 'production', token: 't' }, 'https://api.scantrust.com'],
		[{ environment: 'staging', token: 't' }, 'https://api.staging.scantrust.io'],
		[{ environment: 'custom', baseUrl: 'https://proxy.example.com/scantrust//', token: 't' }, 'https://proxy.example.com/scantrust'],
		[{ environment: 'custom', baseUrl: 'http://127.0.0.1:8000', token: 't' }, 'http://127.0.0.1:8000'],
		// A stale Base URL left from "custom" must not be used by the others.
		[{ environment: 'staging', baseUrl: 'api.example.com', token: 't' }, 'https://api.staging.scantrust.io'],
	])('%j: the nodes use %s', (values, expected) => {
		expect(baseUrlOf(values as never)).toBe(expected);
		expect(baseUrlProblem(values as never)).toBeUndefined();
	});

	it.each(['api.example.com', 'localhost:8000', 'ftp://api.example.com', 'https://'])('%s is not a web address', (baseUrl) => {
		expect(baseUrlProblem({ environment: 'custom', baseUrl, token: 't' })).toBe(
			`The Base URL "${baseUrl}" in the Scantrust API credential is not a web address: it must start with https:// (for example https://api.example.com)`,
		);
	});

	it('names a missing custom Base URL', () => {
		expect(baseUrlProblem({ environment: 'custom', token: 't' })).toBe('The Scantrust API credential uses a Custom URL but has no Base URL');
	});
});

describe('onApiHost', () => {
	it('keeps a link on the API host as it is, path prefix included, on the base URL\'s scheme', () => {
		expect(onApiHost('https://host.example/scantrust', 'https://host.example/scantrust/api/v2/workorders/?limit=100&offset=100')).toBe(
			'https://host.example/scantrust/api/v2/workorders/?limit=100&offset=100',
		);
		expect(onApiHost('https://host.example', 'http://host.example/api/v2/workorders/?offset=20')).toBe('https://host.example/api/v2/workorders/?offset=20');
	});

	it('refuses another host or port', () => {
		expect(onApiHost('https://host.example', 'https://evil.example/api/v2/workorders/')).toBeUndefined();
		expect(onApiHost('http://127.0.0.1:8000', 'http://127.0.0.1:9000/api/v2/workorders/')).toBeUndefined();
	});
});

describe('pagination behind a base URL with a path prefix', () => {
	const TOKEN = 'prefix-token';
	let api: Server;
	let other: Server;
	let apiUrl = '';
	let otherUrl = '';
	const seen: { server: string; url: string; authorization?: string }[] = [];
	let nextOrigin: () => string = () => apiUrl;

	const listen = (server: Server) =>
		new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
	const record = (name: string, req: IncomingMessage) => seen.push({ server: name, url: req.url ?? '', authorization: req.headers.authorization });

	beforeAll(async () => {
		// A DRF list of 5 templates served under /scantrust, 2 per page, with absolute `next` links.
		api = createServer((req, res) => {
			record('api', req);
			const url = new URL(req.url ?? '/', apiUrl);
			if (url.pathname !== '/scantrust/api/v2/workorders/templates/') {
				res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"detail":"Not found."}');
				return;
			}
			const offset = Number(url.searchParams.get('offset') ?? 0);
			const results = [1, 2, 3, 4, 5].slice(offset, offset + 2).map((id) => ({ id, name: `T${id}` }));
			const next = offset + 2 < 5 ? `${nextOrigin()}/scantrust/api/v2/workorders/templates/?limit=2&offset=${offset + 2}` : null;
			res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ count: 5, next, previous: null, results }));
		});
		other = createServer((req, res) => {
			record('other', req);
			res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"count":0,"next":null,"previous":null,"results":[]}');
		});
		apiUrl = await listen(api);
		otherUrl = await listen(other);
	});
	afterAll(async () => {
		await Promise.all([api, other].map((server) => new Promise((resolve) => server.close(resolve))));
	});
	beforeEach(() => {
		seen.length = 0;
		nextOrigin = () => apiUrl;
	});

	const listTemplates = () =>
		runScantrustNode({
			parameters: { resource: 'template', operation: 'getMany', returnAll: true },
			credentials: { environment: 'custom', baseUrl: `${apiUrl}/scantrust/`, token: TOKEN },
		});

	it('follows an absolute `next` as given, without doubling the prefix', async () => {
		const { output, error } = await listTemplates();
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.id)).toEqual([1, 2, 3, 4, 5]);
		expect(seen.map((request) => request.url)).toEqual([
			'/scantrust/api/v2/workorders/templates/?limit=100&offset=0',
			'/scantrust/api/v2/workorders/templates/?limit=2&offset=2',
			'/scantrust/api/v2/workorders/templates/?limit=2&offset=4',
		]);
		expect(seen.every((request) => request.authorization === `UAT ${TOKEN}`)).toBe(true);
	});

	it('fails clearly, and sends nothing, when `next` points to another origin', async () => {
		nextOrigin = () => otherUrl;
		const { output, error } = await listTemplates();
		expect(output).toHaveLength(0);
		expect(error?.message).toBe(
			`Could not list work order templates: Scantrust linked to ${otherUrl}, which is not the API's address ${apiUrl}`,
		);
		expect(seen.filter((request) => request.server === 'other')).toHaveLength(0);
		expect(seen).toHaveLength(1);
	});
});

describe('presignedPostBody', () => {
	it('puts every field in order, then the file as the last part', () => {
		const { body, contentType } = presignedPostBody(
			{ url: 'https://s3.example/bucket/', fields: { key: 'ingestion/abc.csv', 'Content-Type': 'text/csv', 'x-amz-meta-nonce-1': 'n' } },
			{ content: Buffer.from('id\nabcdefgh\n'), fileName: 'codes.csv', contentType: 'text/csv' },
		);
		const boundary = /boundary=(.+)$/.exec(contentType)![1];
		const parts = body.toString('utf8').split(`--${boundary}`).slice(1, -1);
		expect(parts.map((part) => /name="([^"]+)"/.exec(part)![1])).toEqual(['key', 'Content-Type', 'x-amz-meta-nonce-1', 'file']);
		expect(parts[3]).toContain('filename="codes.csv"');
		expect(parts[3].endsWith('\r\n\r\nid\nabcdefgh\n\r\n')).toBe(true);
		expect(body.toString('utf8').endsWith(`--${boundary}--\r\n`)).toBe(true);
	});
});
