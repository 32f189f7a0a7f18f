/**
 * The example "Alert on counterfeit scans" in a real n8n (the cached 2.41.1 install of scripts/n8n) with this package
 * loaded from dist/, against the Scantrust sandbox running in this process: its trigger runs in manual mode ("Fetch
 * Test Event" / a manual run), returns the newest flagged scan, and the alert names product, code, place and time.
 * Its own n8n, as test/e2e/examples.test.ts starts one. These tests never skip.
 */
import type { N8nInstallation } from '../../scripts/n8n/install';
import { startN8n, type N8nInstance, type PreparedWorkflow } from '../../scripts/n8n/instance';
import { CREDENTIAL_NAME, CREDENTIAL_TYPE, EXAMPLE, loadExample, nodeOutput, sandboxCredentialData } from '../../scripts/n8n/scantrust';
import { SCAN_FLAG, startSandbox, type Sandbox } from '../sandbox';
import { prepareRealN8n } from './packageBuild';

const INSTALL_TIMEOUT = 30 * 60_000;
jest.setTimeout(3 * 60_000);

const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);

describe('example "Alert on counterfeit scans" in a real n8n', () => {
	let installation: N8nInstallation;
	let sandbox: Sandbox;
	let n8n: N8nInstance;
	let workflow: PreparedWorkflow;

	beforeAll(async () => {
		installation = await prepareRealN8n(log);
		sandbox = await startSandbox({ generationDelayMs: 300 });
		n8n = await startN8n({ installation });
		await n8n.setupOwner();
		const credentialId = (await n8n.createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(sandbox) })).id;
		workflow = await n8n.createWorkflow(loadExample(EXAMPLE.scanAlert.file));
		const saved = await n8n.rest<{ nodes: Array<{ name: string; credentials?: Record<string, { id: string }> }> }>('GET', `/rest/workflows/${workflow.id}`);
		expect(saved.nodes.find((node) => node.name === EXAMPLE.scanAlert.trigger)?.credentials?.[CREDENTIAL_TYPE]?.id).toBe(credentialId);
	}, INSTALL_TIMEOUT);

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.close();
	});

	it('the trigger returns the newest flagged scan in manual mode; the alert names product, code, place and time; the disabled e-mail node is skipped', async () => {
		const wo = sandbox.createWorkOrder({ template: 101, quantity: 5, product: 'NICK1' });
		sandbox.completeGeneration(wo.id);
		const [code] = sandbox.codesFor(wo.id);
		// Newer than the seed's flagged scans (hours old): the newest flagged scan of campaign 21.
		const flagged = sandbox.addScan({
			extendedId: code.extendedId,
			flags: [SCAN_FLAG.counterfeit],
			at: Date.now() - 60_000,
			location: { city: 'Rotterdam', country: 'Netherlands', country_code: 'nl' },
		});
		// Newer still, but carrying no flag: the trigger's Flags filter leaves it out.
		sandbox.addScan({ extendedId: code.extendedId });
		const when = `${flagged.scan.datetime.slice(0, 10)} ${flagged.scan.datetime.slice(11, 16)} UTC`;

		const r = await n8n.runWorkflowManually(workflow.id, EXAMPLE.scanAlert.trigger);
		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');
		expect(r.mode).toBe('manual');

		const triggered = nodeOutput(r.runData, EXAMPLE.scanAlert.trigger).map((item) => item.json);
		expect(triggered).toEqual([expect.objectContaining({ scan: expect.objectContaining({ uuid: flagged.scan.uuid, flags: ['counterfeit'] }) })]);
		const request = sandbox.requests.filter((req) => req.path === '/api/v2/dashboard/scans/').at(-1);
		expect(request?.query).toMatchObject({ page_mode: 'cursor', campaign_id: '21', flags: 'counterfeit,out-of-market' });

		const [alert] = nodeOutput(r.runData, EXAMPLE.scanAlert.format).map((item) => item.json as { subject: string; text: string; scanId: string });
		expect(alert.scanId).toBe(flagged.scan.uuid);
		expect(alert.subject).toBe('Scantrust alert: counterfeit scan of Nick 1 in Rotterdam');
		expect(alert.text).toContain('Product: Nick 1 (SKU NICK1)');
		expect(alert.text).toContain(`Code:    ${code.extendedId} (serial number ${code.serialNumber})`);
		expect(alert.text).toContain('Place:   Rotterdam, Netherlands');
		expect(alert.text).toContain(`Time:    ${when}`);

		// Disabled: n8n passes the alert through without sending (no SMTP credential needed).
		const email = r.runData[EXAMPLE.scanAlert.email] ?? [];
		expect(email.some((run) => run.error)).toBe(false);
		expect(nodeOutput(r.runData, EXAMPLE.scanAlert.email).map((item) => item.json)).toEqual([alert]);
	});
});
