/**
 * Scantrust Trigger, event newScan, in n8n-core's PollContext over real HTTP against the sandbox: scans are added
 * between polls (and before activation) and every matching scan must come out exactly once, oldest first.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ScantrustTrigger } from '../../nodes/Scantrust/ScantrustTrigger.node';
import { ASSUMED_SCAN_ORDER } from '../../nodes/Scantrust/api/scans';
import { CURSOR_LIMITS } from '../../nodes/Scantrust/trigger/cursor';
import { SAMPLE_TIMEFRAME } from '../../nodes/Scantrust/trigger/newScan';
import { makePollContext, registerNodeType, runPollTick, TRIGGER_TYPE, type DurableCursorStore } from '../helpers/n8nHarness';
import { activatedTrigger } from '../helpers/activatedTrigger';
import { useSandbox } from '../helpers/sandboxFixture';
import { SCAN_FLAG, UNKNOWN_CAMPAIGN, type FaultRule, type RecordedRequest, type ScanRecord } from '../sandbox';

/** Small cursor pages, so a burst of scans spans several. */
const PAGE = 10;
const SCANS_PATH = '/api/v2/dashboard/scans/';
const FLAGGED: INodeParameters = { event: 'newScan', campaignId: '21', filters: { flags: 'counterfeit,out-of-market' } };

const env = useSandbox({ scanPageSize: PAGE });
const trigger = new ScantrustTrigger();
registerNodeType(TRIGGER_TYPE, trigger);

const scanRequests = (requests: RecordedRequest[]) => requests.filter((r) => r.origin === 'api' && r.method === 'GET' && r.path === SCANS_PATH);

/** An activated trigger polling the scans (see activatedTrigger). */
const activeTrigger = (parameters: INodeParameters = FLAGGED, budgetMs?: number) =>
	activatedTrigger(trigger, () => env.sandbox, scanRequests, { parameters, credentials: env.credentials(), budgetMs });

async function failingPoll(active: ReturnType<typeof activeTrigger>): Promise<NodeOperationError> {
	const error = await active.poll().then(
		() => new Error('the poll did not fail'),
		(e: Error) => e,
	);
	env.sandbox.faults.length = 0;
	return error as NodeOperationError;
}

let codes: string[] = [];
let nextCode = 0;
beforeEach(() => {
	const wo = env.sandbox.createWorkOrder({ template: 101, quantity: 200, product: 'P2' });
	env.sandbox.completeGeneration(wo.id);
	codes = env.sandbox.codesFor(wo.id).map((code) => code.extendedId);
	nextCode = 0;
});

/** A scan of the next code; flagged counterfeit unless told otherwise. */
const scan = (flags: string[] = [SCAN_FLAG.counterfeit], at?: string | number): ScanRecord =>
	env.sandbox.addScan({ extendedId: codes[nextCode++ % codes.length], flags, at });
const scans = (n: number, flags?: string[], at?: string | number) => Array.from({ length: n }, () => scan(flags, at));
/** The order the trigger emits in: scan time, then uuid. */
const oldestFirst = (records: ScanRecord[]) =>
	[...records]
		.sort((a, b) => (a.scan.datetime === b.scan.datetime ? (a.scan.uuid < b.scan.uuid ? -1 : 1) : a.scan.datetime < b.scan.datetime ? -1 : 1))
		.map((r) => r.scan.uuid);
const uuidsOf = (items: IDataObject[]) => items.map((item) => (item.scan as IDataObject).uuid);

