/**
 * Code Upload on Scantrust's current ingestion API (add-sids, create-from-template, process-from-file), each flow and
 * mode over real HTTP against the sandbox, in n8n-core's engine; the legacy flow beside it where a guarantee is shared.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { API_MODE_MAX_BODY_BYTES } from '../../nodes/Scantrust/api/upload';
import { runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';
import { FILE_PROCESS_ERRORS, INGESTION_TEMPLATE_KEYS, PROCESS_ERRORS, SSC_PARTNER_REQUIRED } from '../sandbox';

const env = useSandbox();

const FAST_WAIT = { waitTimeout: 20, pollInterval: 0.2 };

type Extra = { input?: INodeExecutionData[]; continueOnFail?: boolean };

function run(parameters: Record<string, unknown>, extra: Extra = {}) {
	return runScantrustNode({
		parameters: parameters as never,
		credentials: env.credentials(),
		input: extra.input,
		continueOnFail: extra.continueOnFail,
	});
}

const upload = (parameters: Record<string, unknown>, extra: Extra = {}) =>
	run({ resource: 'codeUpload', operation: 'upload', ...FAST_WAIT, ...parameters }, extra);
const processRecord = (recordKey: unknown, parameters: Record<string, unknown> = {}, extra: Extra = {}) =>
	run({ resource: 'codeUpload', operation: 'process', recordKey, ...FAST_WAIT, ...parameters }, extra);

const items = (...rows: Array<Record<string, unknown>>): INodeExecutionData[] => rows.map((json) => ({ json: json as never }));
const idItems = (ids: string[]) => items(...ids.map((id) => ({ id })));

function fileItem(content: string, fileName = 'codes.csv', mimeType = 'text/csv'): INodeExecutionData {
	return { json: {}, binary: { data: { data: Buffer.from(content, 'utf8').toString('base64'), mimeType, fileName } } };
}

const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);

const posts = (path: RegExp) => apiCalls(env.sandbox, 'POST', path);
const addSidsCalls = () => posts(/\/codes\/add-sids\/$/);
const fromTemplateCalls = () => posts(/\/codes\/create-from-template\/$/);
const processFromFileCalls = () => posts(/\/codes\/process-from-file\/$/);
const legacyCalls = () => posts(/\/codes\/upload\//);
const ingestionPosts = () => posts(/^\/api\/v2\/ingestion\//);
const storageRequests = () => env.sandbox.requests.filter((r) => r.origin === 'storage');
const bodyOf = (request: { body?: Buffer }) => JSON.parse(request.body!.toString()) as Record<string, unknown>;
const ingested = (recordKey: unknown) => env.sandbox.state.ingestedCodes.get(String(recordKey));
const recordOf = (recordKey: unknown) => env.sandbox.state.ingestionRecords.find((r) => r.key === recordKey);

function expectNothingSent(): void {
	expect(ingestionPosts()).toHaveLength(0);
	expect(storageRequests()).toHaveLength(0);
}

/** Reads the work order an upload made through the node (Work Order > Get), and its codes from the sandbox. */
async function followToWorkOrder(workOrderId: unknown) {
	expect(typeof workOrderId).toBe('number');
	const { output, error } = await run({ resource: 'workOrder', operation: 'get', workOrderId });
	expect(error).toBeUndefined();
	return { workOrder: output[0].json, codes: env.sandbox.codesFor(Number(workOrderId)) };
}

/** GS1 element strings: GTIN 09506000134352 (check digit valid), AI 21 serial. */
const gs1Ids = (n: number) => Array.from({ length: n }, (_, i) => `010950600013435221SER${String(i).padStart(5, '0')}`);

afterEach(() => {
	env.sandbox.options.postFormTtlMs = 30 * 60 * 1000;
	env.sandbox.options.uploadFormShape = 'postData';
	env.sandbox.options.ingestionDelayMs = 300;
});

