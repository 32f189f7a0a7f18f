import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

import AdmZip from 'adm-zip';

import { DOWNLOAD_FILE_PREFIX } from '../../nodes/Scantrust/transport/download';
import { binaryBuffer, runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';

const SID_TEMPLATE = 101;
const SSC_WAITING_FOR_PRINTER = 5003;

const env = useSandbox();

function download(workOrderId: unknown, parameters: Record<string, unknown> = {}, extra: { continueOnFail?: boolean; input?: { json: object }[] } = {}) {
	return runScantrustNode({
		parameters: { resource: 'workOrder', operation: 'download', workOrderId, ...parameters } as never,
		credentials: env.credentials(),
		continueOnFail: extra.continueOnFail,
		input: extra.input as never,
	});
}

/** A work order whose codes are generated. */
function readyWorkOrder(quantity: number): number {
	const workOrder = env.sandbox.createWorkOrder({ template: SID_TEMPLATE, quantity });
	env.sandbox.completeGeneration(workOrder.id);
	return workOrder.id;
}

function expectedBatches(id: number) {
	const batches = new Map<number, object[]>();
	for (const { batch, ...code } of env.sandbox.codesFor(id)) {
		if (!batches.has(batch)) batches.set(batch, []);
		batches.get(batch)!.push(code);
	}
	return [...batches.entries()].map(([batch, codes]) => ({ batch, codes }));
}

const storageRequests = () => env.sandbox.requests.filter((request) => request.origin === 'storage');
const workOrderReads = (id: number) => apiCalls(env.sandbox, 'GET', new RegExp(`^/api/v2/workorders/${id}/$`));
const workOrder = (id: number) => env.sandbox.state.workOrders.find((wo) => wo.id === id)!;

/** Serves the work order's archive from the API's own origin under `path` (as a Django media URL would). */
async function serveArchiveFromApi(id: number, path: string): Promise<void> {
	const zip = Buffer.from(await (await fetch(workOrder(id).codegen_file!)).arrayBuffer());
	env.sandbox.faults.push({ method: 'GET', path, status: 200, body: zip });
}

/** The work order's codes as the lines of a batch file, in order. */
function expectedRows(id: number): string[] {
	return env.sandbox.codesFor(id).map((code) => [code.extendedId, code.serialNumber, code.sequenceNumber, code.batch, code.url].join(','));
}

/** Every line after the header of each item's batch file, in item order. */
async function batchFileRows(output: { binary?: Record<string, unknown> }[]): Promise<string[]> {
	const rows: string[] = [];
	for (const item of output) {
		const lines = (await binaryBuffer(item as never, 'data')).toString('utf8').split('\n');
		expect(lines[0]).toBe('extended_id,serial_number,sequence_number,batch,url');
		expect(lines.pop()).toBe(''); // ends with a line break
		rows.push(...lines.slice(1));
	}
	return rows;
}

/** The temporary archive files of this process (other processes may be downloading at the same time). */
const ourDownloadFiles = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`${DOWNLOAD_FILE_PREFIX}${process.pid}-`));

afterEach(() => {
	env.sandbox.options.generationDelayMs = 300;
	// Whatever the run gave (items, a damaged archive, an HTML page, an error answer), the downloaded archive is gone.
	expect(ourDownloadFiles()).toEqual([]);
});

