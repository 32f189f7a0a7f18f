/**
 * Smoke test of the real-n8n runtime (scripts/n8n): installs n8n once (cached), starts it with community
 * packages linked from folders, and checks through n8n's REST API and CLI that what the end-to-end tests rely on
 * works: the package is loaded, a workflow runs manually, a polling trigger polls once in manual mode, a
 * credential test passes with the right token and fails with a wrong one, and `n8n execute` runs headlessly.
 *
 * A throwaway package `n8n-nodes-smoke` (generated in a temp folder, plain JavaScript) stands in for this
 * package's nodes, so the runtime is checked independently of them; this package is linked as well and must be
 * loaded too (dist/ is built first when missing or stale, see packageBuild.ts; a failed build fails the run).
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

import { PACKAGE_NAME, thisPackage, type LinkedPackage } from '../../scripts/n8n/env';
import { executeWorkflowCli } from '../../scripts/n8n/execute';
import type { N8nInstallation } from '../../scripts/n8n/install';
import { startN8n, type N8nInstance } from '../../scripts/n8n/instance';
import { prepareRealN8n } from './packageBuild';

// First install: ~4-8 minutes (downloads ~2.9 GB and compiles sqlite3); afterwards it is cached.
const INSTALL_TIMEOUT = 30 * 60_000;
const GOOD_TOKEN = 'smoke-good-token';

jest.setTimeout(5 * 60_000);

/** Writes a minimal community package: a node, a polling trigger and a credential with a test request. */
function writeSmokePackage(dir: string): LinkedPackage {
	const w = (rel: string, text: string) => {
		fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
		fs.writeFileSync(path.join(dir, rel), text);
	};
	w(
		'package.json',
		JSON.stringify(
			{
				name: 'n8n-nodes-smoke',
				version: '0.0.1',
				main: 'index.js',
				n8n: {
					n8nNodesApiVersion: 1,
					nodes: ['dist/nodes/Smoke/Smoke.node.js', 'dist/nodes/SmokeTrigger/SmokeTrigger.node.js'],
					credentials: ['dist/credentials/SmokeApi.credentials.js'],
				},
			},
			null,
			2,
		),
	);
	w('index.js', 'module.exports = {};\n');
	w(
		'dist/nodes/Smoke/Smoke.node.js',
		`class Smoke {
	constructor() {
		this.description = {
			displayName: 'Smoke', name: 'smoke', group: ['transform'], version: 1,
			description: 'Smoke test node', defaults: { name: 'Smoke' },
			inputs: ['main'], outputs: ['main'],
			properties: [{ displayName: 'Word', name: 'word', type: 'string', default: 'hello' }],
		};
	}
	async execute() {
		const items = this.getInputData();
		return [items.map((item, i) => ({ json: { ...item.json, smoke: this.getNodeParameter('word', i), index: i } }))];
	}
}
module.exports = { Smoke };
`,
	);
	w(
		'dist/nodes/SmokeTrigger/SmokeTrigger.node.js',
		`class SmokeTrigger {
	constructor() {
		this.description = {
			displayName: 'Smoke Trigger', name: 'smokeTrigger', group: ['trigger'], version: 1, polling: true,
			description: 'Smoke polling trigger', defaults: { name: 'Smoke Trigger' },
			inputs: [], outputs: ['main'], properties: [],
		};
	}
	async poll() {
		return [[{ json: { polled: true, mode: this.getMode() } }]];
	}
}
module.exports = { SmokeTrigger };
`,
	);
	w(
		'dist/credentials/SmokeApi.credentials.js',
		`class SmokeApi {
	constructor() {
		this.name = 'smokeApi';
		this.displayName = 'Smoke API';
		this.properties = [
			{ displayName: 'Token', name: 'token', type: 'string', typeOptions: { password: true }, default: '' },
			{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
		];
		this.authenticate = { type: 'generic', properties: { headers: { Authorization: '=Token {{$credentials.token}}' } } };
		this.test = { request: { baseURL: '={{$credentials.baseUrl}}', url: '/check' } };
	}
}
module.exports = { SmokeApi };
`,
	);
	return { name: 'n8n-nodes-smoke', dir };
}

function writeWorkflow(file: string, name: string, nodes: unknown[], connections: unknown): string {
	fs.writeFileSync(file, JSON.stringify({ name, nodes, connections, settings: {}, pinData: {} }, null, 2));
	return file;
}