describe('Upload with Add SIDs, the default', () => {
	it('api mode: items travel in the request body (no storage) and are followed to their work order', async () => {
		const input = items(
			{ id: 'api00001', product: 'sku1', pallet_number: 'P1' },
			{ id: 'api00002', product: 'sku1', pallet_number: 'P1', activation_status: 1 },
			{ id: 'api00003', pallet_number: 'P2' },
		);
		const { output, error } = await upload(
			{ source: 'items', additionalFields: { urlPrefix: 'HTTPS://MY.BRAND/Q/', defaultScmData: '{"activation_status": 1}' } },
			{ input },
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({ status: 'finished', processed: true, codeCount: 3, parts: 1, ingestionMode: 'api', droppedDuplicates: 0 });
		expect(output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);

		expect(addSidsCalls().map(bodyOf)).toEqual([
			{
				mode: 'api',
				codes: [
					{ id: 'api00001', product: 'sku1', pallet_number: 'P1' },
					{ id: 'api00002', product: 'sku1', pallet_number: 'P1', activation_status: 1 },
					{ id: 'api00003', pallet_number: 'P2' },
				],
				default_scm_data: { activation_status: 1 },
				allow_posted_duplicates: false,
				id_format: 'default',
				url_prefix: 'HTTPS://MY.BRAND/Q/',
			},
		]);
		expect(ingestionPosts()).toHaveLength(1);
		expect(storageRequests()).toHaveLength(0);
		expect(addSidsCalls()[0].headers.authorization).toBe(`UAT ${env.sandbox.token}`);

		const { workOrder, codes } = await followToWorkOrder(output[0].json.workOrderId);
		expect(workOrder).toMatchObject({ state: 'completed', quantity: 3, url_prefix: 'HTTPS://MY.BRAND/Q/' });
		expect(codes.map((code) => [code.extendedId, code.url])).toEqual([
			['api00001', 'HTTPS://MY.BRAND/Q/api00001'],
			['api00002', 'HTTPS://MY.BRAND/Q/api00002'],
			['api00003', 'HTTPS://MY.BRAND/Q/api00003'],
		]);
		expect(env.sandbox.code('api00003')).toMatchObject({ activation_status: 1 });
	});

	it('file mode: a file goes through its upload form (every field, no token at storage), then process-from-file once, to its work order', async () => {
		const csv = 'id;product;pallet_number\r\nfile0001;sku1;A\r\nfile0002;P2;B\r\n';
		const { output, error } = await upload({ source: 'file' }, { input: [fileItem(csv, 'pallets.csv')] });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ status: 'finished', codeCount: 2, fileName: 'pallets.csv', ingestionMode: 'file', processed: true });
		const recordKey = output[0].json.recordKey;

		expect(addSidsCalls().map(bodyOf)).toEqual([
			{ mode: 'file', filetype: 'csv', default_scm_data: {}, allow_posted_duplicates: false, id_format: 'default' },
		]);
		expect(processFromFileCalls().map(bodyOf)).toEqual([{ record: recordKey }]);
		expect(legacyCalls()).toHaveLength(0);

		const form = env.sandbox.state.postForms.get(`ingestion/${String(recordKey)}.csv`)!;
		const stored = env.sandbox.state.uploads.get(form.objectKey)!;
		expect(Object.keys(stored.fields)).toEqual(Object.keys(form.fields));
		expect(stored.fields).toEqual(form.fields);
		const [storagePost] = storageRequests();
		expect(storagePost.headers.authorization).toBeUndefined();
		expect(JSON.stringify(storagePost.headers) + storagePost.body!.toString('latin1')).not.toContain(env.sandbox.token);

		expect(recordOf(recordKey)).toMatchObject({ ingestion_mode: 'file', status: 'finished' });
		expect(ingested(recordKey)).toEqual([
			{ id: 'file0001', product: 'sku1', pallet_number: 'A' },
			{ id: 'file0002', product: 'P2', pallet_number: 'B' },
		]);
		const { codes } = await followToWorkOrder(output[0].json.workOrderId);
		expect(codes.map((code) => code.extendedId)).toEqual(['file0001', 'file0002']);
	});

	it(`items whose request body would pass ${API_MODE_MAX_BODY_BYTES} bytes go through an upload form instead`, async () => {
		// {"id":"bodysize-000000"}, is 25 bytes: 39,500 codes fit in the body, 40,500 do not.
		const small = await upload({ source: 'items' }, { input: idItems(ids(39_500, 'bodysize-')) });
		expect(small.error).toBeUndefined();
		expect(small.output[0].json).toMatchObject({ ingestionMode: 'api', codeCount: 39_500, status: 'finished' });
		const smallBody = addSidsCalls()[0].body!;
		expect(smallBody.length).toBeLessThanOrEqual(API_MODE_MAX_BODY_BYTES);
		expect(smallBody.length).toBeGreaterThan(API_MODE_MAX_BODY_BYTES * 0.98);

		const large = await upload({ source: 'items' }, { input: idItems(ids(40_500, 'bodylarg-')) });
		expect(large.error).toBeUndefined();
		expect(large.output[0].json).toMatchObject({ ingestionMode: 'file', codeCount: 40_500, status: 'finished' });
		expect(bodyOf(addSidsCalls()[1])).toMatchObject({ mode: 'file' });
		expect(processFromFileCalls()).toHaveLength(1);
		expect(ingested(large.output[0].json.recordKey)).toHaveLength(40_500);
	}, 60_000);

	it('"Process After Upload" off: the file waits as "uploading"; Process takes it through process-from-file to its work order', async () => {
		const uploaded = await upload(
			{ source: 'items', processAfterUpload: false, additionalFields: { defaultScmData: '{"product": "sku1"}' } },
			{ input: idItems(['later001', 'later002']) },
		);
		expect(uploaded.error).toBeUndefined();
		expect(uploaded.output[0].json).toMatchObject({ status: 'uploading', processed: false, ingestionMode: 'file', workOrderId: null });
		expect(processFromFileCalls()).toHaveLength(0);

		const recordKey = uploaded.output[0].json.recordKey;
		const processed = await processRecord(recordKey);
		expect(processed.error).toBeUndefined();
		expect(processed.output[0].json).toMatchObject({ key: recordKey, status: 'finished' });
		expect(processFromFileCalls().map(bodyOf)).toEqual([{ record: recordKey }]);
		expect(legacyCalls()).toHaveLength(0);
		const workOrderId = (processed.output[0].json.result_data as { workorder_id: number }).workorder_id;
		const { workOrder } = await followToWorkOrder(workOrderId);
		expect(workOrder).toMatchObject({ quantity: 2, product: expect.objectContaining({ sku: 'sku1' }) });
	});

	it('Process refuses options a file record was not made with, before posting; the same options are fine', async () => {
		const uploaded = await upload({ source: 'items', processAfterUpload: false, additionalFields: { allowPostedDuplicates: true } }, { input: idItems(['opts0001']) });
		const recordKey = uploaded.output[0].json.recordKey;

		const refused = await processRecord(recordKey, { options: { defaultScmData: '{"activation_status": 1}', allowPostedDuplicates: true } });
		expect(refused.error?.message).toBe(`Item 0: ingestion record ${String(recordKey)} takes no "Default SCM Data" when processed; it was made with other values`);
		expect(String(refused.error?.description)).toMatch(/set them in the Upload node's Additional Fields.*Nothing was processed\./);
		expect(processFromFileCalls()).toHaveLength(0);

		const same = await processRecord(recordKey, { options: { allowPostedDuplicates: true } });
		expect(same.error).toBeUndefined();
		expect(same.output[0].json).toMatchObject({ status: 'finished' });
	});

	it('does not process twice when process-from-file is handled but answered 502', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /process-from-file\/$/, status: 502, afterHandling: true });
		const { output, error } = await upload({ source: 'file' }, { input: [fileItem('id\nonce0001\n')] });
		expect(error).toBeUndefined();
		expect(output[0].json.status).toBe('finished');
		expect(processFromFileCalls()).toHaveLength(1);
	});

	it('never repeats an api-mode request that got no answer, and says how to check before running again', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /add-sids\/$/, status: 502, afterHandling: true });
		const { error } = await upload({ source: 'items' }, { input: idItems(['lost0001']) });
		expect(error?.message).toMatch(/^Could not add 1 code \(add-sids\): Scantrust answered 502/);
		expect(String(error?.description)).toMatch(/may have taken the codes anyway.*Code Upload > Get Many/);
		expect(addSidsCalls()).toHaveLength(1);
		// It had taken them: the record exists and a work order will follow.
		expect(env.sandbox.state.ingestionRecords.at(-1)).toMatchObject({ ingestion_mode: 'api' });
	});

	it('takes the upload form from either answer layout: {post_data: {url, fields}, record_key} or {url, fields, record_key}', async () => {
		for (const shape of ['flat', 'postData'] as const) {
			env.sandbox.options.uploadFormShape = shape;
			const { output, error } = await upload({ source: 'file' }, { input: [fileItem(`id\nshape-${shape}\n`)] });
			expect(error).toBeUndefined();
			expect(output[0].json).toMatchObject({ status: 'finished', ingestionMode: 'file' });
		}
		expect(storageRequests()).toHaveLength(2);
	});

	it('an expired upload form: storage refuses, nothing is processed, the message says why and what to do', async () => {
		env.sandbox.options.postFormTtlMs = 0;
		const { error } = await upload({ source: 'file' }, { input: [fileItem('id\nlate0001\n')] });
		expect(error?.message).toMatch(/Policy expired/);
		expect(String(error?.description)).toMatch(/valid for about 30 minutes\. Run the node again; nothing was processed yet\./);
		expect(processFromFileCalls()).toHaveLength(0);
		expect(env.sandbox.state.uploads.size).toBe(0);
		expect(env.sandbox.state.ingestionRecords.at(-1)).toMatchObject({ status: 'uploading' });
		expect(env.sandbox.state.workOrders.some((wo) => wo.reference.startsWith('Code upload'))).toBe(false);
	});

	it('ID Format gs1 goes to Scantrust, which checks the ids against it', async () => {
		const good = await upload({ source: 'items', additionalFields: { idFormat: 'gs1' } }, { input: idItems(gs1Ids(2)) });
		expect(good.error).toBeUndefined();
		expect(bodyOf(addSidsCalls()[0])).toMatchObject({ id_format: 'gs1' });
		expect(good.output[0].json).toMatchObject({ status: 'finished' });

		const bad = await upload({ source: 'file', additionalFields: { idFormat: 'gs1' } }, { input: [fileItem('id\nnotgs1-0001\n')] });
		expect(bad.error?.message).toMatch(/^Scantrust could not ingest the codes of record \w+: invalid_id_error: notgs1-0001$/);
	});

	it('a workflow saved before the Ingestion choice keeps working: its Options reach Scantrust on the default flow', async () => {
		// The parameters as such a workflow stores them: no "ingestion", no "additionalFields".
		const saved = { source: 'items', idField: 'id', processAfterUpload: true, waitForCompletion: true, options: { allowPostedDuplicates: true, defaultScmData: '{"product": "sku1"}', urlPrefix: 'https://old.example/q/' } };
		const { output, error } = await upload(saved, { input: idItems(['saved001', 'saved001', 'saved002']) });
		expect(error).toBeUndefined();
		expect(bodyOf(addSidsCalls()[0])).toMatchObject({
			mode: 'api',
			allow_posted_duplicates: true,
			default_scm_data: { product: 'sku1' },
			url_prefix: 'https://old.example/q/',
		});
		const { workOrder } = await followToWorkOrder(output[0].json.workOrderId);
		expect(workOrder).toMatchObject({ quantity: 2, url_prefix: 'https://old.example/q/' });

		// A field set in Additional Fields wins over the saved option of the same name.
		await upload({ ...saved, additionalFields: { urlPrefix: 'https://new.example/q/' } }, { input: idItems(['saved003']) });
		expect(bodyOf(addSidsCalls()[1])).toMatchObject({ url_prefix: 'https://new.example/q/', allow_posted_duplicates: true });
	});
});

