import AdmZip from 'adm-zip';
import { parse } from 'csv-parse/sync';
import { get } from 'node:http';
import { boundaryOf, parseMultipart } from '../sandbox/multipart';
import { CODEGEN, INGESTION_STATUS, PROCESS_ERRORS, SEED_TEMPLATE_IDS, startSandbox, type Sandbox, type WorkOrder } from '../sandbox';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox({ generationDelayMs: 150, ingestionDelayMs: 150 });
});
afterAll(async () => await sb.close());
beforeEach(() => sb.reset());

interface CallOptions {
	token?: string | null;
	body?: unknown;
	headers?: Record<string, string>;
}

async function call(method: string, path: string, opts: CallOptions = {}) {
	const headers: Record<string, string> = { ...opts.headers };
	const token = opts.token === undefined ? sb.token : opts.token;
	if (token !== null) headers.Authorization = `UAT ${token}`;
	let body: string | undefined;
	if (opts.body !== undefined) {
		body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
		headers['Content-Type'] ??= 'application/json';
	}
	const res = await fetch(`${sb.apiUrl}${path}`, { method, headers, body, redirect: 'manual' });
	const text = await res.text();
	let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: res.headers, json, text };
}

/** node:http instead of fetch, which does not let a caller set Host. */
function getWithHost(path: string, host: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
	return new Promise((resolve, reject) => {
		get(`${sb.apiUrl}${path}`, { headers: { Host: host, Authorization: `UAT ${sb.token}` } }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
		}).on('error', reject);
	});
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value) || Date.now() > deadline) return value;
		await new Promise((r) => setTimeout(r, 50));
	}
}

const getWorkOrder = async (id: number): Promise<WorkOrder> => (await call('GET', `/api/v2/workorders/${id}/`)).json;

describe('authentication and permissions', () => {
	it('answers the credential test with the user', async () => {
		const res = await call('GET', '/api/v2/me/');
		expect(res.status).toBe(200);
		expect(res.json).toHaveProperty('company.id');
	});

	it.each([
		[null, 'Authentication credentials were not provided.'],
		['wrong', 'Invalid token.'],
	])('401 for token %p', async (token, detail) => {
		const res = await call('GET', '/api/v2/workorders/', { token });
		expect(res.status).toBe(401);
		expect(res.json).toEqual({ detail });
		expect(res.headers.get('www-authenticate')).toBe('UAT');
	});

	it('401 for another scheme than "UAT <token>"', async () => {
		for (const header of [`Bearer ${sb.token}`, `uat ${sb.token}`, `Token ${sb.token}`]) {
			const res = await call('GET', '/api/v2/me/', { token: null, headers: { Authorization: header } });
			expect(res.status).toBe(401);
		}
		const spaced = await call('GET', '/api/v2/me/', { token: null, headers: { Authorization: `UAT ${sb.token} x` } });
		expect(spaced.json.detail).toMatch(/should not contain spaces/);
	});

	it('403 when the token lacks the permission of the endpoint', async () => {
		sb.state.tokens['view-only'] = ['workorder_view'];
		expect((await call('GET', '/api/v2/workorders/', { token: 'view-only' })).status).toBe(200);
		const res = await call('POST', '/api/v2/workorders/create-from-template/', { token: 'view-only', body: { template: 101, quantity: 1 } });
		expect(res.status).toBe(403);
		expect(res.json).toEqual({ detail: 'You do not have permission to perform this action.' });
		expect((await call('GET', '/api/v2/ingestion/', { token: 'view-only' })).status).toBe(403);
	});

	it('reset() forgets tokens added at run time', async () => {
		sb.state.tokens.extra = 'all';
		sb.reset();
		expect((await call('GET', '/api/v2/me/', { token: 'extra' })).status).toBe(401);
	});
});