describe('Scantrust Trigger: new scan', () => {
	it('offers the event with its campaign and flags', () => {
		const properties = trigger.description.properties;
		const shownFor = (name: string) => properties.filter((p) => p.name === name && p.displayOptions?.show?.event?.includes('newScan'));
		expect(shownFor('campaignId')).toHaveLength(1);
		expect(shownFor('filters')[0].options?.map((o) => o.name)).toEqual(['flags']);
	});

	it('the first poll stores the cursor and emits nothing, in one request; scans from before activation never come out', async () => {
		const before = scans(3); // recorded in the minutes before activation
		const active = activeTrigger();
		const first = await active.poll();
		expect(first.returned).toBeNull();
		expect(first.requests).toHaveLength(1);
		const query = first.requests[0].query;
		expect(query).toMatchObject({ page_mode: 'cursor', campaign_id: '21', flags: 'counterfeit,out-of-market' });
		expect(query.date_from < new Date().toISOString().slice(0, 10)).toBe(true);
		expect(query.date_to > new Date().toISOString().slice(0, 10)).toBe(true);
		expect(active.cursor()).toMatchObject({ version: 2, event: 'newScan', pending: [] });
		expect((active.cursor()?.seen as IDataObject[]).map((mark) => mark.id).sort()).toEqual(before.map((r) => r.scan.uuid).sort());
		expect(JSON.parse(JSON.stringify(active.staticData))).toEqual(active.staticData);

		const after = scan();
		expect(uuidsOf((await active.poll()).emitted)).toEqual([after.scan.uuid]);
	});

	it('across polls with scans added between them: each matching scan once, oldest first; idle polls cost one request', async () => {
		const active = activeTrigger();
		await active.poll();
		const emitted: unknown[] = [];

		const three = [scan(), scan([SCAN_FLAG.outOfMarket]), scan([SCAN_FLAG.counterfeit, 'scan-count'])];
		scans(2, []); // not flagged: never emitted
		const second = await active.poll();
		const threeInOrder = oldestFirst(three);
		expect(uuidsOf(second.emitted)).toEqual(threeInOrder);
		expect(second.requests).toHaveLength(1);
		expect(second.emitted[0]).toMatchObject({ scan: { uuid: three[0].scan.uuid, flags: ['counterfeit'] }, product: { sku: 'P2' }, code: { extended_id: three[0].code.extended_id } });
		emitted.push(...uuidsOf(second.emitted));

		// Nothing recorded for more than the look-back window: one request.
		for (const s of env.sandbox.state.scans) s.record.scan.datetime = new Date(Date.parse(s.record.scan.datetime) - CURSOR_LIMITS.lateArrivalMs - 60_000).toISOString().replace('Z', '000Z');
		const idle = await active.poll();
		expect(idle.returned).toBeNull();
		expect(idle.requests).toHaveLength(1);

		const burst = scans(25);
		scans(5, []);
		const fourth = await active.poll();
		expect(uuidsOf(fourth.emitted)).toEqual(oldestFirst(burst));
		expect(fourth.requests.length).toBeGreaterThan(2);
		emitted.push(...uuidsOf(fourth.emitted));

		expect((await active.poll()).returned).toBeNull();
		const last = scan();
		emitted.push(...uuidsOf((await active.poll()).emitted));
		expect(emitted).toEqual([...threeInOrder, ...oldestFirst(burst), last.scan.uuid]);
		expect(new Set(emitted).size).toBe(emitted.length);
	});

	it('scans sharing a timestamp are neither missed nor repeated, also across a page boundary', async () => {
		const active = activeTrigger();
		await active.poll();
		const stamp = new Date(Date.now() - 30_000).toISOString();
		const first = scans(3, undefined, stamp);
		expect(uuidsOf((await active.poll()).emitted)).toEqual(oldestFirst(first));

		const late = scan(undefined, stamp); // arrives later with the same timestamp
		expect(uuidsOf((await active.poll()).emitted)).toEqual([late.scan.uuid]);

		const burst = scans(14, undefined, stamp); // more at that timestamp than fit a page
		const third = await active.poll();
		expect(uuidsOf(third.emitted)).toEqual(oldestFirst(burst));
		expect(third.requests.length).toBeGreaterThan(1);
		expect((await active.poll()).returned).toBeNull();
		expect(active.cursor()?.seen).toHaveLength(18);
	});

	it('a scan that shows up after a newer one was emitted (a late arrival) is delivered once', async () => {
		const active = activeTrigger();
		await active.poll();
		const newer = scan();
		expect(uuidsOf((await active.poll()).emitted)).toEqual([newer.scan.uuid]);
		const late = scan(undefined, Date.now() - 60_000);
		expect(uuidsOf((await active.poll()).emitted)).toEqual([late.scan.uuid]);
		expect((await active.poll()).returned).toBeNull();
	});

	it('without flags every scan of the campaign starts the workflow; another campaign or other flags start over', async () => {
		const all = activeTrigger({ event: 'newScan', campaignId: '21' });
		await all.poll();
		const mixed = [scan(), scan([])];
		const emitted = await all.poll();
		expect(uuidsOf(emitted.emitted)).toEqual(oldestFirst(mixed));
		expect(emitted.requests[0].query).not.toHaveProperty('flags');

		const changed = activeTrigger({ event: 'newScan', campaignId: '21', filters: { flags: 'counterfeit' } });
		Object.assign(changed.staticData, JSON.parse(JSON.stringify(all.staticData)));
		scan();
		expect((await changed.poll()).returned).toBeNull();
		const next = scan();
		expect(uuidsOf((await changed.poll()).emitted)).toEqual([next.scan.uuid]);
	});
});

