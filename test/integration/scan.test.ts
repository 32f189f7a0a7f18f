/**
 * Scan > Get Many in n8n-core's engine over real HTTP against the sandbox: the scan export in cursor mode, read to
 * its end by following `next` unchanged, its filters, and the errors a user meets.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';
import { CURSOR_PARAM, SCAN_FLAG, UNKNOWN_CAMPAIGN, type ScanRecord } from '../sandbox';

/** Small cursor pages, so a few dozen scans span several. */
const PAGE = 10;
const CAMPAIGN = 21;
const SCANS = /^\/api\/v2\/dashboard\/scans\/$/;

const env = useSandbox({ scanPageSize: PAGE });

function run(parameters: Record<string, unknown>, extra: { token?: string; continueOnFail?: boolean; input?: INodeExecutionData[] } = {}) {
	return runScantrustNode({
		parameters: { resource: 'scan', operation: 'getMany', campaignId: String(CAMPAIGN), period: 'timeframe', timeframe: '1w', ...parameters } as never,
		credentials: env.credentials(extra.token),
		continueOnFail: extra.continueOnFail,
		input: extra.input,
	});
}

/** Codes of a new, generated work order of product `sku` (P2 and NICK1 are in campaign 21, sku1 in 22). */
function codesOf(sku: string, quantity = 40): string[] {
	const wo = env.sandbox.createWorkOrder({ template: 101, quantity, product: sku });
	env.sandbox.completeGeneration(wo.id);
	return env.sandbox.codesFor(wo.id).map((code) => code.extendedId);
}

/** The scans of campaign 21 as the sandbox holds them, newest first (the export's order). */
function campaignScans(filter: (record: ScanRecord) => boolean = () => true): ScanRecord[] {
	return env.sandbox.state.scans
		.filter((s) => s.campaign === CAMPAIGN && filter(s.record))
		.map((s) => s.record)
		.sort((a, b) => (a.scan.datetime === b.scan.datetime ? (a.scan.uuid < b.scan.uuid ? 1 : -1) : a.scan.datetime < b.scan.datetime ? 1 : -1));
}

const uuids = (items: Array<{ json: IDataObject } | ScanRecord>) =>
	items.map((item) => ('json' in item ? (item.json.scan as IDataObject).uuid : item.scan.uuid));

async function call(path: string): Promise<IDataObject> {
	const response = await fetch(path.startsWith('http') ? path : `${env.sandbox.apiUrl}${path}`, { headers: { Authorization: `UAT ${env.sandbox.token}` } });
	return (await response.json()) as IDataObject;
}