describe('Upload From Ingestion Template', () => {
	const template = (key: string, more: Record<string, unknown> = {}) => ({ ingestion: 'fromTemplate', ingestionTemplateKey: key, ...more });

	it('api mode with a SID template: the record names the template, the codes are followed to their work order', async () => {
		const { output, error } = await upload({ source: 'items', ...template(INGESTION_TEMPLATE_KEYS.sid) }, { input: idItems(['tmpl0001', 'tmpl0002']) });
		expect(error).toBeUndefined();
		expect(fromTemplateCalls().map(bodyOf)).toEqual([
			{ mode: 'api', template: INGESTION_TEMPLATE_KEYS.sid, codes: [{ id: 'tmpl0001' }, { id: 'tmpl0002' }], default_scm_data: {}, allow_posted_duplicates: false, id_format: 'default' },
		]);
		expect(addSidsCalls()).toHaveLength(0);
		expect(output[0].json.record).toMatchObject({ template: { key: INGESTION_TEMPLATE_KEYS.sid } });
		const { workOrder, codes } = await followToWorkOrder(output[0].json.workOrderId);
		expect(workOrder).toMatchObject({ state: 'completed', url_prefix: 'HTTPS://QR2.CH/Q/' });
		expect(codes.map((code) => code.extendedId)).toEqual(['tmpl0001', 'tmpl0002']);
	});

	it("an SSC template without a printing partner: Scantrust's 400 shown clearly, naming the node's field; nothing else sent", async () => {
		const { error } = await upload({ source: 'items', ...template(INGESTION_TEMPLATE_KEYS.sscNoPartner) }, { input: idItems(['sscx0001']) });
		expect(error?.message).toBe(`Could not add 1 code with ingestion template "${INGESTION_TEMPLATE_KEYS.sscNoPartner}": printing_partner: ${SSC_PARTNER_REQUIRED}`);
		expect(error?.httpCode).toBe('400');
		expect(String(error?.description)).toMatch(/printing_partner is "Printing Partner ID" \(Additional Fields\)\./);
		expect(fromTemplateCalls()).toHaveLength(1);
		expect(storageRequests()).toHaveLength(0);
		expect(env.sandbox.state.ingestionRecords).toHaveLength(1);
	});

	it('an SSC template with a Printing Partner ID, or one whose template names the partner, makes that partner\'s work order', async () => {
		const named = await upload(
			{ source: 'file', ...template(INGESTION_TEMPLATE_KEYS.sscNoPartner, { additionalFields: { printingPartnerId: '3' } }) },
			{ input: [fileItem('id\nsscp0001\nsscp0002\n')] },
		);
		expect(named.error).toBeUndefined();
		expect(bodyOf(fromTemplateCalls()[0])).toMatchObject({ mode: 'file', template: INGESTION_TEMPLATE_KEYS.sscNoPartner, printing_partner: 3 });
		expect(processFromFileCalls()).toHaveLength(1);
		expect((await followToWorkOrder(named.output[0].json.workOrderId)).workOrder).toMatchObject({ printing_partner: { id: 3 }, code_layout: 'sg-outside' });

		const byTemplate = await upload({ source: 'items', ...template(INGESTION_TEMPLATE_KEYS.sscWithPartner) }, { input: idItems(['sscp0003']) });
		expect(byTemplate.error).toBeUndefined();
		expect((await followToWorkOrder(byTemplate.output[0].json.workOrderId)).workOrder).toMatchObject({ printing_partner: { id: 346 } });
	});

	it('an unknown template key: the 400 names the node field; an empty key is refused before any request', async () => {
		const unknown = await upload({ source: 'items', ...template('no-such-key') }, { input: idItems(['tkey0001']) });
		expect(unknown.error?.message).toBe('Could not add 1 code with ingestion template "no-such-key": template: Object with key=no-such-key does not exist.');
		expect(String(unknown.error?.description)).toMatch(/template is "Ingestion Template Key"\./);

		env.sandbox.requests.length = 0;
		const empty = await upload({ source: 'items', ...template('  ') }, { input: idItems(['tkey0002']) });
		expect(empty.error?.message).toBe('Item 0: "Ingestion Template Key" must not be empty');
		expectNothingSent();
	});

	it('a Printing Partner ID that is no number is refused before any request', async () => {
		const { error } = await upload({ source: 'items', ...template(INGESTION_TEMPLATE_KEYS.sscNoPartner, { additionalFields: { printingPartnerId: 'Label Printers' } }) }, { input: idItems(['tkey0003']) });
		expect(error?.message).toMatch(/^Item 0: "Printing Partner ID" must be a numeric Scantrust id/);
		expectNothingSent();
	});
});

