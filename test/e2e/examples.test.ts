/**
 * The example workflows of examples/ in a real n8n (2.41.1 on Node 24, the cached install of scripts/n8n) with this
 * package loaded from dist/ as the community package n8n-nodes-scantrust, against the Scantrust sandbox running in
 * this process. One n8n for the whole file (about 10-15 s to start); `npm run demo` (n8n execute, no server) runs too.
 *
 * If n8n cannot be installed, every test here fails with the installer's message: these tests never skip.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runDemo } from '../../scripts/demo';
import { PACKAGE_NAME } from '../../scripts/n8n/env';
import type { N8nInstallation } from '../../scripts/n8n/install';
import { startN8n, type N8nInstance, type PreparedWorkflow } from '../../scripts/n8n/instance';
import {
	CREDENTIAL_NAME,
	CREDENTIAL_TYPE,
	EXAMPLE,
	exampleFiles,
	fileAccessEnv,
	loadExample,
	nodeOutput,
	sandboxCredentialData,
	withNodeParameters,
	withSettings,
} from '../../scripts/n8n/scantrust';
import { BATCH_SIZE, INGESTION_STATUS, startSandbox, type Sandbox } from '../sandbox';
import { expectOrderCsvRun, ORDER_CSV_QUANTITY } from './orderCsvExample';
import { prepareRealN8n } from './packageBuild';

// A first install downloads ~2.9 GB and compiles sqlite3 (4-8 minutes); afterwards it is cached.
const INSTALL_TIMEOUT = 30 * 60_000;
jest.setTimeout(3 * 60_000);


const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);

describe('example workflows in a real n8n', () => {
	let installation: N8nInstallation;
	let sandbox: Sandbox;
	let n8n: N8nInstance;
	let outDir: string;
	let credentialId: string;
	const wf: Record<'orderCsv' | 'codesReadyEmail' | 'uploadOwnCodes', PreparedWorkflow> = {} as never;

	beforeAll(async () => {
		const t0 = Date.now();
		installation = await prepareRealN8n(log);
		sandbox = await startSandbox({ generationDelayMs: 300, ingestionDelayMs: 300 });
		outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scantrust-e2e-csv-'));
		n8n = await startN8n({ installation, env: fileAccessEnv([outDir]) });
		await n8n.setupOwner();
		credentialId = (
			await n8n.createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(sandbox) })
		).id;

		// The examples as shipped, with the values their sticky notes say to change, and quick polling for the sandbox.
		const a = withSettings(loadExample(EXAMPLE.orderCsv.file), { quantity: ORDER_CSV_QUANTITY, outputFolder: outDir });
		withNodeParameters(a, EXAMPLE.orderCsv.create, { pollInterval: 0.5 });
		wf.orderCsv = await n8n.createWorkflow(a);
		wf.codesReadyEmail = await n8n.createWorkflow(loadExample(EXAMPLE.codesReadyEmail.file));
		const c = loadExample(EXAMPLE.uploadOwnCodes.file);
		withNodeParameters(c, EXAMPLE.uploadOwnCodes.process, { pollInterval: 0.5 });
		wf.uploadOwnCodes = await n8n.createWorkflow(c);
		log(`n8n (${installation.cached ? 'cached' : 'just installed'}) ready with the examples in ${Date.now() - t0} ms at ${n8n.url}`);
	}, INSTALL_TIMEOUT);

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.close();
		if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
	});

	describe('the example files', () => {
		const files = exampleFiles();

		it('are the documented examples', () => {
			expect(files.map((f) => path.basename(f))).toEqual([
				EXAMPLE.orderCsv.file,
				EXAMPLE.codesReadyEmail.file,
				EXAMPLE.uploadOwnCodes.file,
				EXAMPLE.scanAlert.file,
				EXAMPLE.activateAfterPrinting.file,
				EXAMPLE.lostPallet.file,
			]);
		});

		it.each(files.map((f) => [path.basename(f), f]))('%s imports anywhere: no workflow id, credential by name, known node types', (_name, file) => {
			const w = loadExample(file);
			expect(w.id).toBeUndefined();
			expect(typeof w.name).toBe('string');
			const names = w.nodes.map((n) => n.name);
			expect(new Set(names).size).toBe(names.length);
			expect(new Set(w.nodes.map((n) => n.id)).size).toBe(w.nodes.length);
			const ours = w.nodes.filter((n) => n.type.startsWith(`${PACKAGE_NAME}.`));
			expect(ours.length).toBeGreaterThan(0);
			for (const n of ours) {
				expect([`${PACKAGE_NAME}.scantrust`, `${PACKAGE_NAME}.scantrustTrigger`]).toContain(n.type);
				expect(n.credentials).toEqual({ [CREDENTIAL_TYPE]: expect.objectContaining({ name: CREDENTIAL_NAME }) });
			}
			for (const n of w.nodes.filter((x) => !x.type.startsWith(`${PACKAGE_NAME}.`))) {
				expect(n.type).toMatch(/^n8n-nodes-base\./);
				expect(n.credentials).toBeUndefined();
			}
			// every connection points at an existing node
			for (const [from, outputs] of Object.entries(w.connections ?? {})) {
				expect(names).toContain(from);
				for (const target of Object.values(outputs as Record<string, Array<Array<{ node: string }>>>).flat(2)) {
					expect(names).toContain(target.node);
				}
			}
			expect(w.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote')).toBe(true);
		});
	});

	it('loads the package and links the examples to the imported credential by its name', async () => {
		const types = (await n8n.nodeTypes()).map((t) => t.name);
		expect(types).toEqual(expect.arrayContaining([`${PACKAGE_NAME}.scantrust`, `${PACKAGE_NAME}.scantrustTrigger`]));
		for (const w of Object.values(wf)) {
			const saved = await n8n.rest<{ nodes: Array<{ type: string; credentials?: Record<string, { id: string }> }> }>(
				'GET',
				`/rest/workflows/${w.id}`,
			);
			for (const node of saved.nodes.filter((n) => n.type.startsWith(PACKAGE_NAME))) {
				expect(node.credentials?.[CREDENTIAL_TYPE]?.id).toBe(credentialId);
			}
		}
	});

	it('tests the credential: OK with the right token, an error with a wrong one', async () => {
		expect(await n8n.testCredential({ id: credentialId, type: CREDENTIAL_TYPE })).toEqual(
			expect.objectContaining({ status: 'OK' }),
		);
		const wrong = await n8n.testCredential({ id: credentialId, type: CREDENTIAL_TYPE, data: { token: 'wrong-token' } });
		expect(wrong.status).toBe('Error');
		expect(wrong.message).not.toContain('wrong-token');
	});

	it('(a) creates a work order, waits, downloads it per batch and writes one CSV per batch', async () => {
		const r = await n8n.runWorkflowManually(wf.orderCsv.id, EXAMPLE.orderCsv.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');

		expectOrderCsvRun(r.runData, sandbox, outDir);
	});

	it('(b) the codes-ready trigger polls once in manual mode; the newest ready work order is downloaded, the disabled e-mail node is skipped', async () => {
		const ready = sandbox.createWorkOrder({ template: 102, quantity: 25_000 });
		sandbox.completeGeneration(ready.id);

		const r = await n8n.runWorkflowManually(wf.codesReadyEmail.id, EXAMPLE.codesReadyEmail.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');
		expect(r.mode).toBe('manual');

		const triggered = nodeOutput(r.runData, EXAMPLE.codesReadyEmail.trigger).map((i) => i.json);
		expect(triggered).toEqual([expect.objectContaining({ id: ready.id })]);
		const batches = nodeOutput(r.runData, EXAMPLE.codesReadyEmail.download);
		expect(batches.map((i) => [i.json.workOrderId, i.json.batch, i.json.codeCount])).toEqual([
			[ready.id, 1, BATCH_SIZE],
			[ready.id, 2, 5_000],
		]);
		// the attachment the e-mail node would send: the batch CSV in binary "data"
		expect(batches[0].binary?.data).toEqual(
			expect.objectContaining({ fileName: `work-order-${ready.id}-batch-1.csv`, mimeType: 'text/csv' }),
		);
		// disabled: n8n passes the items through without running it (no SMTP credential needed, nothing sent)
		const saved = await n8n.rest<{ nodes: Array<{ name: string; disabled?: boolean }> }>('GET', `/rest/workflows/${wf.codesReadyEmail.id}`);
		expect(saved.nodes.find((n) => n.name === EXAMPLE.codesReadyEmail.email)?.disabled).toBe(true);
		const email = r.runData[EXAMPLE.codesReadyEmail.email] ?? [];
		expect(email.some((run) => run.error)).toBe(false);
		expect(nodeOutput(r.runData, EXAMPLE.codesReadyEmail.email).map((i) => i.json)).toEqual(batches.map((i) => i.json));
	});

	it('(c) uploads spreadsheet rows, processes them and waits until Scantrust has created the codes', async () => {
		const requestsBefore = sandbox.requests.length;
		const r = await n8n.runWorkflowManually(wf.uploadOwnCodes.id, EXAMPLE.uploadOwnCodes.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');

		const rows = nodeOutput(r.runData, EXAMPLE.uploadOwnCodes.rows).map((i) => i.json);
		expect(rows).toHaveLength(10);
		const uploaded = nodeOutput(r.runData, EXAMPLE.uploadOwnCodes.upload).map((i) => i.json);
		expect(uploaded).toEqual([
			expect.objectContaining({ codeCount: 10, processed: false, part: 1, parts: 1, status: INGESTION_STATUS.uploading }),
		]);
		const recordKey = String(uploaded[0].recordKey);
		const processed = nodeOutput(r.runData, EXAMPLE.uploadOwnCodes.process).map((i) => i.json);
		expect(processed).toHaveLength(1);
		expect(JSON.stringify(processed[0])).toContain(recordKey);
		expect(sandbox.state.ingestionRecords.find((x) => x.key === recordKey)?.status).toBe(INGESTION_STATUS.finished);
		for (const row of rows) expect(sandbox.state.knownCodeIds.has(String(row.id))).toBe(true);
		const ingested = sandbox.state.ingestedCodes.get(recordKey) ?? [];
		expect(ingested.map((x) => x.pallet_number)).toEqual(rows.map((x) => x.pallet_number));
		// Scantrust's current ingestion: add-sids with an upload form, then process-from-file (not the deprecated pair).
		const ingestionPosts = sandbox.requests
			.slice(requestsBefore)
			.filter((x) => x.origin === 'api' && x.method === 'POST' && x.path.startsWith('/api/v2/ingestion/codes/'))
			.map((x) => x.path);
		expect(ingestionPosts).toEqual(['/api/v2/ingestion/codes/add-sids/', '/api/v2/ingestion/codes/process-from-file/']);
	});

	it('retrying a failed execution (both ways n8n offers) orders nothing twice; a new run orders again', async () => {
		const orders = (quantity: number) => sandbox.state.workOrders.filter((wo) => wo.quantity === quantity && wo.reference?.startsWith('n8n-'));
		const workflow = await n8n.createWorkflow({
			name: 'Retry: two orders',
			nodes: [
				{ id: 'e2e-retry-1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'e2e-retry-2',
					name: 'Two orders',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					position: [200, 0],
					parameters: { jsCode: 'return [{ json: { quantity: 17 } }, { json: { quantity: 23 } }];' },
				},
				{
					id: 'e2e-retry-3',
					name: 'Create',
					type: `${PACKAGE_NAME}.scantrust`,
					typeVersion: 1,
					position: [400, 0],
					parameters: { resource: 'workOrder', operation: 'create', templateId: 101, quantity: '={{ $json.quantity }}', additionalFields: {} },
					credentials: { [CREDENTIAL_TYPE]: { id: credentialId, name: CREDENTIAL_NAME } },
				},
			],
			connections: {
				Start: { main: [[{ node: 'Two orders', type: 'main', index: 0 }]] },
				'Two orders': { main: [[{ node: 'Create', type: 'main', index: 0 }]] },
			},
		});
		// The second order's POST fails (503, ambiguous) on every attempt: the execution fails after the first order.
		sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 503, skip: 1, times: 10 });
		const failed = await n8n.runWorkflowManually(workflow.id, 'Start');
		expect(failed.status).toBe('error');
		expect(orders(17)).toHaveLength(1);
		expect(orders(23)).toHaveLength(0);

		// Still failing: a retry with the original workflow fails the same way and orders nothing new.
		const stillFailing = await n8n.retryExecution(failed.executionId);
		expect(stillFailing.status).toBe('error');
		sandbox.faults.length = 0;
		const retried = await n8n.retryExecution(stillFailing.executionId, { loadWorkflow: true });
		expect(retried.status).toBe('success');
		expect(retried.mode).toBe('retry');
		const created = nodeOutput(retried.runData, 'Create').map((item) => [item.json.quantity, item.json.alreadyExisted]);
		expect(created).toEqual([
			[17, true],
			[23, false],
		]);
		expect(orders(17)).toHaveLength(1);
		expect(orders(23)).toHaveLength(1);

		const again = await n8n.runWorkflowManually(workflow.id, 'Start');
		expect(again.status).toBe('success');
		expect(orders(17)).toHaveLength(2);
		expect(orders(23)).toHaveLength(2);
	});

	it('npm run demo: the CSV example runs headlessly (n8n execute) and reports each batch', async () => {
		const demoDir = path.join(outDir, 'demo');
		const r = await runDemo({ installation, sandbox, quantity: BATCH_SIZE + 1, outputFolder: demoDir, log });
		const codes = sandbox.codesFor(r.workOrderId);
		expect(r.batches).toEqual([
			{ workOrderId: r.workOrderId, batch: 1, codeCount: BATCH_SIZE, firstExtendedId: codes[0].extendedId, lastExtendedId: codes[BATCH_SIZE - 1].extendedId },
			{ workOrderId: r.workOrderId, batch: 2, codeCount: 1, firstExtendedId: codes[BATCH_SIZE].extendedId, lastExtendedId: codes[BATCH_SIZE].extendedId },
		]);
		expect(r.files).toEqual([1, 2].map((b) => path.join(demoDir, `work-order-${r.workOrderId}-batch-${b}.csv`)));
		for (const f of r.files) expect(fs.existsSync(f)).toBe(true);
		log(`demo: import ${r.importMs} ms, execute ${r.executeMs} ms`);
	});
});