describe('Scan > Get Many: reading the export', () => {
	it('reads cursor pages to the end, following each next link unchanged; items are the records with their sections', async () => {
		const codes = codesOf('P2');
		for (let i = 0; i < 33; i++) env.sandbox.addScan({ extendedId: codes[i % codes.length], flags: i % 4 === 0 ? [SCAN_FLAG.counterfeit] : [] });
		const expected = campaignScans();
		expect(expected).toHaveLength(38); // 33 new and the 5 seeded (the last three days)

		const { output, error } = await run({ returnAll: true });
		expect(error).toBeUndefined();
		expect(uuids(output)).toEqual(uuids(expected));
		expect(new Set(uuids(output)).size).toBe(38);
		expect(output[0].json).toEqual(JSON.parse(JSON.stringify(expected[0])));
		expect(Object.keys(output[0].json).sort()).toEqual(['code', 'device', 'location', 'product', 'scan', 'scm', 'user']);
		expect(output[0].json).toMatchObject({ product: { id: 2, sku: 'P2', name: 'Product P2', brand_name: 'Sandbox Brand' }, code: { activation_status: 1 } });
		expect(output.map((item) => item.pairedItem)).toEqual(output.map(() => ({ item: 0 })));

		const requests = apiCalls(env.sandbox, 'GET', SCANS);
		expect(requests).toHaveLength(4);
		expect(requests[0].query).toEqual({ page_mode: 'cursor', campaign_id: '21', timeframe: '1w' });
		// The second request is exactly the first page's next link.
		const firstPage = await call(`/api/v2/dashboard/scans/?page_mode=cursor&campaign_id=21&timeframe=1w`);
		const asRequested = `${env.sandbox.apiUrl}${requests[1].path}?${new URLSearchParams(requests[1].query).toString()}`;
		expect(asRequested).toBe(firstPage.next);
		expect(requests.slice(1).every((r) => r.query[CURSOR_PARAM] && r.query.limit === undefined && r.query.offset === undefined)).toBe(true);
	});

	it('stops at the limit without reading further pages', async () => {
		const codes = codesOf('P2');
		for (let i = 0; i < 25; i++) env.sandbox.addScan({ extendedId: codes[i] });
		const { output } = await run({ returnAll: false, limit: 12 });
		expect(uuids(output)).toEqual(uuids(campaignScans()).slice(0, 12));
		expect(apiCalls(env.sandbox, 'GET', SCANS)).toHaveLength(2);
	});

	it('an empty export is no items and one request', async () => {
		const { output, error } = await run({ returnAll: true, timeframe: '1d', filters: { flags: 'no-such-flag' } });
		expect(error).toBeUndefined();
		expect(output).toEqual([]);
		expect(apiCalls(env.sandbox, 'GET', SCANS)).toHaveLength(1);
	});
});

