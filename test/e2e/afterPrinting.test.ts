/**
 * The examples "After printing: activate the codes of a work order" and "Blacklist a lost pallet" in a real n8n (the
 * cached 2.41.1 install of scripts/n8n) with this package loaded from dist/, against the Scantrust sandbox running in
 * this process. Its own n8n, as test/e2e/examples.test.ts starts one. These tests never skip.
 */
import type { N8nInstallation } from '../../scripts/n8n/install';
import { startN8n, type N8nInstance } from '../../scripts/n8n/instance';
import { CREDENTIAL_NAME, CREDENTIAL_TYPE, EXAMPLE, loadExample, nodeOutput, sandboxCredentialData, withNodeParameters, withSettings } from '../../scripts/n8n/scantrust';
import { extendedIdFor, startSandbox, type Sandbox } from '../sandbox';
import { prepareRealN8n } from './packageBuild';

const INSTALL_TIMEOUT = 30 * 60_000;
jest.setTimeout(3 * 60_000);

const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);

const ACTIVATE = EXAMPLE.activateAfterPrinting;
const BLACKLIST = EXAMPLE.lostPallet;
/** The codes the pallet example names: codes 11 to 15 of the sandbox's seeded work order 5002. */
const PALLET = [11, 12, 13, 14, 15].map((sequence) => extendedIdFor(5002, sequence));
const SCM_SYNC = '/api/v2/scm/upload/';

describe('examples "activate after printing" and "blacklist a lost pallet" in a real n8n', () => {
	let installation: N8nInstallation;
	let sandbox: Sandbox;
	let n8n: N8nInstance;

	beforeAll(async () => {
		installation = await prepareRealN8n(log);
		sandbox = await startSandbox({ generationDelayMs: 300 });
		n8n = await startN8n({ installation });
		await n8n.setupOwner();
		await n8n.createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(sandbox) });
	}, INSTALL_TIMEOUT);

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.close();
	});

	const scmCalls = () => sandbox.requests.filter((r) => r.origin === 'api' && r.method === 'POST' && r.path === SCM_SYNC);

	it('activates every code of a printed work order in calls of at most 1,000 and mails a summary (e-mail node disabled)', async () => {
		// Template 102 makes inactive codes; one is active already, so Scantrust reports it unchanged.
		const workOrder = sandbox.createWorkOrder({ template: 102, quantity: 2_500 });
		sandbox.completeGeneration(workOrder.id);
		const ids = sandbox.codesFor(workOrder.id).map((code) => code.extendedId);
		const pre = await fetch(`${sandbox.apiUrl}${SCM_SYNC}`, {
			method: 'POST',
			headers: { Authorization: `UAT ${sandbox.token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ items: [{ extended_id: ids[0], activation_status: 1 }] }),
		});
		expect(pre.status).toBe(200);
		const before = scmCalls().length;

		const workflow = await n8n.createWorkflow(withSettings(loadExample(ACTIVATE.file), { workOrderId: workOrder.id }, ACTIVATE.settings));
		const r = await n8n.runWorkflowManually(workflow.id, ACTIVATE.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');

		expect(nodeOutput(r.runData, ACTIVATE.download)).toHaveLength(2_500);
		const updates = nodeOutput(r.runData, ACTIVATE.update).map((item) => item.json);
		expect(updates).toHaveLength(2_500);
		expect(updates[0]).toEqual({ codeKey: 'extended_id', codeId: ids[0], updated: false, changedFields: [], unchangedFields: ['activation_status'] });
		expect(updates[1]).toEqual({ codeKey: 'extended_id', codeId: ids[1], updated: true, changedFields: ['activation_status'], unchangedFields: [] });
		// Up to four calls are in flight at once, so they may arrive in any order.
		const sizes = scmCalls().slice(before).map((call) => JSON.parse(call.body!.toString()).items.length as number);
		expect(sizes.sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
		expect(ids.every((id) => sandbox.code(id)?.activation_status === 1)).toBe(true);

		const [summary] = nodeOutput(r.runData, ACTIVATE.summary).map((item) => item.json);
		expect(summary).toMatchObject({ workOrderId: workOrder.id, codes: 2_500, activated: 2_499, unchanged: 1, failed: 0 });
		expect(summary.subject).toBe(`Scantrust: work order ${workOrder.id}, 2499 codes activated`);
		// Disabled: n8n passes the summary through without sending (no SMTP credential needed).
		expect((r.runData[ACTIVATE.email] ?? []).some((run) => run.error)).toBe(false);
		expect(nodeOutput(r.runData, ACTIVATE.email).map((item) => item.json)).toEqual([summary]);
	});

	it('blacklists the codes of a lost pallet as lost; a code Scantrust does not know is reported, not counted', async () => {
		const example = loadExample(BLACKLIST.file);
		const workflow = await n8n.createWorkflow(example);
		const r = await n8n.runWorkflowManually(workflow.id, BLACKLIST.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');
		const [report] = nodeOutput(r.runData, BLACKLIST.report).map((item) => item.json);
		expect(report).toEqual({ pallet: 'PAL-0042', codes: 5, blacklisted: PALLET, alreadyBlacklisted: [], failed: [] });
		for (const id of PALLET) expect(sandbox.code(id)).toMatchObject({ activation_status: 2, blacklist_reason: 6 });

		// The same sheet again, with a row whose id Scantrust does not know.
		const rows = example.nodes.find((node) => node.name === BLACKLIST.rows)!.parameters as { jsCode: string };
		const withUnknown = withNodeParameters(loadExample(BLACKLIST.file), BLACKLIST.rows, {
			jsCode: rows.jsCode.replace("];\nreturn", "  { extended_id: 'NOTACODE0001', pallet: 'PAL-0042' },\n];\nreturn"),
		});
		const again = await n8n.runWorkflowManually((await n8n.createWorkflow({ ...withUnknown, name: `${withUnknown.name} (again)` })).id, BLACKLIST.trigger);
		expect(again.status).toBe('success');
		const [second] = nodeOutput(again.runData, BLACKLIST.report).map((item) => item.json as { blacklisted: string[]; alreadyBlacklisted: string[]; failed: Array<{ extended_id: string; error: string }> });
		expect(second.blacklisted).toEqual([]);
		expect(second.alreadyBlacklisted).toEqual(PALLET);
		expect(second.failed).toEqual([
			{ extended_id: 'NOTACODE0001', error: expect.stringMatching(/^Item 5: code "NOTACODE0001" \(extended_id\) was not updated: Scantrust did not report it as updated/) },
		]);
	});
});
