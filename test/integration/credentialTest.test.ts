import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CredentialTestContext } from 'n8n-core';
import type { ICredentialsDecrypted, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { Scantrust } from '../../nodes/Scantrust/Scantrust.node';
import { ScantrustTrigger } from '../../nodes/Scantrust/ScantrustTrigger.node';
import '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';

const env = useSandbox();

/** The Test button as n8n runs it: the node's credentialTest method in n8n-core's credential test context. */
async function testCredential(data: Record<string, unknown>) {
	const node = new Scantrust();
	expect(node.description.credentials?.[0].testedBy).toBe('scantrustApiTest');
	const context = new CredentialTestContext({} as IWorkflowExecuteAdditionalData);
	const credential: ICredentialsDecrypted = { id: '1', name: 'Scantrust API', type: 'scantrustApi', data: data as never };
	return await node.methods.credentialTest.scantrustApiTest.call(context, credential);
}

const sandboxCredential = (token: string) => ({ environment: 'custom', baseUrl: env.sandbox.apiUrl, token });

describe('Scantrust API credential: Test', () => {
	it('passes for a token with the permissions the node uses, and says which it confirmed', async () => {
		const result = await testCredential(sandboxCredential(env.sandbox.token));
		expect(result.status).toBe('OK');
		expect(result.message).toMatch(/Permissions confirmed: workorder_view, ingestion_view/);
		expect(result.message).not.toContain(env.sandbox.token);
		expect(apiCalls(env.sandbox, 'GET', /^\/api\/v2\/me\/$/)).toHaveLength(1);
	});

	it('fails for a valid token without any permission the node uses (every operation would fail with 403)', async () => {
		env.sandbox.state.tokens['no-rights'] = [];
		const result = await testCredential(sandboxCredential('no-rights'));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/is valid but has none of the permissions this node uses: workorder_view \(templates, work orders, downloads and the trigger\), ingestion_view/);
	});

	it('passes with a warning for a printing partner token that lacks some permissions', async () => {
		env.sandbox.state.tokens['partner'] = ['workorder_view', 'workorder_edit', 'workorder_download'];
		const result = await testCredential(sandboxCredential('partner'));
		expect(result.status).toBe('OK');
		expect(result.message).toMatch(/Permissions confirmed: workorder_view\. Not granted, so these operations will fail: ingestion_view \(Code Upload\)/);
	});

	it('fails for a wrong token, naming the environment as the likely mix-up, without showing the token', async () => {
		const result = await testCredential(sandboxCredential('not-a-token-xyz'));
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/^Scantrust rejected the UAT token \(401\)/) });
		expect(result.message).not.toContain('not-a-token-xyz');
	});

	it('refuses a Base URL without https:// before sending anything', async () => {
		const result = await testCredential({ environment: 'custom', baseUrl: 'api.scantrust.com', token: 't' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/Base URL "api.scantrust.com" in the Scantrust API credential is not a web address: it must start with https:\/\//);
	});

	describe('against a server that is not the Scantrust API', () => {
		let server: Server;
		let url: string;
		const seen: Array<{ path: string; authorization?: string }> = [];
		beforeAll(async () => {
			server = createServer((request, response) => {
				seen.push({ path: request.url ?? '', authorization: request.headers.authorization });
				if (request.url?.startsWith('/redirect')) {
					response.writeHead(302, { Location: `http://localhost:${(server.address() as AddressInfo).port}/elsewhere` }).end();
					return;
				}
				response.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Welcome to nginx</body></html>');
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		});
		afterAll(async () => await new Promise((resolve) => server.close(resolve)));

		it('fails when the address answers with a web page', async () => {
			const result = await testCredential({ environment: 'custom', baseUrl: url, token: 'secret-token-1' });
			expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/answered a page that is not the Scantrust API/) });
		});

		it('does not follow a redirect with the token', async () => {
			seen.length = 0;
			const result = await testCredential({ environment: 'custom', baseUrl: `${url}/redirect`, token: 'secret-token-2' });
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/answered a redirect \(302\)/);
			expect(seen.map((request) => request.path)).toEqual(['/redirect/api/v2/me/']);
		});
	});

	it('is offered by both nodes, so the Test button works whichever node n8n asks', () => {
		expect(new ScantrustTrigger().description.credentials?.[0].testedBy).toBe('scantrustApiTest');
		expect(typeof new ScantrustTrigger().methods.credentialTest.scantrustApiTest).toBe('function');
	});
});
