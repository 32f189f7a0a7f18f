/**
 * The sandbox's scan export spoken to over HTTP as a client would: cursor pages that never overlap (also while
 * scans are recorded between page requests), the documented filters, its errors and its permission.
 */
import { CURSOR_PARAM, PERIOD_REQUIRED, SCAN_FLAG, UNKNOWN_CAMPAIGN, startSandbox, type Sandbox } from '../sandbox';

let sb: Sandbox;
let codes: string[];

beforeAll(async () => {
	sb = await startSandbox({ scanPageSize: 4 });
});
afterAll(async () => await sb.close());
beforeEach(() => {
	sb.reset();
	const wo = sb.createWorkOrder({ template: 101, quantity: 10, product: 'sku1' }); // product of campaign 22
	sb.completeGeneration(wo.id);
	codes = sb.codesFor(wo.id).map((code) => code.extendedId);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function get(pathOrUrl: string, token = sb.token): Promise<{ status: number; json: Json }> {
	const response = await fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${sb.apiUrl}${pathOrUrl}`, { headers: { Authorization: `UAT ${token}` } });
	return { status: response.status, json: await response.json() };
}

const PATH = '/api/v2/dashboard/scans/';

describe('scan export', () => {
	it('cursor pages: newest first, next kept unchanged until null, no scan twice even when scans are recorded between pages', async () => {
		const made = codes.map((extendedId) => sb.addScan({ extendedId }));
		const seen: string[] = [];
		let page = await get(`${PATH}?page_mode=cursor&campaign_id=22&timeframe=1d`);
		expect(Object.keys(page.json).sort()).toEqual(['next', 'results']);
		for (;;) {
			seen.push(...page.json.results.map((r: Json) => r.scan.uuid));
			sb.addScan({ extendedId: codes[0] }); // newer than everything: never shifts the pages being read
			if (page.json.next === null) break;
			expect(new URL(page.json.next).searchParams.get(CURSOR_PARAM)).toEqual(expect.any(String));
			expect(new URL(page.json.next).searchParams.get('timeframe')).toBe('1d');
			page = await get(page.json.next);
		}
		expect(seen).toEqual(made.map((r) => r.scan.uuid).reverse());
	});

	it('records: the documented sections, copied from the code at the time of the scan', async () => {
		const scan = sb.addScan({ extendedId: codes[1], flags: [SCAN_FLAG.counterfeit], email: 'a@b.test' });
		const { json } = await get(`${PATH}?page_mode=cursor&campaign_id=22&timeframe=1d`);
		expect(json.results).toEqual([scan]);
		expect(scan).toMatchObject({
			scan: { flags: ['counterfeit'], result: 'failure', reason: 'query', uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) },
			user: { email: 'a@b.test' },
			code: { extended_id: codes[1], activation_status: 1, blacklist_reason: 0 },
			product: { id: 7001, sku: 'sku1', name: 'Sample SKU 1', brand_name: 'Sandbox Brand' },
			scm: {},
		});
		expect(Math.abs(scan.scan.timestamp * 1000 - Date.parse(scan.scan.datetime))).toBeLessThan(1);
		expect(() => sb.addScan({ extendedId: 'NOT-A-CODE-1' })).toThrow(/holds no code NOT-A-CODE-1/);
	});

	it('filters: flags (any), activation status, product id, date range; other campaigns never', async () => {
		const [a, b] = [sb.addScan({ extendedId: codes[0], flags: ['counterfeit'] }), sb.addScan({ extendedId: codes[1], flags: ['out-of-market', 'scan-count'] })];
		sb.addScan({ extendedId: codes[2] });
		const uuids = async (query: string) => (await get(`${PATH}?page_mode=cursor&campaign_id=22&${query}`)).json.results.map((r: Json) => r.scan.uuid);
		expect(await uuids('timeframe=1d&flags=counterfeit,out-of-market')).toEqual([b.scan.uuid, a.scan.uuid]);
		expect(await uuids('timeframe=1d&flags=out-of-market')).toEqual([b.scan.uuid]);
		expect(await uuids('timeframe=1d&activation_status=0')).toEqual([]);
		expect(await uuids('timeframe=1d&product=2')).toEqual([]);
		expect(await uuids(`date_from=${new Date().toISOString().slice(0, 10)}`)).toHaveLength(3);
		expect(await uuids('date_from=2020-01-01&date_to=2020-12-31')).toEqual([]);
		// The seed's five scans are in campaign 21, a page of 4 and a next link.
		expect((await get(`${PATH}?page_mode=cursor&campaign_id=21&timeframe=1w`)).json).toMatchObject({ next: expect.any(String), results: { length: 4 } });
	});

	it('without page_mode=cursor: DRF limit/offset pages', async () => {
		const { json } = await get(`${PATH}?campaign_id=21&timeframe=1w&limit=2`);
		expect(json).toMatchObject({ count: 5, previous: null, results: [expect.anything(), expect.anything()] });
		expect(new URL(json.next).searchParams.get('offset')).toBe('2');
	});

	it('errors: campaign required and known, a period, valid values; 403 without scans_download', async () => {
		expect(await get(`${PATH}?page_mode=cursor&timeframe=1d`)).toEqual({ status: 400, json: { campaign_id: ['This field is required.'] } });
		expect(await get(`${PATH}?page_mode=cursor&campaign_id=999&timeframe=1d`)).toEqual({ status: 400, json: { campaign_id: [UNKNOWN_CAMPAIGN] } });
		expect(await get(`${PATH}?page_mode=cursor&campaign_id=21`)).toEqual({ status: 400, json: { non_field_errors: [PERIOD_REQUIRED] } });
		expect((await get(`${PATH}?page_mode=cursor&campaign_id=21&timeframe=week`)).json).toEqual({ timeframe: [expect.stringContaining('"week" is not a valid timeframe')] });
		expect((await get(`${PATH}?page_mode=cursor&campaign_id=21&timeframe=1d&activation_status=5&product=P2`)).json).toEqual({
			activation_status: ['"5" is not a valid choice.'],
			product: ['A valid integer is required.'],
		});
		sb.state.tokens['no-scans'] = ['codes_view'];
		expect(await get(`${PATH}?page_mode=cursor&campaign_id=21&timeframe=1d`, 'no-scans')).toEqual({ status: 403, json: { detail: 'You do not have permission to perform this action.' } });
	});
});
