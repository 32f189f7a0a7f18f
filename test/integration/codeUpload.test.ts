import type { INodeExecutionData } from 'n8n-workflow';

import { Scantrust } from '../../nodes/Scantrust/Scantrust.node';
import { MAX_UPLOAD_BYTES } from '../../nodes/Scantrust/codes/ownCodes';
import { runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';
import { PROCESS_ERRORS } from '../sandbox';

const env = useSandbox();

const FAST_WAIT = { waitTimeout: 20, pollInterval: 0.2 };

function run(operation: string, parameters: Record<string, unknown>, extra: { input?: INodeExecutionData[]; continueOnFail?: boolean; token?: string } = {}) {
	return runScantrustNode({
		parameters: { resource: 'codeUpload', operation, ...parameters } as never,
		credentials: env.credentials(extra.token),
		input: extra.input,
		continueOnFail: extra.continueOnFail,
	});
}

const upload = (parameters: Record<string, unknown>, extra: Parameters<typeof run>[2] = {}) => run('upload', { ...FAST_WAIT, ...parameters }, extra);

const items = (...rows: Array<Record<string, unknown>>): INodeExecutionData[] => rows.map((json) => ({ json: json as never }));

function fileItem(content: string, fileName = 'codes.csv', mimeType = 'text/csv'): INodeExecutionData {
	return { json: {}, binary: { data: { data: Buffer.from(content, 'utf8').toString('base64'), mimeType, fileName } } };
}

const ids = (n: number, prefix = 'code') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);

const storageRequests = () => env.sandbox.requests.filter((r) => r.origin === 'storage');
const getPostDataCalls = () => apiCalls(env.sandbox, 'POST', /get-post-data/);
const processCalls = () => apiCalls(env.sandbox, 'POST', /upload\/process/);
/** Scantrust's current ingestion, the node's default: add-sids, then process-from-file for a file. */
const addSidsCalls = () => apiCalls(env.sandbox, 'POST', /\/add-sids\/$/);
const bodyOf = (request: { body?: Buffer }) => JSON.parse(request.body!.toString()) as Record<string, unknown>;
const uploadOf = (recordKey: unknown) => env.sandbox.state.uploads.get(`ingestion/${String(recordKey)}.csv`);
const ingested = (recordKey: unknown) => env.sandbox.state.ingestedCodes.get(String(recordKey));