describe('Scantrust Trigger: new scan, when polls fail', () => {
	/** Answers the scan export from its `skip + 1`th request on with `rule` (5xx without waiting for retries). */
	const failFrom = (skip: number, rule: Omit<FaultRule, 'path' | 'method'>) =>
		env.sandbox.faults.push({ retryAfter: 0, times: 10, skip, ...rule, method: 'GET', path: SCANS_PATH });

	it('a poll that fails on its second page moves nothing; the next one emits every scan once', async () => {
		const active = activeTrigger();
		await active.poll();
		const many = scans(25);
		const before = JSON.parse(JSON.stringify(active.staticData));
		failFrom(1, { status: 502 });
		const error = await failingPoll(active);
		expect(error.message).toMatch(/^Could not list the scans of campaign 21: Scantrust answered 502/);
		expect(error.description).toMatch(/Nothing was emitted and the trigger's position was kept; the next poll tries again\.$/);
		expect(active.staticData).toEqual(before);
		expect(uuidsOf((await active.poll()).emitted)).toEqual(oldestFirst(many));
	});

	it('an answer that is not a page fails the poll and moves nothing', async () => {
		const active = activeTrigger();
		await active.poll();
		const one = scan();
		const before = JSON.parse(JSON.stringify(active.staticData));
		failFrom(0, { status: 200, body: {}, times: 1 });
		const error = await failingPoll(active);
		expect(error.message).toBe('Could not list the scans of campaign 21: Scantrust answered page 1 with an empty JSON object instead of a page of results');
		expect(error.description).toMatch(/position was kept/);
		expect(active.staticData).toEqual(before);
		expect(uuidsOf((await active.poll()).emitted)).toEqual([one.scan.uuid]);
	});

	it('scans listed oldest first fail the poll loudly (the order is an assumption, checked on every page)', async () => {
		const active = activeTrigger();
		await active.poll();
		scans(3);
		const page = (await (await fetch(`${env.sandbox.apiUrl}${SCANS_PATH}?page_mode=cursor&campaign_id=21&timeframe=1d&flags=counterfeit`, { headers: { Authorization: `UAT ${env.sandbox.token}` } })).json()) as IDataObject;
		const before = JSON.parse(JSON.stringify(active.staticData));
		failFrom(0, { status: 200, body: { ...page, results: [...(page.results as unknown[])].reverse() }, times: 1 });
		const error = await failingPoll(active);
		expect(error.message).toMatch(/^Scantrust listed the scans in an unexpected order: scan \S+ \(.+\) came before the newer scan/);
		expect(error.description).toContain(ASSUMED_SCAN_ORDER);
		expect(active.staticData).toEqual(before);
	});

	it('a server that ignores the cursor is stopped at the repeated page', async () => {
		const active = activeTrigger();
		await active.poll();
		scans(15);
		const page = (await (await fetch(`${env.sandbox.apiUrl}${SCANS_PATH}?page_mode=cursor&campaign_id=21&timeframe=1d&flags=counterfeit`, { headers: { Authorization: `UAT ${env.sandbox.token}` } })).json()) as IDataObject;
		const before = JSON.parse(JSON.stringify(active.staticData));
		failFrom(0, { status: 200, body: page, times: 1000 });
		const start = env.sandbox.requests.length;
		const error = await failingPoll(active);
		expect(error.message).toBe('Could not list the scans of campaign 21: Scantrust answered page 2 with the same results as page 1');
		expect(scanRequests(env.sandbox.requests.slice(start))).toHaveLength(2);
		expect(active.staticData).toEqual(before);
	});

	it("out of n8n's poll budget: fails clearly and moves nothing", async () => {
		const active = activeTrigger(FLAGGED, 0);
		await active.poll();
		scans(25);
		const before = JSON.parse(JSON.stringify(active.staticData));
		const error = await failingPoll(active);
		expect(error.message).toBe('Reading the scans took longer than n8n allows one poll (10 scans read)');
		expect(active.staticData).toEqual(before);
	});

	it("a wrong campaign: Scantrust's answer, and nothing stored", async () => {
		const active = activeTrigger({ event: 'newScan', campaignId: '999' });
		const error = await failingPoll(active);
		expect(error.message).toBe(`Could not list the scans of campaign 999: campaign_id: ${UNKNOWN_CAMPAIGN}`);
		expect(active.cursor()).toBeUndefined();
	});

	it('a token without scans_download: the 403 names it', async () => {
		env.sandbox.state.tokens['no-scans'] = ['workorder_view'];
		const context = makePollContext({ parameters: FLAGGED, credentials: env.credentials('no-scans'), mode: 'trigger', staticData: {} });
		await expect(trigger.poll.call(context)).rejects.toThrow('Could not list the scans of campaign 21: the UAT token lacks the permission "scans_download" (403)');
	});

	it.each([
		[{ campaignId: 'twenty-one' }, '"Campaign ID" must be a numeric Scantrust campaign id such as 126, got "twenty-one"'],
		[{ filters: { flags: 'counterfeit out-of-market' } }, '"Flags" holds "counterfeit out-of-market", which is not a flag name'],
	])('settings %j are refused before any request', async (parameters, message) => {
		const active = activeTrigger({ ...FLAGGED, ...parameters });
		const error = await failingPoll(active);
		expect(error.message).toBe(message);
		expect(scanRequests(env.sandbox.requests)).toHaveLength(0);
	});

	it("as n8n's tick engine runs it, with durable cursor storage: a failed tick moves nothing, the next emits all once", async () => {
		const staticData: IDataObject = {};
		const store: DurableCursorStore = { cursor: null };
		const tick = () => runPollTick({ parameters: FLAGGED, credentials: env.credentials(), staticData, durable: store });
		expect(await tick()).toEqual({ emitted: null });
		const baseline = JSON.parse(JSON.stringify(store.cursor)) as IDataObject;
		expect(baseline.cursor).toMatchObject({ event: 'newScan' });

		const many = scans(15);
		failFrom(1, { status: 503 });
		const failed = await tick();
		env.sandbox.faults.length = 0;
		expect(failed.error?.message).toMatch(/Could not list the scans of campaign 21: Scantrust answered 503/);
		expect(store.cursor).toEqual(baseline);
		const good = await tick();
		expect(good.emitted?.[0].map((item) => (item.json.scan as IDataObject).uuid)).toEqual(oldestFirst(many));
		expect(await tick()).toEqual({ emitted: null });
	});
});

describe('Scantrust Trigger: new scan, Fetch Test Event (manual mode)', () => {
	it('the newest matching scan, in one request, with the cursor untouched', async () => {
		const active = activeTrigger();
		await active.poll();
		const saved = JSON.parse(JSON.stringify(active.staticData));
		scan();
		const newest = scan([SCAN_FLAG.outOfMarket]);
		scan([]); // newer, not flagged
		const before = env.sandbox.requests.length;
		const result = await trigger.poll.call(makePollContext({ parameters: FLAGGED, credentials: env.credentials(), mode: 'manual', staticData: active.staticData }));
		expect(result?.[0].map((item) => (item.json.scan as IDataObject).uuid)).toEqual([newest.scan.uuid]);
		const requests = scanRequests(env.sandbox.requests.slice(before));
		expect(requests.map((r) => r.query.timeframe)).toEqual([SAMPLE_TIMEFRAME]);
		expect(active.staticData).toEqual(saved);
		// ... so the active trigger still emits it.
		expect((await active.poll()).emitted).toHaveLength(2);
	});

	it('a flagged scan from the seed when nothing newer is there; nothing when no scan matches', async () => {
		const sample = await trigger.poll.call(makePollContext({ parameters: FLAGGED, credentials: env.credentials(), mode: 'manual', staticData: {} }));
		expect(sample?.[0][0].json).toMatchObject({ scan: { flags: ['counterfeit'] }, location: { city: 'Shenzhen' } });
		const none = await trigger.poll.call(
			makePollContext({ parameters: { ...FLAGGED, campaignId: '22' }, credentials: env.credentials(), mode: 'manual', staticData: {} }),
		);
		expect(none).toBeNull();
	});
});