describe('Scan > Get Many: filters', () => {
	it('flags: scans carrying any of the given flags', async () => {
		const codes = codesOf('P2');
		env.sandbox.addScan({ extendedId: codes[0], flags: [SCAN_FLAG.counterfeit] });
		env.sandbox.addScan({ extendedId: codes[1], flags: [SCAN_FLAG.outOfMarket] });
		env.sandbox.addScan({ extendedId: codes[2] });
		const counterfeit = await run({ returnAll: true, filters: { flags: 'counterfeit' } });
		expect(uuids(counterfeit.output)).toEqual(uuids(campaignScans((r) => r.scan.flags.includes('counterfeit'))));
		expect(counterfeit.output.length).toBe(3); // one new, two seeded
		const either = await run({ returnAll: true, filters: { flags: ' counterfeit , out-of-market,' } });
		expect(uuids(either.output)).toEqual(uuids(campaignScans((r) => r.scan.flags.length > 0)));
		expect(apiCalls(env.sandbox, 'GET', SCANS).at(-1)?.query.flags).toBe('counterfeit,out-of-market');
	});

	it('period: a timeframe, or a date range with or without its end', async () => {
		const lastDay = await run({ returnAll: true, timeframe: '1d' });
		expect(uuids(lastDay.output)).toEqual(uuids(campaignScans((r) => Date.now() - Date.parse(r.scan.datetime) < 86_400_000)));
		expect(lastDay.output).toHaveLength(2);
		const twoWeeks = await run({ returnAll: true, timeframe: '={{ "2w" }}' });
		expect(twoWeeks.output).toHaveLength(5);

		const today = new Date().toISOString().slice(0, 10);
		const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
		const range = await run({ returnAll: true, period: 'dateRange', dateFrom: `${today}T00:00:00`, dateTo: today });
		expect(uuids(range.output)).toEqual(uuids(campaignScans((r) => r.scan.datetime.startsWith(today))));
		expect(apiCalls(env.sandbox, 'GET', SCANS).at(-1)?.query).toEqual({ page_mode: 'cursor', campaign_id: '21', date_from: today, date_to: today });
		const openEnded = await run({ returnAll: true, period: 'dateRange', dateFrom: threeDaysAgo });
		expect(openEnded.output).toHaveLength(5);
		expect(apiCalls(env.sandbox, 'GET', SCANS).at(-1)?.query).not.toHaveProperty('date_to');
	});

	it('product by id or SKU (looked up to its id), activation status, and SCM fields', async () => {
		const p2 = codesOf('P2', 5);
		const nick = codesOf('NICK1', 5);
		// Code data at the time of the scan: market "be" and blacklisted, set through the SCM API first.
		const upload = await fetch(`${env.sandbox.apiUrl}/api/v2/scm/upload/`, {
			method: 'POST',
			headers: { Authorization: `UAT ${env.sandbox.token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ items: [{ extended_id: nick[0], intended_market: 'be', activation_status: 2, blacklist_reason: 1 }] }),
		});
		expect(upload.status).toBe(200);
		const [a, b, c] = [env.sandbox.addScan({ extendedId: p2[0] }), env.sandbox.addScan({ extendedId: nick[0] }), env.sandbox.addScan({ extendedId: nick[1] })];

		const bySku = await run({ returnAll: true, filters: { productId: 'NICK1' } });
		expect(uuids(bySku.output)).toEqual(uuids([c, b]));
		expect(apiCalls(env.sandbox, 'GET', SCANS).at(-1)?.query.product).toBe('6134');
		const byId = await run({ returnAll: true, filters: { productId: '2' } });
		expect(uuids(byId.output)).toEqual(uuids([a]));

		const blacklisted = await run({ returnAll: true, filters: { activationStatus: 2 } });
		expect(uuids(blacklisted.output)).toEqual(uuids([b]));
		expect(blacklisted.output[0].json).toMatchObject({ code: { extended_id: nick[0], activation_status: 2, blacklist_reason: 1 }, scm: { intended_market: 'be' } });

		const market = await run({ returnAll: true, filters: { scmFilters: { filters: [{ key: 'intended_market', value: 'be' }] } } });
		expect(uuids(market.output)).toEqual(uuids([b]));
		expect(apiCalls(env.sandbox, 'GET', SCANS).at(-1)?.query).toMatchObject({ intended_market: 'be' });
	});

	it('a SKU no product has fails before the export, naming it', async () => {
		const { error } = await run({ returnAll: true, filters: { productId: 'NOPE' } });
		expect(error?.message).toBe('Item 0: "Filters: Product ID or SKU": no product has a SKU "NOPE"');
		expect(apiCalls(env.sandbox, 'GET', SCANS)).toHaveLength(0);
	});
});

describe('Scan > Get Many: errors', () => {
	it("a wrong campaign: Scantrust's answer, naming the campaign", async () => {
		const { error } = await run({ campaignId: '999', returnAll: true });
		expect(error?.message).toBe(`Could not list the scans of campaign 999: campaign_id: ${UNKNOWN_CAMPAIGN}`);
		expect(error?.httpCode).toBe('400');
	});

	it('a token without scans_download: the 403 names the permission', async () => {
		env.sandbox.state.tokens['no-scans'] = ['workorder_view', 'product_view'];
		const { error } = await run({ returnAll: true }, { token: 'no-scans' });
		expect(error?.message).toBe('Could not list the scans of campaign 21: the UAT token lacks the permission "scans_download" (403)');
	});

	it.each([
		[{ campaignId: 'campaign 21' }, 'Item 0: "Campaign ID" must be a numeric Scantrust id such as 1234, got "campaign 21"'],
		// pasted with a zero-width space: the message shows what cannot be seen
		[{ campaignId: '2\u200B1' }, 'Item 0: "Campaign ID" must be a numeric Scantrust id such as 1234, got "2\\u{200B}1"'],
		[{ timeframe: '2 weeks' }, 'Item 0: "Timeframe" must be a number followed by d, w, m or y (e.g. 1d, 3w, 2m, 1y), got "2 weeks"'],
		[{ period: 'dateRange', dateFrom: '2026-02-30' }, 'Item 0: "Date From" must be a date as YYYY-MM-DD, got "2026-02-30"'],
		[{ period: 'dateRange', dateFrom: '2026-03-02', dateTo: '2026-03-01' }, 'Item 0: "Date From" (2026-03-02) is later than "Date To" (2026-03-01)'],
		[{ filters: { flags: 'counterfeit;fake' } }, 'Item 0: "Filters: Flags" holds "counterfeit;fake", which is not a flag name'],
		[{ filters: { scmFilters: { filters: [{ key: 'flags', value: 'x' }] } } }, 'Item 0: "SCM Filters: Key" "flags" is a filter of its own, not an SCM field'],
	])('input %j is refused before any request', async (parameters, message) => {
		const { error } = await run({ returnAll: true, ...parameters });
		expect(error?.message).toBe(message);
		expect(apiCalls(env.sandbox, 'GET', SCANS)).toHaveLength(0);
	});

	it('Continue On Fail: an error item for the item with the wrong campaign, the scans for the other', async () => {
		const input = [{ json: { campaign: 999 } }, { json: { campaign: 21 } }];
		const { output, error } = await run({ campaignId: '={{ $json.campaign }}', returnAll: true, timeframe: '1d' }, { input, continueOnFail: true });
		expect(error).toBeUndefined();
		expect(output[0]).toMatchObject({ json: { error: expect.stringContaining('campaign 999'), httpCode: '400' }, pairedItem: { item: 0 } });
		expect(output.slice(1).map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 1 }]);
	});
});

describe('Scan > Get Many: a server that misbehaves', () => {
	it('a next link to another host is refused: the token never goes there', async () => {
		const page = await call('/api/v2/dashboard/scans/?page_mode=cursor&campaign_id=21&timeframe=1w');
		env.sandbox.faults.push({ method: 'GET', path: SCANS, status: 200, body: { ...page, next: 'https://elsewhere.example/api/v2/dashboard/scans/?cursor=x' } });
		const before = env.sandbox.requests.length;
		const { error } = await run({ returnAll: true });
		expect(error?.message).toMatch(/^Could not list the scans of campaign 21: .*elsewhere\.example/);
		expect(env.sandbox.requests.slice(before)).toHaveLength(1);
	});

	it('a server that ignores the cursor: stopped at the repeated page with a clear error', async () => {
		const codes = codesOf('P2');
		for (let i = 0; i < 15; i++) env.sandbox.addScan({ extendedId: codes[i] });
		const page = await call('/api/v2/dashboard/scans/?page_mode=cursor&campaign_id=21&timeframe=1w');
		env.sandbox.faults.push({ method: 'GET', path: SCANS, status: 200, body: page, times: 100 });
		const before = env.sandbox.requests.length;
		const { error } = await run({ returnAll: true });
		expect(error?.message).toBe('Could not list the scans of campaign 21: Scantrust answered page 2 with the same results as page 1');
		expect(env.sandbox.requests.slice(before)).toHaveLength(2);
		env.sandbox.faults.length = 0;
	});

	it('a next link that leads back to a page already read is not followed again', async () => {
		const next = `${env.sandbox.apiUrl}/api/v2/dashboard/scans/?page_mode=cursor&campaign_id=21&cursor=loop`;
		let n = 0;
		const pageWith = () => ({ next, results: [{ scan: { uuid: `u-${++n}`, datetime: '2026-01-01T00:00:00Z' } }] });
		env.sandbox.faults.push({ method: 'GET', path: SCANS, status: 200, body: pageWith() }, { method: 'GET', path: SCANS, status: 200, body: pageWith() });
		const { error } = await run({ returnAll: true });
		expect(error?.message).toBe("Could not list the scans of campaign 21: Scantrust's next link after page 2 leads to a page already read");
	});

	it('an answer that is not a page fails clearly instead of giving no items', async () => {
		env.sandbox.faults.push({ method: 'GET', path: SCANS, status: 200, body: { detail: 'Service under maintenance' } });
		const { error } = await run({ returnAll: true });
		expect(error?.message).toBe('Could not list the scans of campaign 21: Scantrust answered page 1 with a JSON object with detail instead of a page of results');
	});
});