function expectNothingUploaded(): void {
	expect(apiCalls(env.sandbox, 'POST', /^\/api\/v2\/ingestion\//)).toHaveLength(0);
	expect(storageRequests()).toHaveLength(0);
	expect(processCalls()).toHaveLength(0);
	expect(env.sandbox.state.uploads.size).toBe(0);
}

/** Get-post-data straight from the sandbox, as another client would: a record waiting for its file. */
async function createRecordWithoutFile(): Promise<string> {
	const response = await fetch(`${env.sandbox.apiUrl}/api/v2/ingestion/codes/upload/get-post-data/`, {
		method: 'POST',
		headers: { Authorization: `UAT ${env.sandbox.token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ filetype: 'csv' }),
	});
	return ((await response.json()) as { record_key: string }).record_key;
}

/**
 * Makes the sandbox call ingestion statuses by other names from now on (Scantrust documents only `uploading` and
 * `error`, so a real service may use any other name while it works and when it is done).
 */
function renameStatuses(names: Record<string, string>): void {
	const records = env.sandbox.state.ingestionRecords;
	const push = Array.prototype.push;
	records.push = (...added) => {
		for (const record of added) {
			let status = record.status;
			Object.defineProperty(record, 'status', {
				enumerable: true,
				configurable: true,
				get: () => names[status] ?? status,
				set: (value: string) => (status = value),
			});
		}
		return push.apply(records, added);
	};
}

afterEach(() => {
	env.sandbox.options.ingestionDelayMs = 300;
	env.sandbox.options.ingestionDetailShape = 'list';
	delete (env.sandbox.state.ingestionRecords as { push?: unknown }).push;
});


describe('Code Upload > Upload from items', () => {
	it('legacy: uploads all items as one file, posts every form field, keeps the token away from storage, and waits', async () => {
		const input = items(
			{ id: 'abc12345', product: 'sku1', pallet_number: 'pal1', intended_market: 'BE' },
			{ id: 'def12345', product: 'sku1', pallet_number: 'pal1', intended_market: 'NL' },
			{ id: 'ghi12345', product: 'NICK1', pallet_number: 'pal2', intended_market: 'DE', activation_status: 1 },
		);
		const { output, error } = await upload({ ingestion: 'legacy', source: 'items', idField: 'id' }, { input });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		const result = output[0].json;
		expect(result).toMatchObject({
			status: 'finished',
			processed: true,
			codeCount: 3,
			columns: ['id', 'product', 'pallet_number', 'intended_market', 'activation_status'],
			part: 1,
			parts: 1,
			fileName: 'codes.csv',
		});
		expect(result.record).toMatchObject({ key: result.recordKey, status: 'finished', type: 'code' });
		expect(output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);

		// One upload for all items; Scantrust ingested exactly these codes and columns.
		expect(getPostDataCalls()).toHaveLength(1);
		expect(JSON.parse(getPostDataCalls()[0].body!.toString())).toEqual({ filetype: 'csv' });
		expect(ingested(result.recordKey)).toEqual([
			{ id: 'abc12345', product: 'sku1', pallet_number: 'pal1', intended_market: 'BE', activation_status: '' },
			{ id: 'def12345', product: 'sku1', pallet_number: 'pal1', intended_market: 'NL', activation_status: '' },
			{ id: 'ghi12345', product: 'NICK1', pallet_number: 'pal2', intended_market: 'DE', activation_status: '1' },
		]);

		// Every field of the presigned form was posted as issued, the file last, without credentials.
		const stored = uploadOf(result.recordKey)!;
		const form = env.sandbox.state.postForms.get(`ingestion/${String(result.recordKey)}.csv`)!;
		expect(stored.fields).toEqual(form.fields);
		expect(Object.keys(stored.fields)).toEqual(Object.keys(form.fields));
		expect(Object.keys(form.fields).some((name) => name.startsWith('x-amz-meta-nonce-'))).toBe(true);
		expect(stored.filename).toBe('codes.csv');
		const [storagePost] = storageRequests();
		expect(storagePost.method).toBe('POST');
		expect(storagePost.headers.authorization).toBeUndefined();
		expect(JSON.stringify(storagePost.headers)).not.toContain(env.sandbox.token);
		expect(storagePost.body!.toString('latin1')).not.toContain(env.sandbox.token);

		const [processCall] = processCalls();
		expect(JSON.parse(processCall.body!.toString())).toEqual({ record: result.recordKey, default_scm_data: {}, allow_posted_duplicates: false });
	});

	it('maps item fields to the columns the user chose and sends the process options', async () => {
		const input = items(
			{ code: 'map00001', sku: 'sku1', state: '1', pallet: 'A', id: 17, noise: 'x' },
			{ code: 'map00002', sku: 'P2', state: 0, pallet: 'B', id: 18, noise: 'y' },
		);
		const { output, error } = await upload(
			{
				source: 'items',
				idField: 'code',
				columnMapping: {
					mappings: [
						{ field: 'sku', column: 'product' },
						{ field: 'state', column: 'activation_status' },
						{ field: 'pallet', column: 'pallet_number' },
					],
				},
				options: { defaultScmData: '{"product": "sku1", "updated_by": "n8n"}', urlPrefix: 'https://qr.example/q/' },
			},
			{ input },
		);
		expect(error).toBeUndefined();
		expect(output[0].json.columns).toEqual(['id', 'product', 'activation_status', 'pallet_number']);
		expect(ingested(output[0].json.recordKey)).toEqual([
			{ id: 'map00001', product: 'sku1', activation_status: 1, pallet_number: 'A' },
			{ id: 'map00002', product: 'P2', activation_status: 0, pallet_number: 'B' },
		]);
		// The default flow: the codes as validated travel in the add-sids body with the options.
		expect(addSidsCalls().map(bodyOf)).toEqual([
			{
				mode: 'api',
				codes: [
					{ id: 'map00001', product: 'sku1', activation_status: 1, pallet_number: 'A' },
					{ id: 'map00002', product: 'P2', activation_status: 0, pallet_number: 'B' },
				],
				default_scm_data: { product: 'sku1', updated_by: 'n8n' },
				url_prefix: 'https://qr.example/q/',
				allow_posted_duplicates: false,
				id_format: 'default',
			},
		]);
		expect(storageRequests()).toHaveLength(0);
	});

	it('only uploads when "Process After Upload" is off; Process then creates the codes', async () => {
		const { output, error } = await upload({ source: 'items', processAfterUpload: false }, { input: items({ id: 'later001' }, { id: 'later002' }) });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ status: 'uploading', processed: false, codeCount: 2 });
		expect(processCalls()).toHaveLength(0);

		const processed = await run('process', { recordKey: output[0].json.recordKey, ...FAST_WAIT });
		expect(processed.error).toBeUndefined();
		expect(processed.output[0].json).toMatchObject({ key: output[0].json.recordKey, status: 'finished' });
		expect(ingested(output[0].json.recordKey)?.map((row) => row.id)).toEqual(['later001', 'later002']);
	});

	it('returns at once without waiting when asked to', async () => {
		env.sandbox.options.ingestionDelayMs = 2000;
		const { output, error } = await upload({ source: 'items', waitForCompletion: false }, { input: items({ id: 'nowait01' }) });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ status: 'processing', processed: true });
	});

	it.each([
		['a short id', [{ id: 'abc12345' }, { id: 'short' }], {}, /^Item 1, field "id": "short" is 5 characters long/],
		['a bad character', [{ id: 'abc 12345' }], {}, /^Item 0, field "id": "abc 12345" contains " " \(a space\)/],
		['a missing id', [{ id: 'abc12345' }, { name: 'no id' }], {}, /^Item 1, field "id": missing/],
		['a bad activation status', [{ id: 'abc12345', activation_status: 5 }], {}, /^Item 0, field "activation_status": 5 is not a valid activation_status/],
		['duplicates', [{ id: 'dupl1234' }, { id: 'uniq1234' }, { id: 'dupl1234' }], {}, /^Item 2, field "id": "dupl1234" is a duplicate of item 0/],
		['an id field that is not there', [{ id: 'abc12345' }], { idField: 'code' }, /^Item 0, field "code": missing/],
		['default SCM data that is not JSON', [{ id: 'abc12345' }], { options: { defaultScmData: '{product: sku1}' } }, /^Item 0: "Default SCM Data" is not valid JSON/],
		['default SCM data that is a list', [{ id: 'abc12345' }], { options: { defaultScmData: '[1]' } }, /^Item 0: "Default SCM Data" must be a JSON object, got a list/],
	])('rejects %s naming item and field, and uploads nothing', async (_what, rows, parameters, message) => {
		const { error } = await upload({ source: 'items', ...parameters }, { input: items(...rows) });
		expect(error?.message).toMatch(message);
		expectNothingUploaded();
	});

	it('sends nothing for empty input: no items, or items without codes', async () => {
		const none = await upload({ source: 'items' }, { input: [] });
		expect(none.error).toBeUndefined();
		expect(none.output).toEqual([]);
		expectNothingUploaded();

		const empty = await upload({ source: 'items' }, { input: items({}, {}) });
		expect(empty.error?.message).toMatch(/^2 problems in the codes to upload: Item 0, field "id": missing; every code needs an id; Item 1/);
		expectNothingUploaded();
	});

	it('lists several problems at once', async () => {
		const { error } = await upload({ source: 'items' }, { input: items({ id: 'x' }, { id: 'abc12345', activation_status: 'yes' }) });
		expect(error?.message).toMatch(/^2 problems in the codes to upload: Item 0, field "id".*; Item 1, field "activation_status"/);
		expect(String(error?.description)).toMatch(/^Nothing was uploaded\./);
		expectNothingUploaded();
	});

	it('with "Allow Posted Duplicates" uploads duplicates and Scantrust keeps the first', async () => {
		const input = items({ id: 'dupl1234', pallet_number: 'first' }, { id: 'uniq1234', pallet_number: 'x' }, { id: 'dupl1234', pallet_number: 'second' });
		const { output, error } = await upload({ source: 'items', options: { allowPostedDuplicates: true } }, { input });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ status: 'finished', codeCount: 3 });
		expect(bodyOf(addSidsCalls()[0])).toMatchObject({ mode: 'api', allow_posted_duplicates: true });
		expect(ingested(output[0].json.recordKey)).toEqual([
			{ id: 'dupl1234', pallet_number: 'first' },
			{ id: 'uniq1234', pallet_number: 'x' },
		]);
	});

	it("fails with Scantrust's reasons when the ingestion ends in error", async () => {
		const { error } = await upload({ source: 'items' }, { input: items({ id: 'prod0001', product: 'NO-SUCH-SKU' }, { id: 'prod0002', product: 'sku1' }) });
		expect(error?.message).toMatch(/^Scantrust could not ingest the codes of record \w+: invalid_product_error: NO-SUCH-SKU$/);
		expect(String(error?.description)).toMatch(/do not exist in Scantrust/);
	});

	it('lists at most 10 ids of a problem and counts the rest', async () => {
		const codes = ids(15, 'again');
		const first = await upload({ source: 'items' }, { input: items(...codes.map((id) => ({ id }))) });
		expect(first.error).toBeUndefined();
		const { error } = await upload({ source: 'items' }, { input: items(...codes.map((id) => ({ id }))) });
		const second = env.sandbox.state.ingestionRecords.at(-1)!;
		expect(second.status).toBe('error');
		expect(error?.message).toBe(`Scantrust could not ingest the codes of record ${second.key}: existing_id_error: ${codes.slice(0, 10).join(', ')} and 5 more`);
	});

	it('gives one error item paired to all inputs with Continue On Fail', async () => {
		const invalid = await upload({ source: 'items' }, { input: items({ id: 'abc12345' }, { id: 'bad' }), continueOnFail: true });
		expect(invalid.output).toHaveLength(1);
		expect(invalid.output[0].json.error).toMatch(/^Item 1, field "id": "bad"/);
		expect(invalid.output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expectNothingUploaded();

		const failed = await upload({ source: 'items' }, { input: items({ id: 'prod0001', product: 'NOPE' }, { id: 'prod0002' }), continueOnFail: true });
		expect(failed.output).toHaveLength(1);
		expect(failed.output[0].json.error).toMatch(/invalid_product_error: NOPE/);
		expect(failed.output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('fails after the wait time-out naming the record and its status', async () => {
		env.sandbox.options.ingestionDelayMs = 5000;
		const { error } = await upload({ source: 'items', waitTimeout: 1, pollInterval: 0.3 }, { input: items({ id: 'slow0001' }) });
		expect(error?.message).toMatch(/^Ingestion record \w+ was still "processing" after 1 seconds$/);
		expect(addSidsCalls()).toHaveLength(1);
	});

	it('keeps waiting while the status is a busy name the node does not know, and ends on an unknown name of success', async () => {
		renameStatuses({ processing: 'checking-codes', finished: 'all-good' });
		env.sandbox.options.ingestionDelayMs = 1000;
		const { output, error } = await upload({ source: 'items', pollInterval: 0.1 }, { input: items({ id: 'rename01' }) });
		expect(error).toBeUndefined();
		// Success is reported only once Scantrust is done: the record then holds its results.
		expect(output[0].json).toMatchObject({ status: 'all-good', processed: true });
		expect(output[0].json.record).toMatchObject({ status: 'all-good', result_data: { codes_created: 1 } });
		expect(ingested(output[0].json.recordKey)).toEqual([{ id: 'rename01' }]);
		const reads = apiCalls(env.sandbox, 'GET', new RegExp(`^/api/v2/ingestion/${String(output[0].json.recordKey)}/$`));
		expect(reads.length).toBeGreaterThan(2);
	});

	it('still reports the failure when the busy status has an unknown name', async () => {
		renameStatuses({ processing: 'checking-codes' });
		const { error } = await upload({ source: 'items', pollInterval: 0.1 }, { input: items({ id: 'rename02', product: 'NO-SUCH-SKU' }) });
		expect(error?.message).toMatch(/^Scantrust could not ingest the codes of record \w+: invalid_product_error: NO-SUCH-SKU$/);
	});

	it('legacy: does not process twice when Scantrust processes but answers 502', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /upload\/process\/$/, status: 502, afterHandling: true });
		const { output, error } = await upload({ ingestion: 'legacy', source: 'items' }, { input: items({ id: 'once0001' }) });
		expect(error).toBeUndefined();
		expect(output[0].json.status).toBe('finished');
		expect(processCalls()).toHaveLength(1);
		expect(ingested(output[0].json.recordKey)).toEqual([{ id: 'once0001' }]);
	});

	it('legacy: posts process again after a 503 that processed nothing', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /upload\/process\/$/, status: 503 });
		const { output, error } = await upload({ ingestion: 'legacy', source: 'items' }, { input: items({ id: 'twice001' }) });
		expect(error).toBeUndefined();
		expect(output[0].json.status).toBe('finished');
		expect(processCalls()).toHaveLength(2);
	});

	it('reads the record whether the detail route answers bare or in a list with others', async () => {
		for (const shape of ['bare', 'listWithOthers'] as const) {
			env.sandbox.options.ingestionDetailShape = shape;
			const { output, error } = await upload({ source: 'items' }, { input: items({ id: `shape-${shape}` }) });
			expect(error).toBeUndefined();
			expect(output[0].json.record).toMatchObject({ key: output[0].json.recordKey, status: 'finished' });
		}
	});

	it('names the missing permission on 403', async () => {
		env.sandbox.state.tokens['view-only'] = ['ingestion_view'];
		const { error } = await upload({ source: 'items' }, { input: items({ id: 'perm0001' }), token: 'view-only' });
		expect(error?.message).toMatch(/lacks the permission "ingestion_code_create" \(403\)/);
		expect(storageRequests()).toHaveLength(0);
	});
});

describe('Code Upload > Upload from a file', () => {
	it('uploads a CSV file as it is, paired to its item', async () => {
		const csv = 'id,product,pallet_number,intended_market\nabc12345,sku1,pal1,BE\ndef12345,sku1,pal1,NL\n';
		const { output, error } = await upload({ source: 'file' }, { input: [fileItem(csv, 'batch 7.csv')] });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({ status: 'finished', codeCount: 2, columns: ['id', 'product', 'pallet_number', 'intended_market'], fileName: 'batch 7.csv' });
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(uploadOf(output[0].json.recordKey)!.content.toString()).toBe(csv);
		expect(ingested(output[0].json.recordKey)).toEqual([
			{ id: 'abc12345', product: 'sku1', pallet_number: 'pal1', intended_market: 'BE' },
			{ id: 'def12345', product: 'sku1', pallet_number: 'pal1', intended_market: 'NL' },
		]);
		expect(storageRequests()[0].headers.authorization).toBeUndefined();
	});

	it('converts a JSON file to CSV', async () => {
		const json = JSON.stringify([
			{ id: 'json0001', product: 'P2', activation_status: 2 },
			{ id: 'json0002', batch: 'B-1' },
		]);
		const { output, error } = await upload({ source: 'file', binaryPropertyName: 'codes' }, {
			input: [{ json: {}, binary: { codes: fileItem(json, 'codes.json', 'application/json').binary!.data } }],
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ columns: ['id', 'product', 'activation_status', 'batch'], fileName: 'codes.csv', status: 'finished' });
		expect(bodyOf(addSidsCalls()[0])).toMatchObject({ mode: 'file', filetype: 'csv' });
		expect(ingested(output[0].json.recordKey)).toEqual([
			{ id: 'json0001', product: 'P2', activation_status: '2', batch: '' },
			{ id: 'json0002', product: '', activation_status: '', batch: 'B-1' },
		]);
	});

	it('makes one upload per input file', async () => {
		const { output, error } = await upload(
			{ source: 'file' },
			{ input: [fileItem('id\nfirst001\nfirst002\n', 'a.csv'), fileItem('id\nsecond01\n', 'b.csv')] },
		);
		expect(error).toBeUndefined();
		expect(output.map((item) => [item.json.fileName, item.json.codeCount, item.pairedItem])).toEqual([
			['a.csv', 2, { item: 0 }],
			['b.csv', 1, { item: 1 }],
		]);
		expect(ingested(output[1].json.recordKey)).toEqual([{ id: 'second01' }]);
	});

	it.each([
		['a file that is neither CSV nor JSON', fileItem('id\nabc12345\n', 'codes.txt', 'text/plain'), /^Item 0: the file "codes.txt" \(text\/plain\) is neither a CSV nor a JSON file$/],
		['a CSV without an id column', fileItem('code,product\nabc12345,sku1\n'), /^Item 0: .*"id"/],
		['an empty CSV', fileItem(''), /^Item 0: The CSV file is empty/],
		['an empty JSON array', fileItem('[]', 'codes.json', 'application/json'), /^Item 0: The JSON file is an empty array/],
		['a bad id in line 3', fileItem('id,product\nabc12345,sku1\nab,sku1\n'), /^Item 0: Line 3, field "id": "ab" is 2 characters long/],
		['a duplicate id', fileItem('id\nabc12345\nabc12345\n'), /^Item 0: Line 3, field "id": "abc12345" is a duplicate of line 2/],
		['no binary data', { json: { id: 'abc12345' } }, /expects the node's input data to contain a binary file 'data'/],
	])('rejects %s and uploads nothing', async (_what, item, message) => {
		const { error } = await upload({ source: 'file' }, { input: [item as INodeExecutionData] });
		expect(error?.message).toMatch(message);
		expectNothingUploaded();
	});

	it('rejects a bad activation_status naming the line and column, and uploads nothing', async () => {
		const { error } = await upload({ source: 'file' }, { input: [fileItem('id,activation_status\nabc12345,1\ndef12345,5\n')] });
		expect(error?.message).toBe(
			'Item 0: Line 3, field "activation_status": "5" is not a valid activation_status; it must be 0 (inactive), 1 (active) or 2 (blacklisted), or empty',
		);
		expectNothingUploaded();
	});

	it('with "Allow Posted Duplicates" uploads the file as it is and Scantrust keeps the first', async () => {
		const csv = 'id,n\ndupl1234,first\nuniq1234,x\ndupl1234,second\n';
		const { output, error } = await upload({ source: 'file', options: { allowPostedDuplicates: true } }, { input: [fileItem(csv)] });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ status: 'finished', codeCount: 3, parts: 1 });
		expect(uploadOf(output[0].json.recordKey)!.content.toString()).toBe(csv);
		expect(bodyOf(addSidsCalls()[0])).toMatchObject({ mode: 'file', allow_posted_duplicates: true });
		expect(ingested(output[0].json.recordKey)).toEqual([
			{ id: 'dupl1234', n: 'first' },
			{ id: 'uniq1234', n: 'x' },
		]);
	});

	it('splits a file over 100 MB into parts of at most 100 MB, leaving repeats of an earlier part out of later ones and counting them', async () => {
		// About 105 MB in rows of ~1 kB: two parts. Split rules on small limits are unit-tested with buildFromFile.
		const notes = 'n'.repeat(1000);
		const rows = ids(105_000, 'big').map((id) => `${id},${notes}`);
		rows[60_000] = `big000000,repeat-in-part-1`; // same part as its first occurrence: kept, Scantrust ignores it
		rows[104_000] = `big000001,repeat-in-part-2`; // a later part: left out and counted
		const csv = `id,notes\n${rows.join('\n')}\n`;
		expect(csv.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
		const { output, error } = await upload({ source: 'file', options: { allowPostedDuplicates: true } }, { input: [fileItem(csv, 'big.csv')] });
		expect(error).toBeUndefined();
		expect(output.map((item) => [item.json.status, item.json.fileName, item.json.part, item.json.parts])).toEqual([
			['finished', 'big-part-1-of-2.csv', 1, 2],
			['finished', 'big-part-2-of-2.csv', 2, 2],
		]);
		expect(output.map((item) => item.json.droppedDuplicates)).toEqual([1, 1]);
		expect(output.reduce((n, item) => n + Number(item.json.codeCount), 0)).toBe(105_000 - 1);
		for (const item of output) {
			const content = uploadOf(item.json.recordKey)!.content;
			expect(content.length).toBeLessThanOrEqual(MAX_UPLOAD_BYTES);
			expect(content.toString('utf8', 0, 20).split(/\r?\n/)[0]).toBe('id,notes');
		}
		const [first, second] = output.map((item) => ingested(item.json.recordKey)!.map((row) => String(row.id)));
		expect(first).toContain('big000001');
		expect(second).not.toContain('big000001');
		expect(new Set([...first, ...second]).size).toBe(105_000 - 2);
		expect(first.length + second.length).toBe(105_000 - 2);
	}, 120_000);

	it('refuses an invalid activation_status in "Default SCM Data" before anything is sent', async () => {
		const { error } = await upload({ source: 'file', options: { defaultScmData: '{"activation_status": 5, "pallet": "P1"}' } }, { input: [fileItem('id\ngood0001\n')] });
		expect(error?.message).toBe('Item 0: "Default SCM Data" field "activation_status" is 5; it must be 0 (inactive), 1 (active) or 2 (blacklisted)');
		expectNothingUploaded();
		const items = await upload({ source: 'items', options: { defaultScmData: { activation_status: 'active' } } }, { input: [{ json: { id: 'good0002' } }] });
		expect(items.error?.message).toMatch(/^Item 0: "Default SCM Data" field "activation_status" is "active"/);
		expectNothingUploaded();
	});

	it('checks every file before sending the first', async () => {
		const input = [fileItem('id\ngood0001\n', 'good.csv'), fileItem('id\nbad\n', 'bad.csv')];
		const { error } = await upload({ source: 'file' }, { input });
		expect(error?.message).toMatch(/^Item 1: Line 2, field "id": "bad"/);
		expectNothingUploaded();

		const { output } = await upload({ source: 'file' }, { input, continueOnFail: true });
		expect(output).toHaveLength(2);
		expect(output[0].json).toMatchObject({ fileName: 'good.csv', status: 'finished' });
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(output[1].json.error).toMatch(/^Item 1: Line 2, field "id": "bad"/);
		expect(output[1].pairedItem).toEqual({ item: 1 });
		expect(addSidsCalls()).toHaveLength(1);
	});
});

describe('Code Upload > Process', () => {
	it.each([
		['a record in the wrong state', async () => 'ym0mse71lc7t', PROCESS_ERRORS.wrongState],
		['a record whose file was never uploaded', createRecordWithoutFile, PROCESS_ERRORS.fileNotFound],
	])("shows Scantrust's answer verbatim for %s", async (_what, key, reason) => {
		const recordKey = await key();
		const { error } = await run('process', { recordKey, ...FAST_WAIT });
		expect(error?.message).toBe(`Could not process ingestion record ${recordKey}: ${reason}`);
		expect(error?.httpCode).toBe('400');
		expect(processCalls()).toHaveLength(1);
	});

	it('names an unknown record: the record is read first, to pick the call that processes it', async () => {
		const { error } = await run('process', { recordKey: 'nosuchrecord', ...FAST_WAIT });
		expect(error?.message).toBe('Could not read ingestion record nosuchrecord: Ingestion record nosuchrecord was not found (404)');
		expect(apiCalls(env.sandbox, 'POST', /./)).toHaveLength(0);
	});

	it('legacy: processes an uploaded record with the options and fails with Scantrust\'s reasons when the ingestion ends in error', async () => {
		const uploaded = await upload({ ingestion: 'legacy', source: 'items', processAfterUpload: false }, { input: items({ id: 'proc0001', product: 'UNKNOWN' }) });
		const recordKey = uploaded.output[0].json.recordKey;
		const { error } = await run('process', { recordKey, ...FAST_WAIT, options: { allowPostedDuplicates: true } });
		expect(error?.message).toBe(`Scantrust could not ingest the codes of record ${String(recordKey)}: invalid_product_error: UNKNOWN`);
		expect(JSON.parse(processCalls()[0].body!.toString())).toEqual({ record: recordKey, default_scm_data: {}, allow_posted_duplicates: true });
	});

	it('gives an error item per failing record with Continue On Fail', async () => {
		const { output } = await run('process', { recordKey: '={{ $json.key }}', ...FAST_WAIT }, { input: items({ key: 'nosuchrecord' }, { key: '' }), continueOnFail: true });
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0].json.error).toBe('Could not read ingestion record nosuchrecord: Ingestion record nosuchrecord was not found (404)');
		expect(output[1].json.error).toBe('Item 1: "Record Key" must not be empty');
	});
});

describe('Code Upload > Get and Get Many', () => {
	it('reads a record from the list envelope seed 002 shows, errors included', async () => {
		const { output, error } = await run('get', { recordKey: 'ym0mse71lc7t' });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ key: 'ym0mse71lc7t', status: 'error', result_data: { errors: [{ duplicate_id_error: ['iE4MwAbc1234', 'Bc2m6Xyz5678'] }] } });
	});

	it('names the record key on 404', async () => {
		const { error } = await run('get', { recordKey: 'nosuchrecord' });
		expect(error?.message).toBe('Could not read ingestion record nosuchrecord: Ingestion record nosuchrecord was not found (404)');
	});

	it('lists records with filters and a limit', async () => {
		await upload({ source: 'items', processAfterUpload: false }, { input: items({ id: 'list0001' }) });
		await upload({ source: 'items', processAfterUpload: false }, { input: items({ id: 'list0002' }) });
		const all = await run('getMany', { returnAll: true });
		expect(all.output.map((item) => item.json.status)).toEqual(['uploading', 'uploading', 'error']);

		const errors = await run('getMany', { returnAll: true, filters: { type: 'code', status: 'error', ingestionMode: 'api' } });
		expect(errors.output.map((item) => item.json.key)).toEqual(['ym0mse71lc7t']);
		expect(apiCalls(env.sandbox, 'GET', /^\/api\/v2\/ingestion\/$/).at(-1)!.query).toMatchObject({ type: 'code', status: 'error', ingestion_mode: 'api' });

		const limited = await run('getMany', { returnAll: false, limit: 2, filters: { status: 'uploading' } });
		expect(limited.output).toHaveLength(2);
		expect(limited.output.every((item) => item.json.status === 'uploading')).toBe(true);
	});

	it('filters by any status name as typed (free text: only two names are documented)', async () => {
		const status = new Scantrust().description.properties.find((p) => p.name === 'filters' && p.displayOptions?.show?.resource?.includes('codeUpload'));
		const field = (status?.options as Array<{ name: string; type: string }>).find((o) => o.name === 'status');
		expect(field?.type).toBe('string');

		await upload({ source: 'items', processAfterUpload: false }, { input: items({ id: 'filter01' }) });
		const uploading = await run('getMany', { returnAll: true, filters: { status: ' uploading ' } });
		expect(uploading.output.map((item) => item.json.status)).toEqual(['uploading']);
		expect(apiCalls(env.sandbox, 'GET', /^\/api\/v2\/ingestion\/$/).at(-1)!.query).toMatchObject({ status: 'uploading' });
		const none = await run('getMany', { returnAll: true, filters: { status: 'some-other-name' } });
		expect(none.output).toEqual([]);
	});

	it('names the missing permission on 403', async () => {
		env.sandbox.state.tokens['no-view'] = ['ingestion_code_create'];
		const { error } = await run('getMany', { returnAll: true }, { token: 'no-view' });
		expect(error?.message).toMatch(/lacks the permission "ingestion_view" \(403\)/);
	});
});
