/**
 * The sandbox's current ingestion endpoints over plain HTTP (no node): add-sids and create-from-template in both
 * modes, process-from-file with its documented errors, and how they sit beside the legacy pair.
 */
import { FILE_PROCESS_ERRORS, INGESTION_STATUS, INGESTION_TEMPLATE_KEYS, PROCESS_ERRORS, SSC_PARTNER_REQUIRED, startSandbox, type Sandbox } from '../sandbox';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox({ generationDelayMs: 100, ingestionDelayMs: 100 });
});
afterAll(async () => await sb.close());
beforeEach(() => {
	sb.reset();
	sb.options.postFormTtlMs = 30 * 60 * 1000;
	sb.options.uploadFormShape = 'postData';
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
	const res = await fetch(`${sb.apiUrl}/api/v2/ingestion/codes/${path}/`, {
		method: 'POST',
		headers: { Authorization: `UAT ${sb.token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: res.status, json: await res.json() };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function record(key: string): Promise<any> {
	const res = await fetch(`${sb.apiUrl}/api/v2/ingestion/${key}/`, { headers: { Authorization: `UAT ${sb.token}` } });
	return ((await res.json()) as { results: unknown[] }).results[0];
}

async function settled(key: string) {
	for (let i = 0; i < 100; i++) {
		const r = await record(key);
		if (r.status !== INGESTION_STATUS.processing && r.status !== INGESTION_STATUS.uploading) return r;
		await new Promise((resolve) => setTimeout(resolve, 30));
	}
	throw new Error(`record ${key} did not settle`);
}

function uploadFile(form: { url: string; fields: Record<string, string> }, content: string) {
	const data = new FormData();
	for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
	data.append('file', new Blob([content], { type: 'text/csv' }), 'codes.csv');
	return fetch(form.url, { method: 'POST', body: data });
}

describe('add-sids and create-from-template', () => {
	it('api mode processes the codes of the body (mode api is the default) into a work order', async () => {
		const created = await post('add-sids', { codes: [{ id: 'sbx00001', product: 'sku1' }, { id: 'sbx00002' }], url_prefix: 'HTTPS://X.CO/', default_scm_data: { activation_status: 1 } });
		expect(created).toEqual({ status: 201, json: { record_key: expect.any(String) } });
		const done = await settled(created.json.record_key);
		expect(done).toMatchObject({ status: INGESTION_STATUS.finished, ingestion_mode: 'api', template: '', parameters: { url_prefix: 'HTTPS://X.CO/', id_format: 'default' } });
		expect(sb.codesFor(done.result_data.workorder_id).map((c) => c.url)).toEqual(['HTTPS://X.CO/sbx00001', 'HTTPS://X.CO/sbx00002']);
	});

	it('api mode checks the body up front (400) and the codes while processing (record error)', async () => {
		expect(await post('add-sids', { mode: 'api' })).toEqual({ status: 400, json: { codes: ['This field is required.'] } });
		expect(await post('add-sids', { codes: [] })).toEqual({ status: 400, json: { codes: ['This list may not be empty.'] } });
		expect(await post('add-sids', { codes: [{ id: 'sbx00001' }, { product: 'sku1' }] })).toEqual({ status: 400, json: { codes: ['Code 1: each code must be an object with an "id".'] } });
		expect((await post('add-sids', { mode: 'stream', id_format: 'ean', codes: [{ id: 'sbx00001' }] })).json).toEqual({ mode: ['"stream" is not a valid choice.'], id_format: ['"ean" is not a valid choice.'] });
		expect((await post('add-sids', { codes: [{ id: 'sbx00001' }], printing_partner: 999 })).json).toEqual({ printing_partner: ['Invalid pk "999" - object does not exist.'] });

		const dup = await post('add-sids', { codes: [{ id: 'sbx00003' }, { id: 'sbx00003' }, { id: 'short' }] });
		expect((await settled(dup.json.record_key)).result_data.errors).toEqual([{ invalid_id_error: ['short'] }, { duplicate_id_error: ['sbx00003'] }]);
	});

	it('file mode answers with an upload form (either layout) and a record waiting for its file', async () => {
		const nested = await post('add-sids', { mode: 'file', filetype: 'csv' });
		expect(nested).toMatchObject({ status: 201, json: { post_data: { url: expect.stringContaining(sb.storageUrl), fields: expect.objectContaining({ key: expect.any(String), policy: expect.any(String) }) }, record_key: expect.any(String) } });
		expect(await record(nested.json.record_key)).toMatchObject({ status: INGESTION_STATUS.uploading, ingestion_mode: 'file' });

		sb.options.uploadFormShape = 'flat';
		const flat = await post('add-sids', { mode: 'file' });
		expect(Object.keys(flat.json).sort()).toEqual(['fields', 'record_key', 'url']);
	});

	it('create-from-template: a template key is required and must exist; SSC needs a printing partner unless the template has one', async () => {
		expect((await post('create-from-template', { codes: [{ id: 'sbx00001' }] })).json).toEqual({ template: ['This field is required.'] });
		expect((await post('create-from-template', { template: 'nope', codes: [{ id: 'sbx00001' }] })).json).toEqual({ template: ['Object with key=nope does not exist.'] });
		expect(await post('create-from-template', { template: INGESTION_TEMPLATE_KEYS.sscNoPartner, codes: [{ id: 'sbx00001' }] })).toEqual({ status: 400, json: { printing_partner: [SSC_PARTNER_REQUIRED] } });
		expect(sb.state.ingestionRecords).toHaveLength(1);

		const withPartner = await post('create-from-template', { template: INGESTION_TEMPLATE_KEYS.sscNoPartner, printing_partner: 346, codes: [{ id: 'sbx00001' }] });
		const byTemplate = await post('create-from-template', { template: INGESTION_TEMPLATE_KEYS.sscWithPartner, codes: [{ id: 'sbx00002' }] });
		for (const created of [withPartner, byTemplate]) {
			const done = await settled(created.json.record_key);
			expect(done).toMatchObject({ status: INGESTION_STATUS.finished, parameters: { printing_partner: 346 }, template: { key: expect.any(String) } });
			expect(sb.state.workOrders.find((wo) => wo.id === done.result_data.workorder_id)).toMatchObject({ printing_partner: { id: 346 }, code_layout: 'sg-outside' });
		}
	});

	it('id_format gs1: GS1 element strings with a valid GTIN check digit pass, others are invalid ids', async () => {
		const created = await post('add-sids', { id_format: 'gs1', codes: [{ id: '010950600013435221ABC' }, { id: '010950600013435321ABC' }, { id: 'plainid01' }] });
		expect((await settled(created.json.record_key)).result_data.errors).toEqual([{ invalid_id_error: ['010950600013435321ABC', 'plainid01'] }]);
	});
});

describe('process-from-file', () => {
	it('processes an uploaded file with what the record was made with; a second call is refused', async () => {
		const { json } = await post('create-from-template', { mode: 'file', template: INGESTION_TEMPLATE_KEYS.sid, allow_posted_duplicates: true, default_scm_data: { product: 'sku1' } });
		expect((await uploadFile(json.post_data, 'id\nsbxf0001\nsbxf0001\nsbxf0002\n')).ok).toBe(true);
		expect(await post('process-from-file', { record: json.record_key })).toEqual({ status: 200, json: { record_key: json.record_key } });
		const done = await settled(json.record_key);
		expect(done).toMatchObject({ status: INGESTION_STATUS.finished, result_data: { codes_created: 2 }, uploaded_file: expect.stringContaining(json.record_key) });
		expect(sb.state.workOrders.find((wo) => wo.id === done.result_data.workorder_id)?.product?.sku).toBe('sku1');
		expect(await post('process-from-file', { record: json.record_key })).toEqual({ status: 400, json: { detail: FILE_PROCESS_ERRORS.wrongState } });
	});

	it('documented errors: invalid record, a record not of type file (legacy, api mode), no file; the legacy process refuses file records', async () => {
		expect(await post('process-from-file', { record: 'nosuchrecord' })).toEqual({ status: 400, json: { detail: FILE_PROCESS_ERRORS.invalidRecord } });
		expect(await post('process-from-file', {})).toEqual({ status: 400, json: { record: ['This field is required.'] } });
		const legacy = (await post('upload/get-post-data', { filetype: 'csv' })).json.record_key;
		expect(await post('process-from-file', { record: legacy })).toEqual({ status: 400, json: { detail: FILE_PROCESS_ERRORS.wrongState } });
		const api = (await post('add-sids', { codes: [{ id: 'sbxe0001' }] })).json.record_key;
		expect(await post('process-from-file', { record: api })).toEqual({ status: 400, json: { detail: FILE_PROCESS_ERRORS.wrongState } });

		const file = (await post('add-sids', { mode: 'file' })).json.record_key;
		expect(await post('process-from-file', { record: file })).toEqual({ status: 400, json: { detail: FILE_PROCESS_ERRORS.fileNotFound } });
		expect(await post('upload/process', { record: file })).toEqual({ status: 400, json: { detail: PROCESS_ERRORS.wrongState } });
	});

	it('an upload form issued with postFormTtlMs 0 is refused by storage as expired', async () => {
		sb.options.postFormTtlMs = 0;
		const { json } = await post('add-sids', { mode: 'file' });
		const res = await uploadFile(json.post_data, 'id\nsbxx0001\n');
		expect(res.status).toBe(403);
		expect(await res.text()).toContain('Policy expired');
	});
});