describe('Work Order > Download', () => {
	it('gives by default one item per batch with its counts, first and last numbers and the batch as a CSV file', async () => {
		const id = readyWorkOrder(45_000);
		const { output, error } = await download(String(id));
		expect(error).toBeUndefined();
		const codes = env.sandbox.codesFor(id);
		const manifest = output[0].json.manifest;
		expect((manifest as { workorder: { id: number } }).workorder.id).toBe(id);
		expect(output.map((item) => item.json)).toEqual(
			[
				[1, 0, 20_000],
				[2, 20_000, 20_000],
				[3, 40_000, 5_000],
			].map(([batch, from, count]) => ({
				workOrderId: id,
				batch,
				codeCount: count,
				firstSequenceNumber: codes[from].sequenceNumber,
				lastSequenceNumber: codes[from + count - 1].sequenceNumber,
				firstExtendedId: codes[from].extendedId,
				lastExtendedId: codes[from + count - 1].extendedId,
				fileName: `work-order-${id}-batch-${batch}.csv`,
				manifest,
			})),
		);
		expect(output[2].json.lastSequenceNumber).toBe('0045000');
		expect(output.map((item) => [item.binary?.data.fileName, item.binary?.data.mimeType])).toEqual(
			[1, 2, 3].map((batch) => [`work-order-${id}-batch-${batch}.csv`, 'text/csv']),
		);
		expect(await batchFileRows(output)).toEqual(expectedRows(id));
		expect(output.every((item) => item.pairedItem && (item.pairedItem as { item: number }).item === 0)).toBe(true);
	});

	it('with "Codes in JSON" on also lists every code of the 45,000, the files unchanged', async () => {
		const id = readyWorkOrder(45_000);
		const plain = await download(String(id));
		const { output, error } = await download(String(id), { options: { codesInJson: true } });
		expect(error).toBeUndefined();
		expect(output.map((item) => [item.json.batch, item.json.codeCount])).toEqual([
			[1, 20_000],
			[2, 20_000],
			[3, 5_000],
		]);
		expect(output.map((item) => ({ batch: item.json.batch, codes: item.json.codes }))).toEqual(expectedBatches(id));
		// The same item as without the option, plus the codes.
		output.forEach((item, i) => {
			const { codes, ...rest } = item.json;
			expect(codes).toHaveLength(Number(item.json.codeCount));
			expect(rest).toEqual(plain.output[i].json);
		});
		expect(await batchFileRows(output)).toEqual(expectedRows(id));
	});

	it('keeps leading zeros of serial and sequence numbers', async () => {
		const id = readyWorkOrder(30);
		const { output } = await download(String(id), { options: { codesInJson: true } });
		const [first] = output[0].json.codes as { serialNumber: string; sequenceNumber: string; url: string; extendedId: string }[];
		expect(first.serialNumber).toMatch(/^0+\d+$/);
		expect(first.sequenceNumber).toMatch(/^0+1$/);
		expect(first.url).toBe(`HTTPS://QR2.CH/Q/${first.extendedId}`);
		expect([output[0].json.firstSequenceNumber, output[0].json.lastSequenceNumber]).toEqual(['0000001', '0000030']);
		const [row] = await batchFileRows(output);
		expect(row.split(',').slice(1, 3)).toEqual([first.serialNumber, first.sequenceNumber]);
	});

	it('attaches the manifest and the sample image', async () => {
		const id = readyWorkOrder(25);
		const { output } = await download(String(id));
		const [item] = output;
		expect((item.json.manifest as { workorder: { id: number } }).workorder.id).toBe(id);
		expect(JSON.parse((await binaryBuffer(item, 'manifest')).toString('utf8'))).toEqual(item.json.manifest);
		expect(item.binary?.sampleImage.fileName).toBe('sample_qr.tiff');
		expect((await binaryBuffer(item, 'sampleImage')).subarray(0, 2).toString('latin1')).toMatch(/II|MM/);
	});

	it('leaves the attachments out when the options are off', async () => {
		const id = readyWorkOrder(25);
		const { output } = await download(String(id), { options: { batchCsv: false, codesInJson: true, manifest: false, sampleImage: false } });
		expect(output[0].binary).toBeUndefined();
		expect(output[0].json).not.toHaveProperty('manifest');
		expect(output[0].json).not.toHaveProperty('fileName');
		expect(output[0].json.codes).toHaveLength(25);
	});

	it('refuses batches with neither the CSV file nor the codes in JSON, before downloading', async () => {
		const id = readyWorkOrder(5);
		const before = env.sandbox.requests.length;
		for (const options of [{ batchCsv: false }, { batchCsv: false, codesInJson: false }]) {
			const { error } = await download(String(id), { options });
			expect(error?.message).toBe('Item 0: with "Batch CSV File" and "Codes in JSON" both off, the batches would hold no codes');
		}
		expect(env.sandbox.requests).toHaveLength(before);
	});

	it('gives one item per code with output "codes"', async () => {
		const id = readyWorkOrder(21_000);
		const { output } = await download(String(id), { output: 'codes' });
		expect(output).toHaveLength(21_000);
		const expected = env.sandbox.codesFor(id);
		expect(expected[20_000].batch).toBe(2);
		expect(output[20_000].json).toEqual({ workOrderId: id, ...expected[20_000] });
		expect(Object.keys(output[1].json).sort()).toEqual(['batch', 'extendedId', 'sequenceNumber', 'serialNumber', 'url', 'workOrderId']);
	});

	it('gives the archive itself with output "archive"', async () => {
		const id = readyWorkOrder(40);
		const { output } = await download(String(id), { output: 'archive' });
		expect(output).toHaveLength(1);
		const zip = new AdmZip(await binaryBuffer(output[0], 'data'));
		expect(zip.getEntries().map((entry) => entry.entryName)).toEqual(expect.arrayContaining([expect.stringMatching(/^work order \d+ \w+\/codes\.csv$/)]));
		expect(output[0].binary?.data.mimeType).toBe('application/zip');
	});

	it.each([
		['a header row, CRLF and a BOM', { header: true, crlf: true, bom: true }],
		['no header row', { header: false }],
		['files at the root of the zip', { folderName: '' }],
	])('reads codes.csv with %s', async (_name, archiveOptions) => {
		const id = readyWorkOrder(50);
		env.sandbox.setArchiveOptions(id, archiveOptions);
		const { output, error } = await download(String(id), { options: { codesInJson: true } });
		expect(error).toBeUndefined();
		expect(output.map((item) => ({ batch: item.json.batch, codes: item.json.codes }))).toEqual(expectedBatches(id));
		expect(await batchFileRows(output)).toEqual(expectedRows(id));
	});

	it('never sends the UAT token to the archive host', async () => {
		const id = readyWorkOrder(10);
		await download(String(id));
		expect(storageRequests().length).toBeGreaterThan(0);
		for (const request of storageRequests()) {
			expect(request.headers.authorization).toBeUndefined();
			expect(JSON.stringify(request.headers)).not.toContain(env.sandbox.token);
		}
	});

	it('waits until the codes are ready when asked to', async () => {
		env.sandbox.options.generationDelayMs = 1000;
		const { id } = env.sandbox.createWorkOrder({ template: SID_TEMPLATE, quantity: 10 });
		const { output, error } = await download(String(id), { waitForCompletion: true, pollInterval: 0.1, waitTimeout: 10 });
		expect(error).toBeUndefined();
		expect(output[0].json.codeCount).toBe(10);
		// The first read came before generation finished (not ready), a later one after it.
		const reads = workOrderReads(id);
		expect(reads.length).toBeGreaterThanOrEqual(2);
		const completedAt = Date.parse(workOrder(id).date_codes_completed!);
		expect(reads[0].at).toBeLessThan(completedAt);
		expect(reads.at(-1)!.at).toBeGreaterThanOrEqual(completedAt);
	});

	it('fails at once, naming the state, for a canceled work order instead of waiting out the time-out', async () => {
		workOrder(SSC_WAITING_FOR_PRINTER).state = 'canceled';
		const started = Date.now();
		const { error } = await download(String(SSC_WAITING_FOR_PRINTER), { waitForCompletion: true, waitTimeout: 30, pollInterval: 0.2 });
		expect(Date.now() - started).toBeLessThan(5000);
		expect(error?.message).toBe(
			`Item 0: work order ${SSC_WAITING_FOR_PRINTER} is "canceled" and has no codes archive: its codes will never be ready`,
		);
		expect(String(error?.description)).toMatch(/state "canceled", codegen_status 1/);
		expect(workOrderReads(SSC_WAITING_FOR_PRINTER)).toHaveLength(1);
		expect(storageRequests()).toHaveLength(0);
	});

	it('stops waiting when the work order is canceled while the node waits', async () => {
		setTimeout(() => (workOrder(SSC_WAITING_FOR_PRINTER).state = 'canceled'), 500);
		const started = Date.now();
		const { error } = await download(String(SSC_WAITING_FOR_PRINTER), { waitForCompletion: true, waitTimeout: 30, pollInterval: 0.1 });
		expect(Date.now() - started).toBeLessThan(5000);
		expect(error?.message).toMatch(/work order 5003 is "canceled" and has no codes archive/);
		expect(workOrderReads(SSC_WAITING_FOR_PRINTER).length).toBeGreaterThanOrEqual(2);
	});

	it('fails with the state when the codes are not ready and waiting is off', async () => {
		const { error } = await download(String(SSC_WAITING_FOR_PRINTER), { waitForCompletion: false });
		expect(error?.message).toBe(`Item 0: the codes of work order ${SSC_WAITING_FOR_PRINTER} are not ready yet (state "new", codegen_status 1)`);
		expect(String(error?.description)).toMatch(/printing partner to confirm/);
		expect(storageRequests()).toHaveLength(0);
	});

	it('fails after the wait time-out when the codes never come', async () => {
		const { error } = await download(String(SSC_WAITING_FOR_PRINTER), { waitForCompletion: true, waitTimeout: 1, pollInterval: 0.2 });
		expect(error?.message).toMatch(/were not ready after 1 seconds \(state "new"/);
	});

	it.each([
		['a broken zip', { corrupt: true }, /incomplete|cut off|not a zip/i],
		['a zip without codes.csv', { omitCodesCsv: true }, /codes\.csv/],
		['an entry claiming 4 GB (zip bomb)', { declaredCodesCsvSize: 0xfffffff0 }, /codes\.csv.*(limit|too large|larger)/i],
	])('rejects %s with a clear message', async (_name, archiveOptions, message) => {
		const id = readyWorkOrder(20);
		env.sandbox.setArchiveOptions(id, archiveOptions);
		const { error } = await download(String(id));
		expect(error?.message).toMatch(/^Item 0: /);
		expect(error?.message).toMatch(message);
	});

	it('rejects an archive whose codes.csv turns out damaged while it is read, even after batches were stored', async () => {
		const id = readyWorkOrder(45_000);
		const zip = Buffer.from(await (await fetch(workOrder(id).codegen_file!)).arrayBuffer());
		// Flip bytes at 80% of codes.csv's packed data: the first batches read fine, then inflate or CRC fails.
		let local = zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
		while (!zip.toString('utf8', local + 30, local + 30 + zip.readUInt16LE(local + 26)).endsWith('/codes.csv')) {
			local = zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), local + 4);
			expect(local).toBeGreaterThanOrEqual(0);
		}
		const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
		const at = data + Math.floor(zip.readUInt32LE(local + 18) * 0.8);
		for (let i = at; i < at + 64; i++) zip[i] ^= 0x5a;
		env.sandbox.faults.push({ method: 'GET', path: '/media/workorders/damaged.zip', status: 200, body: zip });
		workOrder(id).codegen_file = '/media/workorders/damaged.zip';
		const { output, error } = await download(String(id), {}, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json.error).toMatch(/^Item 0: The codes archive is damaged: .*codes\.csv/);
		expect(output[0].binary).toBeUndefined();
	});

	it('rejects an archive whose codes.csv unpacks to another size than its header says', async () => {
		const id = readyWorkOrder(50);
		env.sandbox.setArchiveOptions(id, { declaredCodesCsvSize: 100 });
		const { error } = await download(String(id));
		expect(error?.message).toMatch(/^Item 0: The codes archive is damaged: "work order \d+ \w+\/codes\.csv" unpacks to \d+ bytes but its header says 100$/);
	});

	it('downloads a relative codegen_file from the API origin, with the UAT token', async () => {
		const id = readyWorkOrder(30);
		await serveArchiveFromApi(id, '/media/workorders/relative.zip');
		workOrder(id).codegen_file = '/media/workorders/relative.zip';
		const storageBefore = storageRequests().length;
		const { output, error } = await download(String(id));
		expect(error).toBeUndefined();
		expect(await batchFileRows(output)).toEqual(expectedRows(id));
		const [archiveRequest] = env.sandbox.requests.filter((r) => r.origin === 'api' && r.path === '/media/workorders/relative.zip');
		expect(archiveRequest.headers.authorization).toBe(`UAT ${env.sandbox.token}`);
		expect(storageRequests()).toHaveLength(storageBefore);
	});

	it('reads an error of an archive on the API origin as an API error (429 waited out, 401 explained)', async () => {
		const id = readyWorkOrder(10);
		await serveArchiveFromApi(id, '/media/workorders/guarded.zip');
		workOrder(id).codegen_file = '/media/workorders/guarded.zip';
		env.sandbox.faults.push({ method: 'GET', path: /^\/media\/workorders\/guarded\.zip$/, status: 429, retryAfter: 1, times: 1 });
		const first = await download(String(id));
		expect(first.error).toBeUndefined();
		expect(first.output).toHaveLength(1);

		env.sandbox.faults.push({
			method: 'GET',
			path: /^\/media\/workorders\/guarded\.zip$/,
			status: 401,
			body: { detail: 'Invalid token.' },
			times: 1,
		});
		const { error } = await download(String(id));
		expect(error?.message).toBe(`Could not download the codes of work order ${id}: the UAT token is missing or wrong (401)`);
		expect(error?.message).not.toContain(env.sandbox.token);
	});

	it('sends the UAT token to an absolute codegen_file on the API origin', async () => {
		const id = readyWorkOrder(10);
		await serveArchiveFromApi(id, '/media/workorders/absolute.zip');
		workOrder(id).codegen_file = `${env.sandbox.apiUrl}/media/workorders/absolute.zip?v=1`;
		const { output, error } = await download(String(id), { output: 'archive' });
		expect(error).toBeUndefined();
		expect(output[0].json.fileSize).toBeGreaterThan(0);
		const [archiveRequest] = env.sandbox.requests.filter((r) => r.origin === 'api' && r.path === '/media/workorders/absolute.zip');
		expect(archiveRequest.query).toEqual({ v: '1' });
		expect(archiveRequest.headers.authorization).toBe(`UAT ${env.sandbox.token}`);
	});

	it.each([
		['not a URL', 'http://[bad'],
		['not an http(s) URL', 'ftp://files.example/codes.zip'],
	])('names the work order when codegen_file is %s', async (_what, link) => {
		const id = readyWorkOrder(5);
		workOrder(id).codegen_file = link;
		const { error } = await download(String(id));
		expect(error?.message).toBe(`Item 0: the download link of the codes of work order ${id} is not a valid URL: ${JSON.stringify(link)}`);
		expect(storageRequests()).toHaveLength(0);
	});

	it.each([
		['an HTML page answered with 200', '<html><body><h1>Sign in</h1></body></html>', /^Item 0: The codes archive is not a zip file$/],
		['a zip without codes.csv', undefined, /^Item 0: The codes archive has no codes\.csv$/],
	])('with output "archive" rejects %s instead of handing it out as a .zip', async (_what, page, message) => {
		const id = readyWorkOrder(5);
		if (page === undefined) env.sandbox.setArchiveOptions(id, { omitCodesCsv: true });
		else env.sandbox.faults.push({ method: 'GET', path: /^\/media\/workorders\//, status: 200, body: page });
		const { output, error } = await download(String(id), { output: 'archive' }, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json.error).toMatch(message);
		expect(output[0].binary).toBeUndefined();
	});

	it('names the archive after the work order alone when it has no reference', async () => {
		const id = readyWorkOrder(5);
		(workOrder(id) as { reference: string | null }).reference = null;
		const { output } = await download(String(id), { output: 'archive' });
		expect(output[0].json.fileName).toBe(`work-order-${id}.zip`);
		expect(output[0].binary?.data.fileName).toBe(`work-order-${id}.zip`);

		workOrder(id).reference = 'PO 7/2';
		const named = await download(String(id), { output: 'archive' });
		expect(named.output[0].json.fileName).toBe(`work-order-${id}-PO_7_2.zip`);
	});

	it('gives an error item for the failing work order with Continue On Fail and goes on', async () => {
		const id = readyWorkOrder(5);
		const { output } = await download('={{ $json.id }}', { waitForCompletion: false }, { continueOnFail: true, input: [{ json: { id: SSC_WAITING_FOR_PRINTER } }, { json: { id } }] });
		expect(output).toHaveLength(2);
		expect(output[0].json.error).toMatch(/are not ready yet/);
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(output[1].json).toMatchObject({ workOrderId: id, codeCount: 5 });
		expect(output[1].pairedItem).toEqual({ item: 1 });
	});
});