describe('routing and errors', () => {
	it('404 for unknown paths and ids, 405 for wrong methods, 400 for malformed JSON', async () => {
		expect(await call('GET', '/api/v2/nothing/')).toMatchObject({ status: 404, json: { detail: 'Not found.' } });
		expect(await call('GET', '/api/v2/workorders/999999/')).toMatchObject({ status: 404, json: { detail: 'Not found.' } });
		expect(await call('PUT', '/api/v2/workorders/')).toMatchObject({ status: 405, json: { detail: 'Method "PUT" not allowed.' } });
		const bad = await call('POST', '/api/v2/workorders/create-from-template/', { body: '{"template": ' });
		expect(bad.status).toBe(400);
		expect(bad.json.detail).toMatch(/^JSON parse error - /);
	});

	it('redirects a path without its trailing slash, like Django', async () => {
		const res = await call('GET', '/api/v2/workorders?limit=1');
		expect(res.status).toBe(301);
		expect(res.headers.get('location')).toBe('/api/v2/workorders/?limit=1');
	});

	it('415 for a body type DRF does not parse; no Content-Type means an empty body', async () => {
		const text = await call('POST', '/api/v2/workorders/create-from-template/', { body: 'template=101', headers: { 'Content-Type': 'text/plain' } });
		expect(text.status).toBe(415);
		const res = await fetch(`${sb.apiUrl}/api/v2/workorders/create-from-template/`, {
			method: 'POST',
			headers: { Authorization: `UAT ${sb.token}` },
			body: Buffer.from('{"template":101,"quantity":1}'),
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ template: ['This field is required.'], quantity: ['This field is required.'] });
	});
});

describe('pagination', () => {
	beforeEach(() => {
		for (let i = 0; i < 45; i++) sb.createWorkOrder({ template: 101, quantity: 1, reference: `PAGE-${i}`, remarks: 'paged' });
	});

	it('uses limit/offset with absolute next/previous links that keep the other parameters', async () => {
		const first = await call('GET', '/api/v2/workorders/?search=paged&limit=20');
		expect(first.json.count).toBe(45);
		expect(first.json.results).toHaveLength(20);
		expect(first.json.previous).toBeNull();
		expect(first.json.next).toBe(`${sb.apiUrl}/api/v2/workorders/?limit=20&offset=20&search=paged`);
		const follow = async (url: string) => (await call('GET', url.slice(sb.apiUrl.length))).json;
		const second = await follow(first.json.next);
		expect(second.previous).toBe(`${sb.apiUrl}/api/v2/workorders/?limit=20&search=paged`);
		const third = await follow(second.next);
		expect(third.results).toHaveLength(5);
		expect(third.next).toBeNull();
		const ids = [...first.json.results, ...second.results, ...third.results].map((wo: WorkOrder) => wo.id);
		expect(new Set(ids).size).toBe(45);
	});

	it('lists newest first, defaults to 20, caps the limit and builds links from the Host header', async () => {
		const all = await call('GET', '/api/v2/workorders/?limit=100');
		expect(all.json.results).toHaveLength(48);
		expect(all.json.results[0].reference).toBe('PAGE-44');
		expect((await call('GET', '/api/v2/workorders/')).json.results).toHaveLength(20);
		expect((await call('GET', '/api/v2/workorders/?limit=abc')).json.results).toHaveLength(20);
		sb.options.maxPageSize = 10;
		try {
			const small = await getWithHost('/api/v2/workorders/?limit=200', 'api.example.test');
			expect(small.results).toHaveLength(10);
			expect(small.next).toBe('http://api.example.test/api/v2/workorders/?limit=10&offset=10');
		} finally {
			sb.options.maxPageSize = 100;
		}
	});

	it('filters by is_archived and search', async () => {
		const archived = await call('GET', '/api/v2/workorders/?is_archived=1');
		expect(archived.json.results.every((wo: WorkOrder) => wo.is_archived)).toBe(true);
		expect(archived.json.count).toBeGreaterThan(0);
		const notArchived = await call('GET', '/api/v2/workorders/?is_archived=false');
		expect(notArchived.json.count).toBe(sb.state.workOrders.length - archived.json.count);
		const search = await call('GET', '/api/v2/workorders/?search=page-4&limit=100');
		expect(search.json.results.map((wo: WorkOrder) => wo.reference).sort()).toEqual(['PAGE-4', 'PAGE-40', 'PAGE-41', 'PAGE-42', 'PAGE-43', 'PAGE-44']);
	});
});

