import type { INodeExecutionData } from 'n8n-workflow';

import { binaryBuffer, runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';
import { busiestSecond, EXPORT_COLUMNS, extendedIdFor } from '../sandbox';

const env = useSandbox({ scmTaskDelayMs: 300, exportDelayMs: 200 });

function run(operation: string, parameters: Record<string, unknown>, extra: { token?: string; continueOnFail?: boolean; input?: INodeExecutionData[] } = {}) {
	return runScantrustNode({
		parameters: { resource: 'code', operation, ...parameters } as never,
		credentials: env.credentials(extra.token),
		continueOnFail: extra.continueOnFail,
		input: extra.input,
	});
}

/** The seeded SID work order 5002: 25 codes, serial numbers, active once generated, no product. */
const SEED_WO = 5002;
const seedCode = (sequence: number) => extendedIdFor(SEED_WO, sequence);
const SCM_SYNC = /^\/api\/v2\/scm\/upload\/$/;
const SCM_ASYNC = /^\/api\/v2\/scm\/upload\/async\/$/;

const codesAsItems = (ids: string[]) => ids.map((extendedId) => ({ json: { extendedId } }));

function update(updateFields: Record<string, unknown>, input: INodeExecutionData[], extra: { token?: string; continueOnFail?: boolean; parameters?: Record<string, unknown> } = {}) {
	return run('update', { codeKey: 'extended_id', codeId: '={{ $json.extendedId }}', updateFields, ...extra.parameters }, { ...extra, input });
}

/** A completed SID work order of `quantity` codes without serial numbers. */
function workOrderOf(quantity: number): string[] {
	const wo = env.sandbox.createWorkOrder({ template: 102, quantity });
	env.sandbox.completeGeneration(wo.id);
	return Array.from({ length: quantity }, (_, i) => extendedIdFor(wo.id, i + 1));
}

describe('Code > Update', () => {
	it('blacklists the code of each item and reports per item what Scantrust changed', async () => {
		const input = codesAsItems([seedCode(1), seedCode(2)]);
		const { output, error } = await update({ activationStatus: 2, blacklistReason: 6, scmData: { fields: [{ key: 'pallet_number', value: 'PAL-1' }] } }, input);
		expect(error).toBeUndefined();
		expect(output).toEqual([
			{
				json: { codeKey: 'extended_id', codeId: seedCode(1), updated: true, changedFields: ['activation_status', 'blacklist_reason', 'pallet_number'], unchangedFields: [] },
				pairedItem: { item: 0 },
			},
			expect.objectContaining({ json: expect.objectContaining({ codeId: seedCode(2), updated: true }), pairedItem: { item: 1 } }),
		]);
		expect(env.sandbox.code(seedCode(1))).toMatchObject({ activation_status: 2, blacklist_reason: 6, scm: { pallet_number: 'PAL-1' } });
		const [call] = apiCalls(env.sandbox, 'POST', SCM_SYNC);
		expect(JSON.parse(call.body!.toString())).toEqual({
			data_key: 'extended_id',
			items: [1, 2].map((s) => ({ extended_id: seedCode(s), activation_status: 2, blacklist_reason: 6, pallet_number: 'PAL-1' })),
		});
	});

	it('says when Scantrust found the code and changed nothing, and which fields it left', async () => {
		// The seed codes are already active; sku1's campaign has no pallet_number, so Scantrust discards it.
		const { output } = await update({ activationStatus: 1, product: 'sku1', scmData: { fields: [{ key: 'pallet_number', value: 'P' }] } }, codesAsItems([seedCode(3)]));
		expect(output[0].json).toEqual({ codeKey: 'extended_id', codeId: seedCode(3), updated: true, changedFields: ['product'], unchangedFields: ['activation_status', 'pallet_number'] });
		const again = await update({ activationStatus: 1 }, codesAsItems([seedCode(3)]));
		expect(again.output[0].json).toMatchObject({ updated: false, changedFields: [], unchangedFields: ['activation_status'] });
	});

	it('never reports an unknown code as updated: it fails naming the item, or with Continue On Fail is an error item', async () => {
		const input = codesAsItems([seedCode(4), 'NOSUCHCODE01', seedCode(5)]);
		const stopped = await update({ activationStatus: 0 }, input);
		expect(stopped.error?.message).toBe('Item 1: code "NOSUCHCODE01" (extended_id) was not updated: Scantrust did not report it as updated (no code has this value, or it is not visible to this token)');
		expect(String(stopped.error?.description)).toMatch(/Before this error Scantrust confirmed 2 of the 3 code\(s\) of this run \(2 updated, 0 already so\)/);

		const { output } = await update({ activationStatus: 0 }, input, { continueOnFail: true });
		expect(output.map((item) => [item.pairedItem, item.json.updated ?? item.json.error])).toEqual([
			[{ item: 0 }, false],
			[{ item: 1 }, expect.stringMatching(/^Item 1: code "NOSUCHCODE01" \(extended_id\) was not updated/)],
			[{ item: 2 }, false],
		]);
	});

	it('finds codes by serial number and by an SCM field', async () => {
		const serial = env.sandbox.code(seedCode(6))!.serial_number;
		const bySerial = await run('update', { codeKey: 'serial_number', codeId: serial, updateFields: { scmData: { fields: [{ key: 'pallet_number', value: 'PAL-6' }] } } });
		expect(bySerial.output[0].json).toMatchObject({ codeKey: 'serial_number', codeId: serial, updated: true });
		const byPallet = await run('update', { codeKey: 'scmKey', scmKeyName: 'pallet_number', codeId: 'PAL-6', updateFields: { activationStatus: 2, blacklistReason: 4 } });
		expect(byPallet.output[0].json).toMatchObject({ codeKey: 'pallet_number', codeId: 'PAL-6', updated: true });
		expect(env.sandbox.code(seedCode(6))).toMatchObject({ activation_status: 2, blacklist_reason: 4 });
	});

	it.each([
		['activation status', { activationStatus: '={{ $json.v }}' }, 1, 5, 'Item 1: "Activation Status" must be 0 (inactive), 1 (active) or 2 (blacklisted), got 5'],
		['blacklist reason', { blacklistReason: '={{ $json.v }}' }, '4', '11', 'Item 1: "Blacklist Reason" must be a blacklist reason from 0 to 10, got "11"'],
		['consumed date', { consumedDate: '={{ $json.v }}' }, '2024-05-31', '31.05.2024', 'Item 1: "Consumed Date" must be a date as YYYY-MM-DD, got "31.05.2024"'],
		[
			'SCM date',
			{ scmData: { fields: [{ key: 'production_date', value: '={{ $json.v }}' }] } },
			'2016-12-01',
			'01/12/2016',
			'Item 1: "SCM Data: production_date" must be a date as YYYY-MM-DD, got "01/12/2016"',
		],
		['special field as SCM key', { scmData: { fields: [{ key: '={{ $json.v }}', value: '1' }] } }, 'pallet_number', 'activation_status', 'Item 1: "SCM Data" sets "activation_status"'],
		['product', { product: '={{ $json.v }}' }, 'P2', ' ', 'Item 1: "Product" must not be empty'],
	])('refuses a bad %s in item 1 before anything is sent', async (_, updateFields, good, bad, message) => {
		const input = [
			{ json: { extendedId: seedCode(1), v: good } },
			{ json: { extendedId: seedCode(2), v: bad } },
		];
		const { error } = await update(updateFields, input);
		expect(error?.message).toBe(message);
		expect(apiCalls(env.sandbox, 'POST', SCM_SYNC)).toHaveLength(0);
	});

	it('refuses an update without fields', async () => {
		const { error } = await update({}, codesAsItems([seedCode(1)]));
		expect(error?.message).toBe('Item 0: "Update Fields" is empty: there is nothing to update');
	});

	it('refuses an empty code id and a code named twice before anything is sent', async () => {
		const empty = await update({ activationStatus: 1 }, [{ json: { extendedId: seedCode(1) } }, { json: { extendedId: '  ' } }]);
		expect(empty.error?.message).toBe('Item 1: "Code ID" must not be empty');
		const twice = await update({ activationStatus: 1 }, codesAsItems([seedCode(1), seedCode(2), seedCode(1)]));
		expect(twice.error?.message).toBe(`Item 2: "Code ID" "${seedCode(1)}" is also the code of item 0`);
		expect(apiCalls(env.sandbox, 'POST', SCM_SYNC)).toHaveLength(0);
	});

	it('refuses an unknown product before sending; with Continue On Fail only its item fails', async () => {
		const input = [
			{ json: { extendedId: seedCode(1), sku: 'NICK1' } },
			{ json: { extendedId: seedCode(2), sku: 'NO-SUCH-SKU' } },
		];
		const params = { codeKey: 'extended_id', codeId: '={{ $json.extendedId }}', updateFields: { product: '={{ $json.sku }}' } };
		const stopped = await run('update', params, { input });
		expect(stopped.error?.message).toBe('Item 1: "Update Fields: Product": no product has a SKU "NO-SUCH-SKU"');
		expect(apiCalls(env.sandbox, 'POST', SCM_SYNC)).toHaveLength(0);
		const { output } = await run('update', params, { input, continueOnFail: true });
		expect(output[0].json).toMatchObject({ updated: true, changedFields: ['product'] });
		expect(output[1]).toMatchObject({ json: { error: 'Item 1: "Update Fields: Product": no product has a SKU "NO-SUCH-SKU"' }, pairedItem: { item: 1 } });
		expect(env.sandbox.code(seedCode(1))?.product).toBe(6134);
	});

	it('names scm_bulk_edit on a 403', async () => {
		env.sandbox.state.tokens['no-scm'] = ['codes_view', 'product_view'];
		const { error } = await update({ activationStatus: 0 }, codesAsItems([seedCode(1)]), { token: 'no-scm' });
		expect(error?.message).toMatch(/lacks the permission "scm_bulk_edit" \(403\)/);
		expect(env.sandbox.code(seedCode(1))?.activation_status).toBe(1);
	});

	it('waits out a storm of 429s on the SCM scope and updates every code', async () => {
		const ids = workOrderOf(2500);
		env.sandbox.faults.push({ method: 'POST', path: SCM_SYNC, status: 429, retryAfter: 1, times: 3 });
		const { output, error } = await update({ activationStatus: 1 }, codesAsItems(ids));
		expect(error).toBeUndefined();
		expect(output.filter((item) => item.json.updated === true)).toHaveLength(2500);
		expect(apiCalls(env.sandbox, 'POST', SCM_SYNC).length).toBe(3 + 3);
		expect(ids.every((id) => env.sandbox.code(id)?.activation_status === 1)).toBe(true);
	});

	it('sends a call that timed out (504, nothing updated) again in halves, and gives up naming the items', async () => {
		const ids = workOrderOf(1000);
		env.sandbox.options.scmSyncMaxCodes = 300;
		try {
			const { output, error } = await update({ activationStatus: 1 }, codesAsItems(ids));
			expect(error).toBeUndefined();
			expect(output.every((item) => item.json.updated === true)).toBe(true);
			// 1,000 -> 504; 2 x 500 -> 504; 4 x 250 -> done.
			expect(apiCalls(env.sandbox, 'POST', SCM_SYNC).map((call) => JSON.parse(call.body!.toString()).items.length)).toEqual([1000, 500, 250, 250, 500, 250, 250]);

			env.sandbox.options.scmSyncMaxCodes = 50;
			const failed = await update({ activationStatus: 0 }, codesAsItems(ids.slice(0, 400)), { continueOnFail: true });
			expect(failed.output[0].json.error).toBe(`Item 0: code "${ids[0]}" (extended_id) was not updated: Scantrust timed out on a call of 100 code(s) and updated none of them (504)`);
			expect(ids.slice(0, 400).every((id) => env.sandbox.code(id)?.activation_status === 1)).toBe(true);
		} finally {
			env.sandbox.options.scmSyncMaxCodes = 1000;
		}
	});

	it('updates 30,000 codes in 30 calls, never more than 10 in any second', async () => {
		const ids = workOrderOf(30_000);
		const started = Date.now();
		const { output, error } = await update({ activationStatus: 2, blacklistReason: 6 }, codesAsItems(ids));
		const seconds = (Date.now() - started) / 1000;
		expect(error).toBeUndefined();
		expect(output).toHaveLength(30_000);
		expect(output.every((item, index) => item.json.updated === true && (item.pairedItem as { item: number }).item === index)).toBe(true);
		const calls = apiCalls(env.sandbox, 'POST', SCM_SYNC);
		expect(calls).toHaveLength(30);
		expect(busiestSecond(calls)).toBeLessThanOrEqual(10);
		expect(calls.every((call) => JSON.parse(call.body!.toString()).items.length === 1000)).toBe(true);
		expect(env.sandbox.code(ids[29_999])).toMatchObject({ activation_status: 2, blacklist_reason: 6 });
		// 30 calls at 10 a second cannot take less than two seconds.
		expect(seconds).toBeGreaterThanOrEqual(2);
	}, 120_000);

	it('sends smaller calls when asked', async () => {
		const ids = workOrderOf(250);
		await update({ activationStatus: 0 }, codesAsItems(ids), { parameters: { options: { batchSize: 100 } } });
		expect(apiCalls(env.sandbox, 'POST', SCM_SYNC).map((call) => JSON.parse(call.body!.toString()).items.length)).toEqual([100, 100, 50]);
	});
});

describe('Code > Update Many', () => {
	const blacklistPallet = (extra: Record<string, unknown> = {}) =>
		run('updateMany', {
			constraints: { constraint: [{ key: 'pallet_number', values: 'PAL-A, PAL-B' }] },
			updateFields: { activationStatus: 2, blacklistReason: 6 },
			waitForCompletion: true,
			pollInterval: 0.1,
			waitTimeout: 10,
			...extra,
		});

	beforeEach(async () => {
		await update({ scmData: { fields: [{ key: 'pallet_number', value: '={{ $itemIndex < 2 ? "PAL-A" : "PAL-B" }}' }] } }, codesAsItems([1, 2, 3].map(seedCode)));
		env.sandbox.requests.length = 0;
	});

	it('starts a task for the codes that match and waits until it is complete', async () => {
		const { output, error } = await blacklistPallet();
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ taskId: expect.any(String), state: 'complete', codes_affected: 3 });
		expect([1, 2, 3, 4].map((s) => env.sandbox.code(seedCode(s))?.activation_status)).toEqual([2, 2, 2, 1]);
		const [start] = apiCalls(env.sandbox, 'POST', SCM_ASYNC);
		expect(JSON.parse(start.body!.toString())).toEqual({ constraints: { pallet_number: ['PAL-A', 'PAL-B'] }, scm_data: { activation_status: 2, blacklist_reason: 6 } });
	});

	it('returns at once without waiting', async () => {
		const { output } = await blacklistPallet({ waitForCompletion: false });
		expect(output[0].json).toMatchObject({ taskId: expect.any(String), state: 'pending' });
	});

	it('reports a failed task with its reason; Continue On Fail gives an error item', async () => {
		env.sandbox.options.scmTaskFailure = 'Database error while updating codes';
		try {
			const { error } = await blacklistPallet();
			expect(error?.message).toMatch(/^Item 0: SCM update task [0-9a-f-]+ failed: Database error while updating codes$/);
			const { output } = await run(
				'updateMany',
				{ constraints: { constraint: [{ key: 'extended_id', values: '={{ [$json.id] }}' }] }, updateFields: { activationStatus: 0 }, pollInterval: 0.1 },
				{ continueOnFail: true, input: [{ json: { id: seedCode(9) } }] },
			);
			expect(output[0]).toMatchObject({ json: { error: expect.stringMatching(/failed: Database error/) }, pairedItem: { item: 0 } });
		} finally {
			env.sandbox.options.scmTaskFailure = null;
		}
	});

	it('fails after the wait time-out naming the state', async () => {
		env.sandbox.options.scmTaskDelayMs = 5000;
		try {
			const { error } = await blacklistPallet({ waitTimeout: 0.5 });
			expect(error?.message).toMatch(/SCM update task [0-9a-f-]+ was still "(pending|in-progress)" after 0.5 seconds/);
		} finally {
			env.sandbox.options.scmTaskDelayMs = 300;
		}
	});

	it('refuses constraints without values before anything is sent', async () => {
		const { error } = await blacklistPallet({ constraints: { constraint: [{ key: 'pallet_number', values: ' , ' }] } });
		expect(error?.message).toBe('Item 0: "Constraints: pallet_number" has no values');
		expect(apiCalls(env.sandbox, 'POST', SCM_ASYNC)).toHaveLength(0);
	});
});

