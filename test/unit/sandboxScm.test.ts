/**
 * The sandbox's products, code store, SCM updates and code data export, spoken to over HTTP as a client would:
 * what it models must match Scantrust's documentation, not what the node happens to send.
 */
import { parse } from 'csv-parse/sync';

import {
	CAMPAIGNS,
	DOCUMENT_STATUS,
	DOWNLOAD_LINK_FIELD,
	EXPORT_COLUMNS,
	SCM_TASK_STATE,
	SKU_TAKEN,
	decodeExtendedId,
	extendedIdFor,
	startSandbox,
	type Sandbox,
} from '../sandbox';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox({ generationDelayMs: 50, ingestionDelayMs: 50, scmTaskDelayMs: 300, exportDelayMs: 200 });
});
afterAll(async () => await sb.close());
beforeEach(() => sb.reset());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; json: Json; text: string; headers: Headers }> {
	const headers: Record<string, string> = { Authorization: `UAT ${opts.token ?? sb.token}` };
	if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
	const res = await fetch(`${sb.apiUrl}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
	const text = await res.text();
	let json: Json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, json, text, headers: res.headers };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The seeded completed SID work order (5002, template 101: serial numbers, active on completion, 25 codes). */
const SEED_WO = 5002;
const seedCode = (sequence: number) => extendedIdFor(SEED_WO, sequence);

describe('code store', () => {
	it('decodes every generated extended id back to its work order and sequence, and nothing else', () => {
		for (const [wo, seq] of [
			[5001, 1],
			[5002, 25],
			[123456, 999999],
			[0xffffffff, 0xffffffff],
		]) {
			expect(decodeExtendedId(extendedIdFor(wo, seq))).toEqual({ workOrderId: wo, sequence: seq });
		}
		expect(decodeExtendedId('short')).toBeUndefined();
		expect(decodeExtendedId('abc!defghijk')).toBeUndefined();
	});

	it('holds the codes of completed work orders with their work order values, and no others', () => {
		expect(sb.code(seedCode(1))).toMatchObject({
			extended_id: seedCode(1),
			serial_number: expect.stringMatching(/^\d{9}$/),
			workorder_id: SEED_WO,
			activation_status: 1,
			blacklist_reason: 0,
			product: null,
			is_consumed: false,
			scm: {},
		});
		expect(sb.code(seedCode(26))).toBeUndefined();
		const ssc = sb.state.workOrders.find((w) => w.reference === 'SEED-SSC-001')!;
		expect(sb.code(extendedIdFor(ssc.id, 1))).toBeUndefined();
	});

	it('holds ingested own codes with the product, status and SCM fields of their upload', async () => {
		const { json } = await call('POST', '/api/v2/ingestion/codes/upload/get-post-data/', { body: { filetype: 'csv' } });
		const form = new FormData();
		for (const [name, value] of Object.entries(json.post_data.fields as Record<string, string>)) form.append(name, value);
		form.append('file', new Blob(['id,product,activation_status,pallet_number,unknown_key\nOWNCODE-0001,P2,1,PAL-9,x\nOWNCODE-0002,,,PAL-9,\n']), 'codes.csv');
		expect((await fetch(json.post_data.url, { method: 'POST', body: form })).status).toBeLessThan(300);
		await call('POST', '/api/v2/ingestion/codes/upload/process/', { body: { record: json.record_key, default_scm_data: { intended_market: 'be' } } });
		await sleep(120);
		expect(sb.code('OWNCODE-0001')).toMatchObject({ activation_status: 1, product: 2, scm: { pallet_number: 'PAL-9', intended_market: 'be' } });
		expect(sb.code('OWNCODE-0002')).toMatchObject({ activation_status: 0, scm: { pallet_number: 'PAL-9', intended_market: 'be' } });
	});
});

describe('products', () => {
	it('lists products not archived by default, archived ones with is_archived=1, one by sku__exact', async () => {
		const active = await call('GET', '/api/v2/products/');
		expect(active.status).toBe(200);
		expect(active.json.results.map((p: Json) => p.sku)).toEqual(['P2', 'NICK1', 'sku1']);
		expect(active.json.results[0]).toMatchObject({
			id: 2,
			brand: { id: 143, name: 'Sandbox Brand', image: null },
			campaign: { id: 21, name: CAMPAIGNS[0].name },
			code_count: 0,
			is_archived: false,
		});
		expect((await call('GET', '/api/v2/products/?is_archived=1')).json.results.map((p: Json) => p.sku)).toEqual(['OLD-1']);
		expect((await call('GET', '/api/v2/products/?sku__exact=NICK1')).json).toMatchObject({ count: 1, results: [{ id: 6134 }] });
		expect((await call('GET', '/api/v2/products/?sku__exact=nick1')).json.count).toBe(0);
		expect((await call('GET', '/api/v2/products/?ordering=-creation_date&limit=1')).json).toMatchObject({ count: 3, results: [{ sku: 'sku1' }] });
		expect((await call('GET', '/api/v2/products/6134/')).json.sku).toBe('NICK1');
		expect((await call('GET', '/api/v2/products/999/')).status).toBe(404);
	});

	it('counts the codes of a product after they are assigned to it', async () => {
		await call('POST', '/api/v2/scm/upload/', { body: { items: [1, 2, 3].map((s) => ({ extended_id: seedCode(s), product: 'NICK1' })) } });
		await call('POST', '/api/v2/scm/upload/', { body: { items: [{ extended_id: seedCode(3), activation_status: 2, blacklist_reason: 6 }] } });
		expect((await call('GET', '/api/v2/products/6134/')).json).toMatchObject({ code_count: 3, active_code_count: 2, blacklisted_code_count: 1 });
	});

	it('creates one product per call: SKU unique in the company, brand by id or reference, DRF field errors', async () => {
		const byReference = await call('POST', '/api/v2/products/', { body: { sku: 'NEW-1', name: 'New', brand: 'export-brand', campaign: 22 } });
		expect(byReference.status).toBe(201);
		expect(byReference.json).toMatchObject({ sku: 'NEW-1', brand: { id: 144 }, campaign: { id: 22 }, is_archived: false });
		expect((await call('POST', '/api/v2/products/', { body: { sku: 'NEW-2', name: 'New 2', brand: 143 } })).json.brand.id).toBe(143);
		expect(await call('POST', '/api/v2/products/', { body: { sku: 'NEW-1', name: 'Again' } })).toMatchObject({ status: 400, json: { sku: [SKU_TAKEN] } });
		expect(await call('POST', '/api/v2/products/', { body: { sku: '', brand: 'nope', client_url: 'not a url' } })).toMatchObject({
			status: 400,
			json: { sku: ['This field may not be blank.'], name: ['This field is required.'], brand: ['Object with reference=nope does not exist.'], client_url: ['Enter a valid URL.'] },
		});
		expect(sb.state.products.filter((p) => p.sku.startsWith('NEW-'))).toHaveLength(2);
	});

	it('needs product_view to list and product_create to create', async () => {
		sb.state.tokens['view-only'] = ['product_view'];
		sb.state.tokens['no-products'] = ['codes_view'];
		expect((await call('GET', '/api/v2/products/', { token: 'view-only' })).status).toBe(200);
		expect((await call('POST', '/api/v2/products/', { token: 'view-only', body: { sku: 'X', name: 'X' } })).status).toBe(403);
		expect((await call('GET', '/api/v2/products/', { token: 'no-products' })).status).toBe(403);
	});
});

describe('synchronous SCM updates', () => {
	it('updates by extended id; reports changed fields per code, an empty list for a code left as it was, nothing for an unknown code', async () => {
		const res = await call('POST', '/api/v2/scm/upload/', {
			body: {
				data_key: 'extended_id',
				items: [
					{ extended_id: seedCode(1), activation_status: 2, blacklist_reason: 4, pallet_number: 'PAL-1', not_in_campaign: 'x' },
					{ extended_id: seedCode(2), activation_status: 1 },
					{ extended_id: 'UNKNOWN00000', activation_status: 0 },
				],
			},
		});
		expect(res.status).toBe(200);
		expect(res.json).toEqual({
			total_updates: 3,
			changes: ['activation_status', 'blacklist_reason', 'pallet_number'],
			items: { [seedCode(1)]: ['activation_status', 'blacklist_reason', 'pallet_number'], [seedCode(2)]: [] },
			codes_affected: 1,
		});
		expect(sb.code(seedCode(1))).toMatchObject({ activation_status: 2, blacklist_reason: 4, scm: { pallet_number: 'PAL-1' }, scm_updated_by: expect.any(String) });
		expect(sb.code(seedCode(1))?.scm).not.toHaveProperty('not_in_campaign');
	});

	it('updates by serial number and by an SCM key; a product of another campaign moves the code there', async () => {
		const serial = sb.code(seedCode(5))!.serial_number;
		await call('POST', '/api/v2/scm/upload/', { body: { data_key: 'serial_number', items: [{ serial_number: serial, pallet_number: 'PAL-7', product: 'sku1' }] } });
		// sku1 is in the export campaign, which has no pallet_number: the field is discarded.
		expect(sb.code(seedCode(5))).toMatchObject({ product: 7001, campaign: 22, scm: {} });
		await call('POST', '/api/v2/scm/upload/', { body: { items: [6, 7].map((s) => ({ extended_id: seedCode(s), pallet_number: 'PAL-8' })) } });
		const byPallet = await call('POST', '/api/v2/scm/upload/', { body: { data_key: 'pallet_number', items: [{ pallet_number: 'PAL-8', activation_status: 0 }] } });
		expect(byPallet.json).toMatchObject({ items: { 'PAL-8': ['activation_status'] }, codes_affected: 2 });
		expect([sb.code(seedCode(6))?.activation_status, sb.code(seedCode(7))?.activation_status, sb.code(seedCode(8))?.activation_status]).toEqual([0, 0, 1]);
	});

	it('checks every item first: one bad item updates nothing (400 with an entry per item)', async () => {
		const res = await call('POST', '/api/v2/scm/upload/', {
			body: { items: [{ extended_id: seedCode(1), activation_status: 2 }, { extended_id: seedCode(2), activation_status: 7, product: 'NOPE' }, { activation_status: 1 }] },
		});
		expect(res.status).toBe(400);
		expect(res.json).toEqual({
			items: [{}, { activation_status: ['"7" is not a valid choice.'], product: ['Product "NOPE" does not exist.'] }, { extended_id: ['This field is required.'] }],
		});
		expect(sb.code(seedCode(1))?.activation_status).toBe(1);
	});

	it('times out (504) and updates nothing when a call holds more codes than it can handle', async () => {
		const wo = sb.createWorkOrder({ template: 102, quantity: 1001 });
		sb.completeGeneration(wo.id);
		const items = Array.from({ length: 1001 }, (_, i) => ({ extended_id: extendedIdFor(wo.id, i + 1), activation_status: 1 }));
		const res = await call('POST', '/api/v2/scm/upload/', { body: { items } });
		expect(res.status).toBe(504);
		expect(res.text).toMatch(/504 Gateway Time-out|Gateway Timeout/i);
		expect(sb.state.codeRecords.size).toBe(0);
		expect((await call('POST', '/api/v2/scm/upload/', { body: { items: items.slice(0, 1000) } })).json.codes_affected).toBe(1000);
	});

	it('throttles the scm_update scope at 10 requests per second with the usual 429 body', async () => {
		const body = { items: [{ extended_id: seedCode(1), pallet_number: 'P' }] };
		const answers = await Promise.all(Array.from({ length: 12 }, () => call('POST', '/api/v2/scm/upload/', { body })));
		const throttled = answers.filter((a) => a.status === 429);
		expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
		expect(throttled).toHaveLength(2);
		expect(throttled[0].json).toEqual({ detail: 'Request was throttled. Expected available in 1 second.', code: 'throttled' });
		expect(throttled[0].headers.get('retry-after')).toBe('1');
		// Other endpoints are not in the scope.
		expect((await call('GET', '/api/v2/products/')).status).toBe(200);
		await sleep(1050);
		expect((await call('POST', '/api/v2/scm/upload/', { body })).status).toBe(200);
	});

	it('needs scm_bulk_edit', async () => {
		sb.state.tokens['codes-only'] = ['codes_view', 'product_view'];
		const res = await call('POST', '/api/v2/scm/upload/', { token: 'codes-only', body: { items: [{ extended_id: seedCode(1) }] } });
		expect(res).toMatchObject({ status: 403, json: { detail: 'You do not have permission to perform this action.' } });
	});
});

describe('asynchronous SCM updates', () => {
	const start = (body: unknown) => call('POST', '/api/v2/scm/upload/async/', { body });
	const task = async (id: string) => (await call('GET', `/api/v2/scm/tasks/${id}/`)).json;

	it('answers a task id at once; the task moves pending -> in-progress -> complete and then the codes are changed', async () => {
		const accepted = await start({ constraints: { extended_id: [seedCode(1), seedCode(2), 'UNKNOWN00000'] }, scm_data: { activation_status: 2, blacklist_reason: 6 } });
		expect(accepted.status).toBe(200);
		expect(accepted.json).toEqual({ task_id: expect.any(String) });
		const id = accepted.json.task_id;
		expect((await task(id)).state).toBe(SCM_TASK_STATE.pending);
		expect(sb.code(seedCode(1))?.activation_status).toBe(1);
		await sleep(150);
		expect((await task(id)).state).toBe(SCM_TASK_STATE.running);
		await sleep(250);
		expect(await task(id)).toMatchObject({ state: SCM_TASK_STATE.complete, codes_affected: 2, error: null, completed_at: expect.any(String) });
		expect(sb.code(seedCode(2))).toMatchObject({ activation_status: 2, blacklist_reason: 6 });
	});

	it('applies several constraints together', async () => {
		await call('POST', '/api/v2/scm/upload/', { body: { items: [1, 2, 3].map((s) => ({ extended_id: seedCode(s), pallet_number: s === 3 ? 'B' : 'A' })) } });
		const { json } = await start({ constraints: { pallet_number: ['A', 'B'], extended_id: [seedCode(2), seedCode(3), seedCode(4)] }, scm_data: { intended_market: 'de' } });
		await sleep(450);
		expect((await task(json.task_id)).codes_affected).toBe(2);
		expect([1, 2, 3, 4].map((s) => sb.code(seedCode(s))?.scm.intended_market)).toEqual([undefined, 'de', 'de', undefined]);
	});

	it('refuses bad requests at once and can fail later', async () => {
		expect(await start({ scm_data: {} })).toMatchObject({ status: 400, json: { constraints: ['This field is required.'], scm_data: ['This dictionary may not be empty.'] } });
		expect(await start({ constraints: { extended_id: [seedCode(1)] }, scm_data: { blacklist_reason: 11 } })).toMatchObject({
			status: 400,
			json: { scm_data: { blacklist_reason: ['"11" is not a valid choice.'] } },
		});
		sb.options.scmTaskFailure = 'Database error while updating codes';
		try {
			const { json } = await start({ constraints: { extended_id: [seedCode(1)] }, scm_data: { activation_status: 0 } });
			await sleep(450);
			expect(await task(json.task_id)).toMatchObject({ state: SCM_TASK_STATE.failed, error: 'Database error while updating codes', codes_affected: null });
			expect(sb.code(seedCode(1))?.activation_status).toBe(1);
		} finally {
			sb.options.scmTaskFailure = null;
		}
		expect((await call('GET', '/api/v2/scm/tasks/00000000-0000-0000-0000-000000000000/')).status).toBe(404);
	});
});

describe('code data export', () => {
	async function exportCsv(query: string): Promise<{ columns: string[]; rows: Record<string, string>[] }> {
		const started = await call('GET', `/api/v2/codes/download/${query}`);
		expect(started.status).toBe(200);
		const { key, task } = started.json.document;
		expect(task).toMatch(/^b'rq:job:/);
		expect((await call('GET', `/api/v2/documents/${key}/get-download-link/`)).status).toBe(400);
		let document: Json;
		for (let i = 0; i < 40; i++) {
			document = (await call('GET', `/api/v2/documents/${key}/`)).json;
			if (document.status === DOCUMENT_STATUS.complete) break;
			await sleep(25);
		}
		expect(document.status).toBe(DOCUMENT_STATUS.complete);
		const link = (await call('GET', `/api/v2/documents/${key}/get-download-link/`)).json[DOWNLOAD_LINK_FIELD] as string;
		expect(link.startsWith(sb.storageUrl)).toBe(true);
		// The storage refuses the API token (one auth mechanism only) and serves the signed link without it.
		expect((await fetch(link, { headers: { Authorization: `UAT ${sb.token}` } })).status).toBe(400);
		const text = await (await fetch(link)).text();
		const [header] = parse(text, { to_line: 1 }) as string[][];
		return { columns: header, rows: parse(text, { columns: true }) as Record<string, string>[] };
	}

	it('exports the documented columns then one per SCM key, filtered', async () => {
		await call('POST', '/api/v2/scm/upload/', {
			body: { items: [{ extended_id: seedCode(3), activation_status: 2, blacklist_reason: 4, pallet_number: 'PAL, "3"', product: 'P2' }] },
		});
		const all = await exportCsv('?workorder=5002');
		expect(all.columns.slice(0, EXPORT_COLUMNS.length)).toEqual([...EXPORT_COLUMNS]);
		expect(all.columns).toContain('pallet_number');
		expect(all.rows).toHaveLength(25);
		const blacklisted = await exportCsv('?workorder=5002&status=2');
		expect(blacklisted.rows).toEqual([
			expect.objectContaining({ extended_id: seedCode(3), status: '2', blacklist_reason: '4', sku: 'P2', product: 'Product P2', brand: 'Sandbox Brand', pallet_number: 'PAL, "3"', workorder_id: '5002' }),
		]);
		expect((await exportCsv('?scm_pallet_number=PAL%2C%20%223%22&products=2')).rows.map((r) => r.extended_id)).toEqual([seedCode(3)]);
		expect((await exportCsv(`?updated_at=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())},`)).rows).toHaveLength(1);
		expect((await exportCsv('?blacklisted=false&workorder=5002')).rows).toHaveLength(24);
	});

	it('answers 400 for filter values it cannot read, 403 without codes_view, 404 for an unknown document', async () => {
		expect(await call('GET', '/api/v2/codes/download/?products=P2')).toMatchObject({ status: 400, json: { products: [expect.stringContaining('P2')] } });
		expect(await call('GET', '/api/v2/codes/download/?status=5')).toMatchObject({ status: 400 });
		expect(await call('GET', '/api/v2/codes/download/?activated_at=yesterday')).toMatchObject({ status: 400, json: { activated_at: ['Enter a valid date/time.'] } });
		sb.state.tokens['no-codes'] = ['product_view'];
		expect((await call('GET', '/api/v2/codes/download/', { token: 'no-codes' })).status).toBe(403);
		expect((await call('GET', '/api/v2/documents/nope/')).status).toBe(404);
	});
});