describe('real n8n runtime (scripts/n8n)', () => {
	let installation: N8nInstallation;
	let tmp: string;
	let smoke: LinkedPackage;
	let manualWf: string;
	let pollWf: string;
	let server: http.Server;
	let baseUrl: string;
	let n8n: N8nInstance | undefined;

	beforeAll(async () => {
		const t0 = Date.now();
		installation = await prepareRealN8n();
		process.stderr.write(`[smoke] n8n ready after ${Date.now() - t0} ms (cached: ${installation.cached})\n`);

		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-smoke-test-'));
		smoke = writeSmokePackage(path.join(tmp, 'n8n-nodes-smoke'));
		manualWf = writeWorkflow(
			path.join(tmp, 'manual.json'),
			'Smoke manual',
			[
				{ id: 'a1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{ id: 'a2', name: 'Smoke', type: 'n8n-nodes-smoke.smoke', typeVersion: 1, position: [220, 0], parameters: { word: 'it works' } },
			],
			{ Start: { main: [[{ node: 'Smoke', type: 'main', index: 0 }]] } },
		);
		pollWf = writeWorkflow(
			path.join(tmp, 'poll.json'),
			'Smoke poll',
			[
				{
					id: 'b1',
					name: 'Smoke Trigger',
					type: 'n8n-nodes-smoke.smokeTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] } },
				},
			],
			{},
		);

		// What the credential test calls: 200 for the good token, 401 otherwise.
		server = http.createServer((req, res) => {
			const ok = req.url === '/check' && req.headers.authorization === `Token ${GOOD_TOKEN}`;
			res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
			res.end(JSON.stringify(ok ? { ok: true } : { detail: 'Invalid token.' }));
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

		const t1 = Date.now();
		n8n = await startN8n({
			installation,
			packages: [smoke, thisPackage()],
			credentials: [{ id: 'smokeCred0000001', name: 'Smoke account', type: 'smokeApi', data: { token: GOOD_TOKEN, baseUrl } }],
			workflows: [manualWf, pollWf],
		});
		process.stderr.write(`[smoke] n8n started (imports included) in ${Date.now() - t1} ms at ${n8n.editorUrl}\n`);
		await n8n.setupOwner();
	}, INSTALL_TIMEOUT);

	afterAll(async () => {
		await n8n?.stop();
		await new Promise((r) => (server ? server.close(r) : r(undefined)));
		if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
	});

	it('answers the health check and reports version 2.x', async () => {
		const res = await fetch(`${n8n!.url}/healthz`);
		expect(res.status).toBe(200);
		expect(installation.n8nBin).toContain('n8n-2.');
	});

	it('loads a community package linked into .n8n/nodes/node_modules', async () => {
		const names = (await n8n!.nodeTypes()).map((t) => t.name);
		expect(names).toEqual(expect.arrayContaining(['n8n-nodes-smoke.smoke', 'n8n-nodes-smoke.smokeTrigger']));
		const creds = (await n8n!.credentialTypes()).map((t) => t.name);
		expect(creds).toContain('smokeApi');
	});

	it(`loads ${PACKAGE_NAME} itself from dist/`, async () => {
		const names = (await n8n!.nodeTypes()).map((t) => t.name);
		expect(names).toEqual(expect.arrayContaining([`${PACKAGE_NAME}.scantrust`, `${PACKAGE_NAME}.scantrustTrigger`]));
		expect((await n8n!.credentialTypes()).map((t) => t.name)).toContain('scantrustApi');
	});

	it('imported the workflows with the ids it reported', async () => {
		const ids = (await n8n!.listWorkflows()).map((w) => w.id);
		expect(ids).toEqual(expect.arrayContaining(n8n!.workflows.map((w) => w.id)));
	});

	it('runs a workflow manually through the REST API', async () => {
		const wf = n8n!.workflows.find((w) => w.source === manualWf)!;
		const r = await n8n!.runWorkflowManually(wf.id, 'Start');
		expect(r.status).toBe('success');
		expect(r.lastNodeExecuted).toBe('Smoke');
		expect(r.lastNodeOutput.map((i) => i.json)).toEqual([{ smoke: 'it works', index: 0 }]);
	});

	it('runs a polling trigger once in manual mode', async () => {
		const wf = n8n!.workflows.find((w) => w.source === pollWf)!;
		const r = await n8n!.runWorkflowManually(wf.id, 'Smoke Trigger');
		expect(r.status).toBe('success');
		expect(r.lastNodeOutput.map((i) => i.json)).toEqual([{ polled: true, mode: 'manual' }]);
	});

	it('tests a credential: OK with the right token, an error with a wrong one', async () => {
		const good = await n8n!.testCredential({ id: 'smokeCred0000001', type: 'smokeApi' });
		expect(good).toEqual(expect.objectContaining({ status: 'OK' }));
		const bad = await n8n!.testCredential({ id: 'smokeCred0000001', type: 'smokeApi', data: { token: 'wrong' } });
		expect(bad.status).toBe('Error');
		const adHoc = await n8n!.testCredential({ type: 'smokeApi', data: { token: GOOD_TOKEN, baseUrl } });
		expect(adHoc.status).toBe('OK');
	});

	it('executes a workflow headlessly with n8n execute', async () => {
		const r = await executeWorkflowCli({ installation, workflowFile: manualWf, packages: [smoke] });
		expect(r.source).toBe('stdout');
		expect(r.status).toBe('success');
		expect(r.lastNodeOutput.map((i) => i.json)).toEqual([{ smoke: 'it works', index: 0 }]);
		process.stderr.write(`[smoke] n8n execute: import ${r.importMs} ms, execute ${r.executeMs} ms\n`);
	});
});