/** Every flow and mode: how to choose it, and the call that carries the codes. */
const FLOWS = [
	{ name: 'Add SIDs, api mode (items)', parameters: { source: 'items' }, asFile: false, carrier: addSidsCalls, mode: 'api' },
	{ name: 'Add SIDs, file mode (file)', parameters: { source: 'file' }, asFile: true, carrier: addSidsCalls, mode: 'file' },
	{ name: 'template, api mode (items)', parameters: { source: 'items', ingestion: 'fromTemplate', ingestionTemplateKey: INGESTION_TEMPLATE_KEYS.sid }, asFile: false, carrier: fromTemplateCalls, mode: 'api' },
	{ name: 'template, file mode (file)', parameters: { source: 'file', ingestion: 'fromTemplate', ingestionTemplateKey: INGESTION_TEMPLATE_KEYS.sid }, asFile: true, carrier: fromTemplateCalls, mode: 'file' },
	{ name: 'legacy (items)', parameters: { source: 'items', ingestion: 'legacy' }, asFile: false, carrier: () => posts(/get-post-data\/$/), mode: 'file' },
	{ name: 'legacy (file)', parameters: { source: 'file', ingestion: 'legacy' }, asFile: true, carrier: () => posts(/get-post-data\/$/), mode: 'file' },
] as const;