describe('templates and work orders', () => {
	it('lists the seeded templates', async () => {
		const res = await call('GET', '/api/v2/workorders/templates/');
		const sid = res.json.results.find((t: { id: number }) => t.id === SEED_TEMPLATE_IDS.sid);
		expect(sid).toMatchObject({ use_serial_number: true, url_prefix: 'HTTPS://QR2.CH/Q/', printing_partner: null });
		expect(res.json.results.find((t: { id: number }) => t.id === SEED_TEMPLATE_IDS.sscNoPartner)).toMatchObject({ code_layout: 'sg-outside', printing_partner: null });
	});

	it('creates a SID work order from numeric strings; generation finishes after the delay', async () => {
		const res = await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: '101', quantity: '10', reference: 'R-1', product: 'P2', due_date: '2030-01-31' } });
		expect(res.status).toBe(201);
		expect(res.json).toMatchObject({ state: 'new', reference: 'R-1', quantity: 10, template: 101, codegen_status: CODEGEN.generating, codegen_file: null, due_date: '2030-01-31' });
		expect(res.json.product).toMatchObject({ sku: 'P2' });
		expect(res.json.creation_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
		const done = await waitFor(() => getWorkOrder(res.json.id), (wo) => wo.codegen_status === CODEGEN.done);
		expect(done.state).toBe('completed');
		expect(done.date_codes_completed).not.toBeNull();
		expect(done.codegen_file?.startsWith(`${sb.storageUrl}/media/workorders/work%20order%20${res.json.id}%20`)).toBe(true);
	});

	it('generates a reference when none is given and refuses a duplicate', async () => {
		const first = await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: 101, quantity: 1 } });
		expect(first.json.reference).toBeTruthy();
		const dup = await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: 101, quantity: 1, reference: first.json.reference } });
		expect(dup).toMatchObject({ status: 400, json: { reference: ['Work order with this reference already exists.'] } });
	});

	it.each([
		[{ quantity: 1 }, { template: ['This field is required.'] }],
		[{ template: 99, quantity: 1 }, { template: ['Invalid pk "99" - object does not exist.'] }],
		[{ template: 101, quantity: 0 }, { quantity: ['Ensure this value is greater than or equal to 1.'] }],
		[{ template: 101, quantity: 2.5 }, { quantity: ['A valid integer is required.'] }],
		[{ template: 101, quantity: 1, due_date: '31.01.2030' }, { due_date: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'] }],
		[{ template: 101, quantity: 1, product: 'NOPE' }, { product: ['Product with id or SKU "NOPE" does not exist.'] }],
	])('400 with DRF field errors for %j', async (body, errors) => {
		expect(await call('POST', '/api/v2/workorders/create-from-template/', { body })).toMatchObject({ status: 400, json: errors });
	});

	it('requires a printing partner for an SSC template without one', async () => {
		const res = await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: SEED_TEMPLATE_IDS.sscNoPartner, quantity: 5 } });
		expect(res.status).toBe(400);
		expect(Object.keys(res.json)).toEqual(['printing_partner']);
		const ok = await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: SEED_TEMPLATE_IDS.sscNoPartner, quantity: 5, printing_partner: 346 } });
		expect(ok.json).toMatchObject({ printing_partner: { id: 346 }, code_layout: 'sg-outside', codegen_status: CODEGEN.notStarted });
	});

	it('printer-confirm: SSC only, validates ids, then generation runs to "ready to print"', async () => {
		const ssc = sb.createWorkOrder({ template: SEED_TEMPLATE_IDS.sscWithPartner, quantity: 5 });
		const sid = sb.createWorkOrder({ template: SEED_TEMPLATE_IDS.sid, quantity: 5 });
		const path = (id: number) => `/api/v2/workorders/${id}/printer-confirm/`;
		expect((await call('PATCH', path(999999), { body: { substrate: 1, equipment: 2 } })).status).toBe(404);
		const notSsc = await call('PATCH', path(sid.id), { body: { substrate: 1, equipment: 2 } });
		expect(notSsc.status).toBe(400);
		expect(notSsc.json.detail).toMatch(/SSC/);
		expect(await call('PATCH', path(ssc.id), { body: { substrate: 9, equipment: '2' } })).toMatchObject({
			status: 400,
			json: { substrate: ['Invalid pk "9" - object does not exist.'] },
		});
		expect((await call('POST', path(ssc.id), { body: {} })).status).toBe(405);
		const ok = await call('PATCH', path(ssc.id), { body: { substrate: '1', equipment: '2', external_id: '3' } });
		expect(ok.json).toMatchObject({ state: 'new', codegen_status: CODEGEN.generating, external_id: '3', substrate: { id: 1 }, equipment: { id: 2 } });
		const done = await waitFor(() => getWorkOrder(ssc.id), (wo) => wo.codegen_status === CODEGEN.done);
		expect(done).toMatchObject({ state: 'ready to print', is_ready_to_print: true });
		expect((await call('PATCH', path(ssc.id), { body: { substrate: 1, equipment: 2 } })).status).toBe(400);
	});

	it('legacy create-sid makes a SID work order', async () => {
		const res = await call('POST', '/api/v2/workorders/create-sid/', { body: { activate_on_complete: true, reference: 'LEG-1', quantity: 3, use_serial_number: false } });
		expect(res.status).toBe(201);
		expect(res.json).toMatchObject({ reference: 'LEG-1', template: null, use_serial_number: false, codegen_status: CODEGEN.generating });
	});
});