describe('Code > Get Many (code data export)', () => {
	const exportCodes = (parameters: Record<string, unknown>, extra: { token?: string; continueOnFail?: boolean } = {}) =>
		run('getMany', { returnAll: true, pollInterval: 0.1, waitTimeout: 10, ...parameters }, extra);

	it('exports the filtered codes as one item per code with the columns Scantrust documents', async () => {
		await update({ activationStatus: 2, blacklistReason: 4, product: 'P2' }, codesAsItems([seedCode(7), seedCode(8)]));
		const { output, error } = await exportCodes({ filters: { workOrderId: String(SEED_WO), status: 2, productId: 'P2' } });
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.extended_id)).toEqual([seedCode(7), seedCode(8)]);
		expect(Object.keys(output[0].json).slice(0, EXPORT_COLUMNS.length)).toEqual([...EXPORT_COLUMNS]);
		expect(output[0].json).toMatchObject({ status: '2', blacklist_reason: '4', sku: 'P2', workorder_id: String(SEED_WO) });
		const [start] = apiCalls(env.sandbox, 'GET', /^\/api\/v2\/codes\/download\/$/);
		expect(start.query).toEqual({ workorder: String(SEED_WO), status: '2', products: '2' });
		// The file comes from storage without the token.
		const storage = env.sandbox.requests.filter((r) => r.origin === 'storage');
		expect(storage).toHaveLength(1);
		expect(storage[0].headers.authorization).toBeUndefined();
	});

	it('sends date filters as from,to ranges and SCM filters as scm_<key>, and stops at the limit', async () => {
		const { output } = await exportCodes({
			returnAll: false,
			limit: 3,
			filters: { activatedAfter: '2020-01-01T00:00:00Z', scmFilters: { filters: [{ key: 'pallet_number', value: 'X' }] } },
		});
		const [start] = apiCalls(env.sandbox, 'GET', /^\/api\/v2\/codes\/download\/$/);
		expect(start.query.activated_at).toMatch(/^2020-01-01T00:00:00Z,\d{4}-\d{2}-\d{2}T/);
		expect(start.query.scm_pallet_number).toBe('X');
		expect(output).toHaveLength(0);
		const limited = await exportCodes({ returnAll: false, limit: 3, filters: { workOrderId: String(SEED_WO) } });
		expect(limited.output).toHaveLength(3);
	});

	it('gives the CSV as a file with the count of codes', async () => {
		const { output } = await exportCodes({ output: 'file', filters: { workOrderId: String(SEED_WO) } });
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({ codeCount: 25, fileName: expect.stringMatching(/^codes-[a-z0-9]+\.csv$/) });
		const csv = (await binaryBuffer(output[0])).toString();
		expect(csv.split('\r\n')[0].startsWith(EXPORT_COLUMNS.join(','))).toBe(true);
		expect(csv.trim().split('\r\n')).toHaveLength(26);
	});

	it('refuses bad filters before anything is sent, and an unknown product SKU', async () => {
		const dates = await exportCodes({ filters: { updatedAfter: '2024-06-01', updatedBefore: '2024-05-01' } });
		expect(dates.error?.message).toBe('Item 0: "Updated After" (2024-06-01) is later than "Updated Before" (2024-05-01)');
		const wo = await exportCodes({ filters: { workOrderId: 'WO-12' } });
		expect(wo.error?.message).toMatch(/^Item 0: "Work Order ID" must be a numeric Scantrust id/);
		expect(apiCalls(env.sandbox, 'GET', /codes\/download/)).toHaveLength(0);
		const sku = await exportCodes({ filters: { productId: 'NOPE' } });
		expect(sku.error?.message).toBe('Item 0: "Filters: Product ID or SKU": no product has a SKU "NOPE"');
		expect(apiCalls(env.sandbox, 'GET', /codes\/download/)).toHaveLength(0);
	});

	it('names codes_view on a 403', async () => {
		env.sandbox.state.tokens['no-codes'] = ['product_view'];
		const { error } = await exportCodes({}, { token: 'no-codes' });
		expect(error?.message).toMatch(/lacks the permission "codes_view" \(403\)/);
	});
});