const inputOf = (asFile: boolean, codeIds: string[]) => (asFile ? [fileItem(`id\n${codeIds.join('\n')}\n`)] : idItems(codeIds));

describe.each(FLOWS)('$name', ({ parameters, asFile, carrier, mode }) => {
	it('refuses invalid ids before any request', async () => {
		const { error } = await upload(parameters, { input: inputOf(asFile, ['good0001', 'bad id', 'short']) });
		expect(error?.message).toMatch(/^(Item 0: )?2 problems in the codes to upload: (Item 1|Line 3), field "id": "bad id" contains " " \(a space\)/);
		expectNothingSent();
	});

	it('refuses duplicates before any request, unless "Allow Posted Duplicates": then Scantrust keeps the first', async () => {
		const codes = ['dupe0001', 'dupe0002', 'dupe0001'];
		const refused = await upload(parameters, { input: inputOf(asFile, codes) });
		expect(refused.error?.message).toMatch(/"dupe0001" is a duplicate of (item 0|line 2)/);
		expectNothingSent();

		const allowed = await upload({ ...parameters, additionalFields: { allowPostedDuplicates: true } }, { input: inputOf(asFile, codes) });
		expect(allowed.error).toBeUndefined();
		expect(allowed.output[0].json).toMatchObject({ status: 'finished', codeCount: 3, ingestionMode: mode });
		expect(carrier()).toHaveLength(1);
		expect(ingested(allowed.output[0].json.recordKey)?.map((row) => row.id)).toEqual(['dupe0001', 'dupe0002']);
		const workOrder = env.sandbox.state.workOrders.find((wo) => wo.reference === `Code upload ${String(allowed.output[0].json.recordKey)}`);
		expect(workOrder?.quantity).toBe(2);
	});
});

