/**
 * Servers and proxies that echo the token, redirect elsewhere or answer a 2xx that is not JSON,
 * and credentials with a Base URL that is not one: the node in n8n-core's engine over real HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { downloadFile } from '../../nodes/Scantrust/transport/download';
import { isAmbiguousFailure } from '../../nodes/Scantrust/transport/errors';
import { apiRequest } from '../../nodes/Scantrust/transport/request';
import { runScantrustNode } from '../helpers/n8nHarness';
import { credentialsFor, errorSurfaces, json, runInNode, TOKEN, useServers, type HostileServer } from './hostileServer';

const getWorkOrder = (baseUrl: string, id = '5') =>
	runScantrustNode({
		parameters: { resource: 'workOrder', operation: 'get', workOrderId: id },
		credentials: credentialsFor(baseUrl),
	});

const { serve } = useServers();

describe('a server that echoes the request headers in its error answers', () => {
	it.each([400, 401, 403, 404, 409, 500].flatMap((status) => [
		[status, 'JSON'],
		[status, 'text'],
	]))('%s as %s: the token appears nowhere in the error', async (status, format) => {
		const server = await serve((req, res) => {
			const authorization = String(req.headers.authorization);
			// A 5xx says when to come back, so the retries of the GET do not take seconds.
			const headers: Record<string, string> = status === 500 ? { 'Retry-After': '0' } : {};
			if (format === 'JSON') {
				json(res, status, { detail: `Rejected header Authorization: ${authorization}`, request: { headers: req.headers }, token: TOKEN }, headers);
			} else {
				res.writeHead(status, { 'Content-Type': 'text/plain', ...headers }).end(`Rejected request with Authorization: ${authorization} (token ${TOKEN})`);
			}
		});
		const { error } = await getWorkOrder(server.url);
		expect(server.seen[0].authorization).toBe(`UAT ${TOKEN}`);
		expect(error).toBeDefined();
		expect(errorSurfaces(error)).not.toContain(TOKEN);
		// What the server said is still shown, with the token blanked out.
		if (status === 400 || status === 409 || status === 500) expect(error?.message).toContain('Rejected');
		if (status === 400) expect(error?.message).toContain('[redacted]');
	});
});

describe('redirects of authenticated requests', () => {
	it('follows a redirect on the API origin, with the token', async () => {
		const server = await serve((req, res) => {
			if (req.url === '/api/v2/workorders/5/') return json(res, 200, { id: 5, state: 'new' });
			res.writeHead(301, { Location: '/api/v2/workorders/5/' }).end();
		});
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'get', workOrderId: '5' },
			credentials: credentialsFor(`${server.url}/old`),
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ id: 5, state: 'new' });
		expect(server.seen.map((request) => [request.url, request.authorization])).toEqual([
			['/old/api/v2/workorders/5/', `UAT ${TOKEN}`],
			['/api/v2/workorders/5/', `UAT ${TOKEN}`],
		]);
	});

	it.each([
		['another port', (api: HostileServer, other: HostileServer) => other.url],
		['another host name on the same port (localhost for 127.0.0.1)', (api: HostileServer) => api.url.replace('127.0.0.1', 'localhost')],
	])('does not follow a redirect to %s, and says the token was not sent there', async (_, target) => {
		const other = await serve((req, res) => json(res, 200, { id: 5, state: 'from elsewhere' }));
		const api: HostileServer = await serve((req, res) => {
			res.writeHead(302, { Location: `${target(api, other)}/api/v2/workorders/5/` }).end();
		});
		const { output, error } = await getWorkOrder(api.url);
		expect(output).toHaveLength(0);
		expect(other.seen).toHaveLength(0);
		expect(api.seen).toHaveLength(1);
		expect(error?.message).toBe(
			`Could not read work order 5: Scantrust redirected the request to ${target(api, other)}, which is not the API's address ${api.url}`,
		);
		expect(String(error?.description)).toMatch(/not sent there/);
	});

	const ARCHIVE = {
		what: 'the codes of work order 5',
		permission: 'workorder_download',
		name: 'Codes archive',
		expiredHint: 'The download link may have expired.',
	};

	it('a codes archive on the API host that redirects to storage is fetched from there, without the token', async () => {
		const storage = await serve((req, res) => res.writeHead(200, { 'Content-Type': 'application/zip' }).end('PK archive'));
		const api = await serve((req, res) => {
			res.writeHead(302, { Location: `${storage.url}/bucket/codes.zip?X-Amz-Signature=abc` }).end();
		});
		const { output, error } = await runInNode(credentialsFor(api.url), async (ctx) => ({
			text: (await downloadFile.call(ctx, '/media/workorders/5/codes.zip', ARCHIVE, 0)).toString(),
		}));
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ text: 'PK archive' });
		expect(api.seen.map((request) => request.authorization)).toEqual([`UAT ${TOKEN}`]);
		expect(storage.seen.map((request) => [request.url, request.authorization])).toEqual([['/bucket/codes.zip?X-Amz-Signature=abc', undefined]]);
	});

	it('a file on the API host refused with 403 names the permission of what is downloaded (an export is not a codes archive)', async () => {
		const api = await serve((req, res) => res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"detail": "You do not have permission to perform this action."}'));
		const { error } = await runInNode(credentialsFor(api.url), async (ctx) => ({
			size: (
				await downloadFile.call(
					ctx,
					'/media/exports/abc.csv',
					{ what: 'code data export abc', permission: 'codes_view', name: 'Code data export file', expiredHint: 'Run the node again.' },
					0,
				)
			).length,
		}));
		expect(error?.message).toBe('Could not download code data export abc: the UAT token lacks the permission "codes_view" (403)');
	});

	describe('through an HTTP proxy, to a subdomain of the API host', () => {
		// Host names resolve at the proxy, so api.scantrust.test and evil.api.scantrust.test need no DNS.
		let proxy: Server;
		const seen: { host: string; authorization?: string }[] = [];
		const saved = { http_proxy: process.env.http_proxy, HTTP_PROXY: process.env.HTTP_PROXY, no_proxy: process.env.no_proxy, NO_PROXY: process.env.NO_PROXY };

		beforeAll(async () => {
			proxy = createServer((req, res) => {
				const url = new URL(req.url ?? '/');
				seen.push({ host: url.host, authorization: req.headers.authorization });
				if (url.host === 'api.scantrust.test') {
					res.writeHead(302, { Location: 'http://evil.api.scantrust.test/api/v2/workorders/5/' }).end();
				} else {
					json(res, 200, { id: 5, state: 'served by the subdomain' });
				}
			});
			await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
			process.env.http_proxy = process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
			process.env.no_proxy = process.env.NO_PROXY = '';
		});
		afterAll(async () => {
			for (const [name, value] of Object.entries(saved)) {
				if (value === undefined) delete process.env[name];
				else process.env[name] = value;
			}
			proxy.closeAllConnections();
			await new Promise((resolve) => proxy.close(resolve));
		});

		it('never sends the token to evil.api.scantrust.test', async () => {
			const { error } = await getWorkOrder('http://api.scantrust.test');
			expect(seen[0]).toEqual({ host: 'api.scantrust.test', authorization: `UAT ${TOKEN}` });
			expect(seen.filter((request) => request.host === 'evil.api.scantrust.test' && request.authorization !== undefined)).toEqual([]);
			expect(error?.message).toBe(
				"Could not read work order 5: Scantrust redirected the request to http://evil.api.scantrust.test, which is not the API's address http://api.scantrust.test",
			);
		});
	});
});

describe('a 2xx answer that is not the JSON asked for', () => {
	it.each([
		['an HTML page', 'text/html; charset=utf-8', '<!DOCTYPE html><html><body><h1>Sign in to the corporate proxy</h1></body></html>', /Scantrust answered 200 with an HTML page instead of JSON/],
		['an empty body', 'application/json', '', /Scantrust answered 200 with an empty body instead of JSON/],
		['truncated JSON', 'application/json', '{"id": 5, "state": "ne', /Scantrust answered 200 with a body that is not valid JSON/],
		['plain text', 'text/plain', 'OK', /Scantrust answered 200 with a body that is not valid JSON/],
	])('Get: %s is an error that names the Base URL', async (_, contentType, body, message) => {
		const server = await serve((req, res) => res.writeHead(200, { 'Content-Type': contentType }).end(body));
		const { output, error } = await getWorkOrder(server.url);
		expect(output).toHaveLength(0);
		expect(error?.message).toMatch(/^Could not read work order 5: /);
		expect(error?.message).toMatch(message);
		expect(String(error?.description)).toMatch(/Base URL/);
		// Not a question of retrying: a read gets one request.
		expect(server.seen).toHaveLength(1);
	});

	it.each([
		['201 with an empty body', 201, 'application/json', ''],
		['200 with an HTML page', 200, 'text/html', '<html><body>Maintenance</body></html>'],
		['201 with truncated JSON', 201, 'application/json', '{"id": 77, "refer'],
	])('apiRequest: a POST answered %s fails as "may have taken effect", once', async (_, status, contentType, answer) => {
		const server = await serve((req, res) => res.writeHead(status, { 'Content-Type': contentType }).end(answer));
		const { output, error } = await runInNode(credentialsFor(server.url), async (ctx) => {
			try {
				return await apiRequest.call(ctx, { method: 'POST', path: '/api/v2/workorders/create-from-template/', body: { template: 101, quantity: 10 }, action: 'create a work order' });
			} catch (failure) {
				return { ambiguous: isAmbiguousFailure(failure), message: (failure as Error).message };
			}
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ ambiguous: true, message: expect.stringMatching(new RegExp(`^Could not create a work order: Scantrust answered ${status} with `)) });
		expect(server.seen).toHaveLength(1);
	});

	it.each([
		['201 with an empty body', 201, ''],
		['200 with an HTML page', 200, '<html><body>Maintenance</body></html>'],
		['201 with truncated JSON', 201, '{"id": 77, "refer'],
	])('Create: %s counts as "may have been created": the reference is looked up, not posted again', async (_, status, answer) => {
		let reference = '';
		const server = await serve((req, res, seen) => {
			const url = new URL(req.url ?? '/', 'http://x');
			if (req.method === 'POST' && url.pathname === '/api/v2/workorders/create-from-template/') {
				reference = JSON.parse(seen.body).reference;
				return res.writeHead(status, { 'Content-Type': status === 200 ? 'text/html' : 'application/json' }).end(answer);
			}
			if (req.method === 'GET' && url.pathname === '/api/v2/workorders/') {
				const found = url.searchParams.get('search') === reference ? [{ id: 77, reference, template: 101, quantity: 10, state: 'new', creation_date: new Date().toISOString() }] : [];
				return json(res, 200, { count: found.length, next: null, previous: null, results: found });
			}
			json(res, 404, { detail: 'Not found.' });
		});
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'create', templateId: 101, quantity: 10 },
			credentials: credentialsFor(server.url),
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ id: 77, reference, quantity: 10 });
		expect(server.seen.filter((request) => request.method === 'POST')).toHaveLength(1);
	});
});

describe('a Base URL that is not a web address', () => {
	it.each(['api.example.com', 'localhost:8000', 'ftp://api.example.com'])('%s: fails at once, naming the credential\'s Base URL', async (baseUrl) => {
		const started = Date.now();
		const { error } = await getWorkOrder(baseUrl);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(error?.message).toBe(
			`The Base URL "${baseUrl}" in the Scantrust API credential is not a web address: it must start with https:// (for example https://api.example.com)`,
		);
	});

	it('an empty Base URL is named as missing', async () => {
		const { error } = await getWorkOrder('');
		expect(error?.message).toBe('The Scantrust API credential uses a Custom URL but has no Base URL');
	});
});