describe('codes archive', () => {
	async function download(wo: WorkOrder): Promise<AdmZip> {
		const res = await fetch(wo.codegen_file as string);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('application/zip');
		return new AdmZip(Buffer.from(await res.arrayBuffer()));
	}

	it('holds the five files in "work order <id> <key>/", codes.csv without header, LF, trailing newline', async () => {
		const wo = sb.createWorkOrder({ template: SEED_TEMPLATE_IDS.sid, quantity: 45_000 });
		sb.completeGeneration(wo.id);
		const zip = await download(wo);
		const names = zip.getEntries().map((e) => e.entryName);
		const folder = names.find((n) => n.endsWith('/')) as string;
		expect(folder).toMatch(new RegExp(`^work order ${wo.id} [A-Za-z0-9]+/$`));
		for (const file of ['codes.csv', 'manifest.json', 'parameters.txt', 'sample_qr.tiff', 'generate.txt']) expect(names).toContain(folder + file);
		expect(zip.readFile(`${folder}sample_qr.tiff`)?.subarray(0, 4)).toEqual(Buffer.from([0x49, 0x49, 0x2a, 0x00]));
		expect(JSON.parse(zip.readAsText(`${folder}manifest.json`)).workorder).toMatchObject({ id: wo.id, quantity: 45_000 });

		const csv = zip.readAsText(`${folder}codes.csv`);
		expect(csv.endsWith('\n')).toBe(true);
		expect(csv).not.toContain('\r');
		const rows: string[][] = parse(csv);
		expect(rows).toHaveLength(45_000);
		const codes = sb.codesFor(wo.id);
		expect(rows[0]).toEqual([codes[0].extendedId, codes[0].serialNumber, codes[0].sequenceNumber, '1', codes[0].url]);
		expect(rows[0][2]).toBe('0000001');
		expect(rows[0][1]).toMatch(/^\d{9}$/);
		expect(rows[0][4]).toBe(`HTTPS://QR2.CH/Q/${rows[0][0]}`);
		expect(rows[0][0]).toMatch(/^[A-Za-z0-9]{12}$/);
		const batches = new Map<string, number>();
		for (const row of rows) batches.set(row[3], (batches.get(row[3]) ?? 0) + 1);
		expect([...batches]).toEqual([
			['1', 20_000],
			['2', 20_000],
			['3', 5_000],
		]);
		expect(new Set(rows.map((r) => r[0])).size).toBe(45_000);
	});

	it('leaves the serial number empty without use_serial_number, and follows setArchiveOptions', async () => {
		const wo = sb.createWorkOrder({ template: SEED_TEMPLATE_IDS.sidPlain, quantity: 3 });
		sb.completeGeneration(wo.id);
		sb.setArchiveOptions(wo.id, { header: true, crlf: true, bom: true, folderName: 'custom' });
		const csv = (await download(wo)).readFile('custom/codes.csv') as Buffer;
		expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
		const lines = csv.subarray(3).toString().split('\r\n');
		expect(lines[0]).toBe('Extended ID,Serial Number,Sequence Number,Batch Number,Full URL');
		expect(lines[1].split(',')[1]).toBe('');
		expect(lines).toHaveLength(5);

		sb.setArchiveOptions(wo.id, { omitCodesCsv: true, extraEntry: { name: 'notes.txt', content: Buffer.from('x') } });
		const names = (await download(wo)).getEntries().map((e) => e.entryName);
		expect(names.some((n) => n.endsWith('codes.csv'))).toBe(false);
		expect(names).toContain('notes.txt');

		sb.setArchiveOptions(wo.id, { corrupt: true });
		const bytes = Buffer.from(await (await fetch(wo.codegen_file as string)).arrayBuffer());
		expect(() => new AdmZip(bytes).getEntries()).toThrow();
	});

	it('refuses a second auth mechanism, a broken signature, and unfinished work orders', async () => {
		const wo = sb.createWorkOrder({ template: SEED_TEMPLATE_IDS.sid, quantity: 2 });
		sb.completeGeneration(wo.id);
		const url = wo.codegen_file as string;
		const withToken = await fetch(url, { headers: { Authorization: `UAT ${sb.token}` } });
		expect(withToken.status).toBe(400);
		expect(await withToken.text()).toMatch(/<Code>InvalidArgument<\/Code>/);
		const tampered = url.replace(/X-Amz-Signature=(\w)/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
		expect((await fetch(tampered)).status).toBe(403);
		expect((await fetch(url.split('?')[0])).status).toBe(403);
		const storageRequests = sb.requests.filter((r) => r.origin === 'storage');
		expect(storageRequests.length).toBe(3);
		expect(storageRequests[0].headers.authorization).toBe(`UAT ${sb.token}`);

		wo.codegen_status = CODEGEN.generating;
		expect((await fetch(url)).status).toBe(404);
	});
});

/** Posts a form the way a browser or FormData does: every field, then the file. */
async function upload(postData: { url: string; fields: Record<string, string> }, content: string | Buffer, type = 'text/csv') {
	const form = new FormData();
	for (const [name, value] of Object.entries(postData.fields)) form.append(name, value);
	form.append('file', new Blob([content], { type }), 'codes.csv');
	return fetch(postData.url, { method: 'POST', body: form });
}

/** A multipart body written by hand, for forms FormData cannot produce. */
async function rawUpload(url: string, parts: { name: string; value: string | Buffer; filename?: string }[], headers: Record<string, string> = {}) {
	const boundary = '----sandbox-test-boundary';
	const chunks: Buffer[] = [];
	for (const part of parts) {
		const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
		chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`));
	return fetch(url, { method: 'POST', body: Buffer.concat(chunks), headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, ...headers } });
}

describe('code upload (ingestion)', () => {
	const getPostData = async (filetype = 'csv') => (await call('POST', '/api/v2/ingestion/codes/upload/get-post-data/', { body: { filetype } })).json;
	const getRecord = async (key: string) => (await call('GET', `/api/v2/ingestion/${key}/`)).json.results[0];
	const processRecord = (body: unknown) => call('POST', '/api/v2/ingestion/codes/upload/process/', { body });

	it('get-post-data creates an uploading record and a form whose fields vary per record', async () => {
		const a = await getPostData();
		const b = await getPostData('json');
		expect(a.post_data.url).toBe(`${sb.storageUrl}/st-media-upload/`);
		expect(a.post_data.fields).toMatchObject({ key: `ingestion/${a.record_key}.csv`, 'Content-Type': 'text/csv' });
		expect(b.post_data.fields['Content-Type']).toBe('application/json');
		for (const name of ['policy', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature']) expect(a.post_data.fields).toHaveProperty([name]);
		expect(Object.keys(a.post_data.fields).filter((n) => n.startsWith('x-amz-meta-'))).not.toEqual(Object.keys(b.post_data.fields).filter((n) => n.startsWith('x-amz-meta-')));
		expect(await getRecord(a.record_key)).toMatchObject({ key: a.record_key, status: 'uploading', type: 'code', ingestion_mode: 'api', description: 'Code ingestion file upload' });
		expect(await call('POST', '/api/v2/ingestion/codes/upload/get-post-data/', { body: { filetype: 'xml' } })).toMatchObject({
			status: 400,
			json: { filetype: ['"xml" is not a valid choice.'] },
		});
	});

	it('upload, process, finished: creates a completed work order holding exactly the uploaded codes', async () => {
		const { post_data, record_key } = await getPostData();
		const file = 'id,product,pallet_number,intended_market\nabc12345,sku1,pal1,BE\ndef12345,sku1,pal1,NL\nghi-1234_x,,pal2,DE\n';
		const up = await upload(post_data, file);
		expect([201, 204]).toContain(up.status);
		const stored = sb.state.uploads.get(post_data.fields.key);
		expect(stored?.content.toString()).toBe(file);
		expect(stored?.contentType).toBe('text/csv');

		const started = await processRecord({ record: record_key, default_scm_data: { activation_status: 1 }, url_prefix: 'HTTPS://EX.CO/' });
		expect(started).toMatchObject({ status: 200, json: { record_key } });
		expect((await getRecord(record_key)).status).toBe(INGESTION_STATUS.processing);
		const record = await waitFor(() => getRecord(record_key), (r) => r.status !== INGESTION_STATUS.processing);
		expect(record.status).toBe(INGESTION_STATUS.finished);
		expect(record.result_data).toMatchObject({ codes_created: 3 });
		const wo = await getWorkOrder(record.result_data.workorder);
		expect(wo).toMatchObject({ state: 'completed', codegen_status: CODEGEN.done, quantity: 3 });
		expect(sb.codesFor(wo.id).map((c) => c.url)).toEqual(['HTTPS://EX.CO/abc12345', 'HTTPS://EX.CO/def12345', 'HTTPS://EX.CO/ghi-1234_x']);
		expect(sb.state.ingestedCodes.get(record_key)?.[0]).toEqual({ id: 'abc12345', product: 'sku1', pallet_number: 'pal1', intended_market: 'BE' });

		const again = await processRecord({ record: record_key });
		expect(again).toMatchObject({ status: 400, json: { detail: PROCESS_ERRORS.wrongState } });
	});

	it('process errors: invalid record, file not uploaded, missing record field', async () => {
		expect(await processRecord({ record: 'nope' })).toMatchObject({ status: 400, json: { detail: 'Invalid record' } });
		const { record_key } = await getPostData();
		expect(await processRecord({ record: record_key })).toMatchObject({ status: 400, json: { detail: 'Uploaded file not found.' } });
		expect(await processRecord({})).toMatchObject({ status: 400, json: { record: ['This field is required.'] } });
		expect(await processRecord({ record: record_key, default_scm_data: [] })).toMatchObject({ status: 400, json: { default_scm_data: [expect.any(String)] } });
	});

	it('reports duplicated and invalid ids in result_data.errors; allow_posted_duplicates keeps the first', async () => {
		const bad = await getPostData();
		await upload(bad.post_data, 'id\nabc12345\nabc12345\nshort\n');
		await processRecord({ record: bad.record_key });
		const failed = await waitFor(() => getRecord(bad.record_key), (r) => r.status !== INGESTION_STATUS.processing);
		expect(failed.status).toBe('error');
		expect(failed.result_data.errors).toEqual([{ invalid_id_error: ['short'] }, { duplicate_id_error: ['abc12345'] }]);

		const dup = await getPostData('json');
		await upload(dup.post_data, JSON.stringify([{ id: 'abc12345' }, { id: 'abc12345', x: 1 }, { id: 'zzz12345', activation_status: 0 }]), 'application/json');
		await processRecord({ record: dup.record_key, allow_posted_duplicates: true });
		const ok = await waitFor(() => getRecord(dup.record_key), (r) => r.status !== INGESTION_STATUS.processing);
		expect(ok.status).toBe(INGESTION_STATUS.finished);
		expect(ok.result_data.codes_created).toBe(2);
	});

	it('lists records newest first with filters; the detail route can answer in the other shapes', async () => {
		const { record_key } = await getPostData();
		const list = await call('GET', '/api/v2/ingestion/?type=code&status=uploading');
		expect(list.json.results.map((r: { key: string }) => r.key)).toEqual([record_key]);
		expect((await call('GET', '/api/v2/ingestion/?status=error')).json.count).toBe(1);
		expect((await call('GET', '/api/v2/ingestion/unknownkey1/')).status).toBe(404);
		sb.options.ingestionDetailShape = 'bare';
		expect((await call('GET', `/api/v2/ingestion/${record_key}/`)).json.key).toBe(record_key);
		sb.options.ingestionDetailShape = 'listWithOthers';
		const withOthers = (await call('GET', `/api/v2/ingestion/${record_key}/`)).json;
		expect(withOthers.results.length).toBeGreaterThan(1);
		expect(withOthers.results[0].key).not.toBe(record_key);
		sb.options.ingestionDetailShape = 'list';
	});
});

describe('S3 upload checks', () => {
	const form = async () => (await call('POST', '/api/v2/ingestion/codes/upload/get-post-data/', { body: { filetype: 'csv' } })).json.post_data;
	const asParts = (fields: Record<string, string>) => Object.entries(fields).map(([name, value]) => ({ name, value }));
	const file = { name: 'file', value: 'id\nabc12345\n', filename: 'codes.csv' };

	it('rejects an Authorization header (S3 allows one auth mechanism)', async () => {
		const pd = await form();
		const res = await rawUpload(pd.url, [...asParts(pd.fields), file], { Authorization: `UAT ${sb.token}` });
		expect(res.status).toBe(400);
		expect(await res.text()).toMatch(/<Code>InvalidArgument<\/Code><Message>Only one auth mechanism allowed/);
	});

	it('rejects a missing field, an extra field, a file that is not last, and an expired policy', async () => {
		const pd = await form();
		const meta = Object.keys(pd.fields).find((n) => n.startsWith('x-amz-meta-')) as string;
		const without = { ...pd.fields };
		delete without[meta];
		expect((await rawUpload(pd.url, [...asParts(without), file])).status).toBe(403);
		expect((await rawUpload(pd.url, [...asParts(pd.fields), { name: 'bucket', value: 'x' }, file])).status).toBe(403);
		expect((await rawUpload(pd.url, [file, ...asParts(pd.fields)])).status).toBe(400);
		expect((await rawUpload(pd.url, [...asParts({ ...pd.fields, 'x-amz-date': '20200101T000000Z' }), file])).status).toBe(403);
		sb.state.postForms.get(pd.fields.key)!.expiresAt = Date.now() - 1;
		const expired = await rawUpload(pd.url, [...asParts(pd.fields), file]);
		expect(expired.status).toBe(403);
		expect(await expired.text()).toMatch(/Policy expired/);
		expect(sb.state.uploads.size).toBe(0);
	});

	it('answers 204, or 201 with XML when the form asks for it, and keeps binary content intact', async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 2; i++) {
			const pd = await form();
			const content = Buffer.from([0x69, 0x64, 0x0d, 0x0a, 0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
			const res = await rawUpload(pd.url, [...asParts(pd.fields), { ...file, value: content }]);
			statuses.push(res.status);
			if (pd.fields.success_action_status === '201') expect(await res.text()).toMatch(/<PostResponse>/);
			expect(sb.state.uploads.get(pd.fields.key)?.content).toEqual(content);
		}
		expect(statuses.sort()).toEqual([201, 204]);
	});
});

describe('fault injection and rate limit', () => {
	it('answers a 429 with Retry-After and the N in the detail, `times` times', async () => {
		sb.faults.push({ method: 'GET', path: /^\/api\/v2\/workorders\/$/, status: 429, retryAfter: 7, times: 2 });
		for (let i = 0; i < 2; i++) {
			const res = await call('GET', '/api/v2/workorders/');
			expect(res.status).toBe(429);
			expect(res.headers.get('retry-after')).toBe('7');
			expect(res.json).toEqual({ detail: 'Request was throttled. Expected available in 7 seconds.', code: 'throttled' });
		}
		expect((await call('GET', '/api/v2/workorders/')).status).toBe(200);
		expect(sb.faults).toHaveLength(0);
		sb.faults.push({ path: '/api/v2/workorders/', status: 429, retryAfter: 3, retryAfterInDetailOnly: true });
		const detailOnly = await call('GET', '/api/v2/workorders/');
		expect(detailOnly.headers.get('retry-after')).toBeNull();
		expect(detailOnly.json.detail).toMatch(/in 3 seconds/);
	});

	it('afterHandling: the work order is created although the answer is a 502', async () => {
		sb.faults.push({ method: 'POST', path: /create-from-template/, status: 502, afterHandling: true });
		const res = await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: 101, quantity: 1, reference: 'LOST-ANSWER' } });
		expect(res.status).toBe(502);
		expect(res.headers.get('content-type')).toBe('text/html');
		expect(sb.state.workOrders.filter((wo) => wo.reference === 'LOST-ANSWER')).toHaveLength(1);
		sb.faults.push({ method: 'POST', path: /create-from-template/, status: 503, body: { detail: 'down' } });
		expect(await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: 101, quantity: 1, reference: 'NEVER' } })).toMatchObject({ status: 503, json: { detail: 'down' } });
		expect(sb.state.workOrders.some((wo) => wo.reference === 'NEVER')).toBe(false);
	});

	it('faults apply to the storage origin too, and can drop the connection', async () => {
		sb.faults.push({ path: '/st-media-upload/', status: 503 });
		const res = await fetch(`${sb.storageUrl}/st-media-upload/`, { method: 'POST' });
		expect(res.status).toBe(503);
		expect(await res.text()).toMatch(/<Code>SlowDown<\/Code>/);
		sb.faults.push({ path: '/api/v2/me/', status: 0, destroySocket: true });
		await expect(call('GET', '/api/v2/me/')).rejects.toThrow();
	});

	it('throttles per token over a sliding window', async () => {
		sb.options.rateLimit = { limit: 3, windowMs: 60_000 };
		try {
			for (let i = 0; i < 3; i++) expect((await call('GET', '/api/v2/me/')).status).toBe(200);
			const res = await call('GET', '/api/v2/me/');
			expect(res.status).toBe(429);
			expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(50);
			expect(res.json.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
		} finally {
			sb.options.rateLimit = { limit: 3000, windowMs: 60_000 };
		}
	});

	it('records every request with lower-cased headers and the body', async () => {
		await call('POST', '/api/v2/workorders/create-from-template/', { body: { template: 101, quantity: 1 }, headers: { 'X-Trace': 'abc' } });
		const [req] = sb.requests;
		expect(req).toMatchObject({ origin: 'api', method: 'POST', path: '/api/v2/workorders/create-from-template/' });
		expect(req.headers['x-trace']).toBe('abc');
		expect(JSON.parse(req.body!.toString())).toEqual({ template: 101, quantity: 1 });
	});
});

describe('multipart parser', () => {
	it('reads binary parts, quoted names and a quoted boundary', () => {
		const body = Buffer.concat([
			Buffer.from('preamble\r\n--b 1\r\nContent-Disposition: form-data; name="a\\"b"\r\n\r\nx\r\n'),
			Buffer.from('--b 1\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'),
			Buffer.from([0, 13, 10, 45, 45, 98, 255]),
			Buffer.from('\r\n--b 1--\r\n'),
		]);
		expect(boundaryOf('multipart/form-data; boundary="b 1"')).toBe('b 1');
		expect(boundaryOf('text/plain; boundary=x')).toBeNull();
		const parts = parseMultipart(body, boundaryOf('multipart/form-data; boundary="b 1"') as string);
		expect(parts.map((p) => p.name)).toEqual(['a"b', 'file']);
		expect(parts[1]).toMatchObject({ filename: 'f.bin', contentType: 'application/octet-stream' });
		expect(parts[1].data).toEqual(Buffer.from([0, 13, 10, 45, 45, 98, 255]));
	});
});