describe('Process of a record in the wrong state', () => {
	it("shows process-from-file's answer verbatim for a file record already processed", async () => {
		const { output } = await upload({ source: 'file' }, { input: [fileItem('id\ndone0001\n')] });
		const recordKey = output[0].json.recordKey;
		const { error } = await processRecord(recordKey);
		expect(error?.message).toBe(`Could not process ingestion record ${String(recordKey)}: ${FILE_PROCESS_ERRORS.wrongState}`);
		expect(error?.httpCode).toBe('400');
		expect(processFromFileCalls()).toHaveLength(2);
	});

	it("sends a record that is no file record to the legacy process call and shows that answer", async () => {
		const { output } = await upload({ source: 'items' }, { input: idItems(['done0002']) });
		const { error } = await processRecord(output[0].json.recordKey);
		expect(error?.message).toBe(`Could not process ingestion record ${String(output[0].json.recordKey)}: ${PROCESS_ERRORS.wrongState}`);
		expect(processFromFileCalls()).toHaveLength(0);
	});
});

describe('Continue On Fail', () => {
	it('upload: the SSC 400 becomes one error item paired to all inputs', async () => {
		const { output, error } = await upload(
			{ source: 'items', ingestion: 'fromTemplate', ingestionTemplateKey: INGESTION_TEMPLATE_KEYS.sscNoPartner },
			{ input: idItems(['cof00001', 'cof00002']), continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({ error: expect.stringContaining(SSC_PARTNER_REQUIRED), httpCode: '400' });
		expect(output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('upload of files: an expired form fails its own item, the others are uploaded', async () => {
		const input = [fileItem('id\ncoff0001\n', 'a.csv'), fileItem('id\ncoff0002\n', 'b.csv')];
		env.sandbox.faults.push({ method: 'POST', path: /^\/st-media-upload\/$/, status: 403, body: '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>' });
		const { output } = await upload({ source: 'file' }, { input, continueOnFail: true });
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0].json.error).toMatch(/Policy expired/);
		expect(output[1].json).toMatchObject({ fileName: 'b.csv', status: 'finished' });
	});

	it('process: an error item for the record in the wrong state, the record of the other item processed', async () => {
		const first = await upload({ source: 'items', processAfterUpload: false }, { input: idItems(['cofp0001']) });
		const waiting = first.output[0].json.recordKey;
		const { output } = await processRecord('={{ $json.key }}', {}, { input: items({ key: 'ym0mse71lc7t' }, { key: waiting }), continueOnFail: true });
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0].json).toMatchObject({ error: `Could not process ingestion record ym0mse71lc7t: ${PROCESS_ERRORS.wrongState}`, httpCode: '400' });
		expect(output[1].json).toMatchObject({ key: waiting, status: 'finished' });
	});
});
