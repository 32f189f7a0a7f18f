import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { ScantrustTrigger } from '../../nodes/Scantrust/ScantrustTrigger.node';
import { NodeOperationError } from 'n8n-workflow';

import { ASSUMED_LIST_ORDER, CURSOR_LIMITS } from '../../nodes/Scantrust/trigger/cursor';
import { TRIGGER_PAGE_SIZE } from '../../nodes/Scantrust/trigger/poll';
import { makePollContext, registerNodeType, runPollTick, TRIGGER_TYPE, type DurableCursorStore } from '../helpers/n8nHarness';
import { activatedTrigger, NODE_KEY } from '../helpers/activatedTrigger';
import { useSandbox } from '../helpers/sandboxFixture';
import type { FaultRule, RecordedRequest, WorkOrder } from '../sandbox';

/** The sandbox caps `limit` at 10 (DRF max_limit), so a few dozen work orders span several pages. */
const PAGE = 10;
const SID_TEMPLATE = 101; // generates at once (use completeGeneration to make it ready now)
const SSC_TEMPLATE = 105; // waits for printer-confirm: codes stay not ready until completeGeneration
const LIST_PATH = '/api/v2/workorders/';

const env = useSandbox({ maxPageSize: PAGE });
const trigger = new ScantrustTrigger();
registerNodeType(TRIGGER_TYPE, trigger);

const listRequests = (requests: RecordedRequest[]) =>
	requests.filter((r) => r.origin === 'api' && r.method === 'GET' && r.path === LIST_PATH);

/** An activated trigger polling the work order list (see activatedTrigger). */
const activeTrigger = (parameters: INodeParameters = { event: 'newWorkOrder' }, credentials = env.credentials(), budgetMs?: number | null) =>
	activatedTrigger(trigger, () => env.sandbox, listRequests, { parameters, credentials, budgetMs });

/** The first page of the trigger's list as the sandbox answers it, read past the node. */
async function manualListPage(): Promise<IDataObject> {
	const url = `${env.sandbox.apiUrl}${LIST_PATH}?is_archived=0&limit=${TRIGGER_PAGE_SIZE}&offset=0`;
	const response = await fetch(url, { headers: { Authorization: `UAT ${env.sandbox.token}` } });
	return (await response.json()) as IDataObject;
}

async function manualPoll(parameters: INodeParameters, staticData: IDataObject = {}, credentials = env.credentials()) {
	const context = makePollContext({ parameters, credentials, mode: 'manual', staticData });
	return await trigger.poll.call(context);
}

let references = 0;
function create(template = SID_TEMPLATE, reference = `WO-T${++references}`): WorkOrder {
	return env.sandbox.createWorkOrder({ template, quantity: 5, reference });
}
const createMany = (n: number, template = SID_TEMPLATE) => Array.from({ length: n }, () => create(template));
/** Created with its codes already generated. */
function createReady(reference?: string): WorkOrder {
	const workOrder = create(SID_TEMPLATE, reference);
	env.sandbox.completeGeneration(workOrder.id);
	return workOrder;
}

/** The order the trigger emits in: creation date, then id. */
const oldestFirst = (workOrders: WorkOrder[]) =>
	[...workOrders]
		.sort((a, b) => (a.creation_date === b.creation_date ? a.id - b.id : a.creation_date < b.creation_date ? -1 : 1))
		.map((workOrder) => workOrder.id);
const idsOf = (items: IDataObject[]) => items.map((item) => item.id);

/** Moves creation dates `ms` into the past, order and microseconds kept: time passing, without the wait. */
function moveBack(workOrders: WorkOrder[], ms: number): void {
	for (const w of workOrders) w.creation_date = new Date(Date.parse(`${w.creation_date.slice(0, 23)}Z`) - ms).toISOString().slice(0, 23) + w.creation_date.slice(23);
}
const PAST_LOOK_BACK = CURSOR_LIMITS.lateArrivalMs + 60_000;

/**
 * Answers the `nth` list request of what follows with `rule`, and its retries too (`times` in all).
 * 5xx faults carry Retry-After: 0 so the transport retries them without waiting.
 */
function failNthListRequest(nth: number, rule: Omit<FaultRule, 'path' | 'method'>): void {
	const requests = env.sandbox.requests;
	let count = 0;
	const push = Array.prototype.push;
	// Faults are matched right after a request is recorded, so one added while the nth is recorded hits it.
	requests.push = function (this: RecordedRequest[], ...entries: RecordedRequest[]) {
		for (const entry of entries) {
			if (entry.origin === 'api' && entry.method === 'GET' && entry.path === LIST_PATH && ++count === nth) {
				env.sandbox.faults.push({ retryAfter: 0, times: 10, ...rule, method: 'GET', path: LIST_PATH });
			}
		}
		return push.apply(this, entries);
	};
}

/** A poll that fails: what it threw; the faults it left unused are removed. */
async function failingPoll(active: ReturnType<typeof activeTrigger>): Promise<Error> {
	const error = await active.poll().then(
		() => new Error('the poll did not fail'),
		(e: Error) => e,
	);
	env.sandbox.faults.length = 0;
	return error;
}

afterEach(() => {
	delete (env.sandbox.requests as { push?: unknown }).push;
});

describe('Scantrust Trigger: description', () => {
	it('is a polling trigger with the contract names', () => {
		const { description } = trigger;
		expect(description).toMatchObject({ name: 'scantrustTrigger', displayName: 'Scantrust Trigger', polling: true, inputs: [], group: ['trigger'] });
		expect(description.credentials).toEqual([expect.objectContaining({ name: 'scantrustApi', required: true })]);
		const event = description.properties.find((p) => p.name === 'event');
		expect(event?.options?.map((o) => (o as { value: string }).value).sort()).toEqual(['codesReady', 'newScan', 'newWorkOrder']);
		expect(TRIGGER_PAGE_SIZE).toBeGreaterThan(PAGE); // so the sandbox's cap is what makes pages
	});
});

describe('Scantrust Trigger: new work order', () => {
	it('the first poll stores the cursor and emits nothing, in one request', async () => {
		const active = activeTrigger();
		const { returned, requests } = await active.poll();
		expect(returned).toBeNull();
		expect(requests).toHaveLength(1);
		expect(requests[0].query).toEqual({ limit: String(TRIGGER_PAGE_SIZE), offset: '0', is_archived: '0' });
		// Nothing created in the last minutes (the seeds are from 2024): nothing to remember but the horizon.
		expect(active.cursor()).toMatchObject({ version: 2, event: 'newWorkOrder', seen: [], pending: [] });
		expect(String(active.cursor()?.horizon) < new Date().toISOString()).toBe(true);
		// What n8n stores must survive JSON (the database) unchanged.
		expect(JSON.parse(JSON.stringify(active.staticData))).toEqual(active.staticData);
	});

	it('3 new, then none, then 45 new across pages: each emitted once, oldest first', async () => {
		const active = activeTrigger();
		await active.poll();

		const three = createMany(3);
		const second = await active.poll();
		expect(idsOf(second.emitted)).toEqual(oldestFirst(three));
		expect(second.requests).toHaveLength(1);
		expect(second.emitted[0]).toMatchObject({ id: three[0].id, reference: three[0].reference, creation_date: three[0].creation_date, template: SID_TEMPLATE });

		const idle = await active.poll();
		expect(idle.returned).toBeNull();
		expect(idle.requests).toHaveLength(1);

		const many = createMany(45);
		const fourth = await active.poll();
		expect(idsOf(fourth.emitted)).toEqual(oldestFirst(many));
		// 45 new + 3 previous + 2 seeds, 10 a page, each page after the first starting on the last one read.
		expect(fourth.requests.map((r) => r.query.offset)).toEqual(['0', '9', '18', '27', '36', '45']);

		// An idle poll re-reads the work orders of the last minutes, where a late arrival could appear.
		const after = await active.poll();
		expect(after.returned).toBeNull();
		expect(after.requests).toHaveLength(6);
		expect(active.cursor()?.seen).toHaveLength(48);
		// Once they are older than the look-back window, one request again (their dates moved back instead of waiting).
		moveBack([...three, ...many], PAST_LOOK_BACK);
		const later = await active.poll();
		expect(later.returned).toBeNull();
		expect(later.requests).toHaveLength(1);
	});

	it('work orders sharing a creation timestamp are neither missed nor repeated, also across a page boundary', async () => {
		const active = activeTrigger();
		await active.poll();
		const first = createMany(3);
		const stamp = first[0].creation_date;
		const setStamp = (workOrders: WorkOrder[]) => workOrders.forEach((w) => (w.creation_date = stamp));
		setStamp(first);
		expect(idsOf((await active.poll()).emitted)).toEqual(first.map((w) => w.id));

		const late = create();
		setStamp([late]); // arrives later with the same timestamp
		expect(idsOf((await active.poll()).emitted)).toEqual([late.id]);

		const burst = createMany(12); // more at that timestamp than fit a page
		setStamp(burst);
		const third = await active.poll();
		expect(idsOf(third.emitted)).toEqual(burst.map((w) => w.id));
		expect(third.requests.length).toBeGreaterThan(1);

		const again = await active.poll();
		expect(again.returned).toBeNull();
		expect(active.cursor()?.seen).toHaveLength(16);
	});

	it('the first poll takes in every work order of the last minutes, even beyond one page', async () => {
		const before = createMany(13);
		const active = activeTrigger();
		const first = await active.poll();
		expect(first.returned).toBeNull();
		expect(first.requests).toHaveLength(2);
		const next = create();
		next.creation_date = before[5].creation_date; // even one sharing their timestamp
		expect(idsOf((await active.poll()).emitted)).toEqual([next.id]);
	});

	it('a poll that fails on its second page moves nothing; the next one emits every work order once', async () => {
		const active = activeTrigger();
		await active.poll();
		const many = createMany(25);
		const before = JSON.parse(JSON.stringify(active.staticData));

		failNthListRequest(2, { status: 502 });
		expect((await failingPoll(active)).message).toMatch(/^Could not list work orders: Scantrust answered 502/);
		expect(active.staticData).toEqual(before);

		const retried = await active.poll();
		expect(idsOf(retried.emitted)).toEqual(oldestFirst(many));
		expect((await active.poll()).returned).toBeNull();
	});

	it('an error the transport cannot retry fails the poll at once and keeps the cursor', async () => {
		const active = activeTrigger();
		await active.poll();
		const one = create();
		const before = JSON.parse(JSON.stringify(active.staticData));
		// The same workflow, its credential's token revoked meanwhile.
		const denied = activeTrigger({ event: 'newWorkOrder' }, env.credentials('revoked-token'));
		Object.assign(denied.staticData, JSON.parse(JSON.stringify(active.staticData)));
		await expect(denied.poll()).rejects.toThrow('Could not list work orders: the UAT token is missing or wrong (401)');
		expect(denied.staticData).toEqual(before);
		expect(idsOf((await active.poll()).emitted)).toEqual([one.id]);
	});
});

describe('Scantrust Trigger: codes ready', () => {
	it('emits a work order once when its codes become ready, including one that was waiting at activation', async () => {
		const waitingAtActivation = create(SSC_TEMPLATE);
		const active = activeTrigger({ event: 'codesReady' });
		expect((await active.poll()).returned).toBeNull();
		expect(active.cursor()?.pending).toEqual([{ id: String(waitingAtActivation.id), created: waitingAtActivation.creation_date }]);

		const [a, b] = [create(SSC_TEMPLATE), create(SSC_TEMPLATE)];
		const second = await active.poll();
		expect(second.returned).toBeNull(); // new, but their codes are not ready
		expect(second.requests).toHaveLength(1);

		env.sandbox.completeGeneration(a.id);
		env.sandbox.completeGeneration(waitingAtActivation.id);
		const createdReady = createReady();
		const third = await active.poll();
		expect(idsOf(third.emitted)).toEqual([waitingAtActivation.id, a.id, createdReady.id]);
		expect(third.emitted.every((w) => typeof w.codegen_file === 'string')).toBe(true);
		expect(third.requests).toHaveLength(1);

		const idle = await active.poll();
		expect(idle.returned).toBeNull();
		expect(idle.requests).toHaveLength(1); // b is still pending, on the first page

		env.sandbox.completeGeneration(b.id);
		expect(idsOf((await active.poll()).emitted)).toEqual([b.id]);
		expect((await active.poll()).returned).toBeNull();
		expect(active.cursor()?.pending).toEqual([]);
	});

	it('reads down to a pending work order beyond the first page, and no further', async () => {
		// Waiting since before the look-back window, so what the polls read below the new ones is for it alone.
		const waiting = create(SSC_TEMPLATE);
		moveBack([waiting], 2 * PAST_LOOK_BACK);
		const active = activeTrigger({ event: 'codesReady' });
		await active.poll();
		const ready = Array.from({ length: 25 }, () => createReady());

		const withNew = await active.poll();
		expect(idsOf(withNew.emitted)).toEqual(oldestFirst(ready));
		expect(withNew.requests.map((r) => r.query.offset)).toEqual(['0', '9', '18']); // `waiting` is 26th

		moveBack(ready, PAST_LOOK_BACK); // time passes: they leave the look-back window
		const idle = await active.poll();
		expect(idle.returned).toBeNull();
		expect(idle.requests).toHaveLength(3); // the price of following it; bounded by pendingMaxDepth
		expect(CURSOR_LIMITS.pendingMaxDepth).toBeGreaterThanOrEqual(100);

		env.sandbox.completeGeneration(waiting.id);
		expect(idsOf((await active.poll()).emitted)).toEqual([waiting.id]);
		const quiet = await active.poll();
		expect(quiet.returned).toBeNull();
		expect(quiet.requests).toHaveLength(1);
	});

	it('a failed poll loses no ready codes', async () => {
		const active = activeTrigger({ event: 'codesReady' });
		await active.poll();
		const waiting = createMany(15, SSC_TEMPLATE);
		await active.poll();
		waiting.forEach((w) => env.sandbox.completeGeneration(w.id));

		failNthListRequest(2, { status: 500 });
		expect((await failingPoll(active)).message).toMatch(/Scantrust answered 500/);
		expect(idsOf((await active.poll()).emitted)).toEqual(oldestFirst(waiting));
		expect((await active.poll()).returned).toBeNull();
	});

	it('stops following a pending work order once it is archived (with archived ones excluded)', async () => {
		const active = activeTrigger({ event: 'codesReady' });
		await active.poll();
		const waiting = create(SSC_TEMPLATE);
		await active.poll();
		waiting.is_archived = true;
		env.sandbox.completeGeneration(waiting.id);
		expect((await active.poll()).returned).toBeNull();
		expect(active.cursor()?.pending).toEqual([]);
	});
});

describe('Scantrust Trigger: list order (an unverified assumption, checked on every page)', () => {
	/** The trigger's list (archived ones excluded) oldest first: what Scantrust would send if the order were the other way. */
	function oldestFirstPage(): IDataObject {
		const listed = env.sandbox.state.workOrders
			.filter((w) => !w.is_archived)
			.sort((a, b) => (a.creation_date === b.creation_date ? a.id - b.id : a.creation_date < b.creation_date ? -1 : 1));
		return { count: listed.length, next: null, previous: null, results: listed.slice(0, PAGE) };
	}

	it('a list that comes oldest first fails the poll loudly and moves nothing', async () => {
		const active = activeTrigger();
		await active.poll();
		const three = createMany(3);
		const before = JSON.parse(JSON.stringify(active.staticData));

		env.sandbox.faults.push({ method: 'GET', path: LIST_PATH, status: 200, body: oldestFirstPage() });
		const error = await active.poll().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toMatch(/^Scantrust returned the work order list in an unexpected order: work order \d+ \(created .+\) came before work order \d+/);
		expect((error as NodeOperationError).description).toContain(ASSUMED_LIST_ORDER);
		expect((error as NodeOperationError).description).toMatch(/list order seems to have changed, so the trigger cannot be sure it misses no work order.*report this/i);
		expect(active.staticData).toEqual(before);

		// The cursor did not move: once the list is newest first again, nothing was lost.
		expect(idsOf((await active.poll()).emitted)).toEqual(oldestFirst(three));
	});

	it('a later page out of order fails the poll too (codesReady), the cursor unchanged', async () => {
		const active = activeTrigger({ event: 'codesReady' });
		await active.poll();
		const ready = Array.from({ length: 25 }, () => createReady());
		const before = JSON.parse(JSON.stringify(active.staticData));

		const newest = [...ready].reverse();
		const swapped = [newest[10], newest[9], ...newest.slice(11, 18)]; // the second page, its first two swapped
		failNthListRequest(2, { status: 200, times: 1, body: { count: 27, next: `${env.sandbox.apiUrl}${LIST_PATH}?limit=10&offset=19`, previous: null, results: swapped } });
		await expect(active.poll()).rejects.toThrow(`work order ${newest[10].id} (created ${newest[10].creation_date}) came before work order ${newest[9].id}`);
		expect(active.staticData).toEqual(before);
		expect(idsOf((await active.poll()).emitted)).toEqual(oldestFirst(ready));
	});
});

describe('Scantrust Trigger: an answer that is not a list page never floods', () => {
	const maintenance = '<html><body><h1>Down for maintenance</h1><p>Back soon.</p></body></html>';

	it.each([
		['{}', {}, /^Scantrust answered the work order list \(offset 0\) with an empty JSON object instead of a page of work orders$/],
		['an HTML maintenance page', maintenance, /./],
		['a bare list', [], /with a JSON list instead of a page of work orders/],
	])('a first poll answered with %s (status 200) fails and stores nothing; the next emits no existing work order', async (_what, body, message) => {
		const existing = createMany(3);
		moveBack(existing, PAST_LOOK_BACK);
		const active = activeTrigger();
		env.sandbox.faults.push({ method: 'GET', path: LIST_PATH, status: 200, body });
		const error = await failingPoll(active);
		expect(error).toBeInstanceOf(Error);
		expect(error.message).toMatch(message);
		expect(active.cursor()).toBeUndefined();

		expect((await active.poll()).returned).toBeNull();
		const fresh = create();
		expect(idsOf((await active.poll()).emitted)).toEqual([fresh.id]);
	});

	it('a later poll answered with {} fails and moves nothing', async () => {
		const active = activeTrigger();
		await active.poll();
		const three = createMany(3);
		const before = JSON.parse(JSON.stringify(active.staticData));
		env.sandbox.faults.push({ method: 'GET', path: LIST_PATH, status: 200, body: { detail: 'ok' } });
		const error = (await failingPoll(active)) as NodeOperationError;
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Scantrust answered the work order list (offset 0) with a JSON object with detail instead of a page of work orders');
		expect(error.description).toMatch(/count, next, previous and results.*Nothing was emitted and the trigger's position was kept/);
		expect(active.staticData).toEqual(before);
		expect(idsOf((await active.poll()).emitted)).toEqual(oldestFirst(three));
	});
});

describe('Scantrust Trigger: never misses', () => {
	it('a work order that shows up after a newer one was emitted (a commit race) is delivered once', async () => {
		const active = activeTrigger();
		await active.poll();
		const newer = create();
		expect(idsOf((await active.poll()).emitted)).toEqual([newer.id]);

		// Created a second before `newer`, visible only now.
		const late = create();
		late.creation_date = new Date(Date.parse(`${newer.creation_date.slice(0, 23)}Z`) - 1000).toISOString().replace('Z', '000Z');
		const next = await active.poll();
		expect(idsOf(next.emitted)).toEqual([late.id]);
		expect((await active.poll()).returned).toBeNull();
	});

	it('codesReady: a late arrival created with its codes ready is delivered once', async () => {
		const active = activeTrigger({ event: 'codesReady' });
		await active.poll();
		const newer = createReady();
		expect(idsOf((await active.poll()).emitted)).toEqual([newer.id]);
		const late = createReady();
		late.creation_date = new Date(Date.parse(`${newer.creation_date.slice(0, 23)}Z`) - 1000).toISOString().replace('Z', '000Z');
		expect(idsOf((await active.poll()).emitted)).toEqual([late.id]);
		expect((await active.poll()).returned).toBeNull();
	});

	it('a work order dated in 2099 is delivered once and does not silence the trigger', async () => {
		const active = activeTrigger();
		await active.poll();
		const future = create();
		future.creation_date = '2099-01-01T00:00:00.000000Z';
		expect(idsOf((await active.poll()).emitted)).toEqual([future.id]);

		const afterIt = createMany(2);
		expect(idsOf((await active.poll()).emitted)).toEqual(oldestFirst(afterIt));
		expect((await active.poll()).returned).toBeNull();
		expect(String(active.cursor()?.horizon) < new Date().toISOString()).toBe(true);
	});
});

describe('Scantrust Trigger: hostile or slow list', () => {
	it('a server that ignores offset: stopped at the first repeated page with a clear error, nothing moved', async () => {
		const active = activeTrigger();
		await active.poll();
		createMany(25);
		const before = JSON.parse(JSON.stringify(active.staticData));
		// Every list request, whatever its offset, gets the first page (with its next link).
		const firstPage = JSON.parse(JSON.stringify((await manualListPage())));
		env.sandbox.faults.push({ method: 'GET', path: LIST_PATH, status: 200, body: firstPage, times: 1000 });
		const startAt = env.sandbox.requests.length;
		const error = await failingPoll(active);
		expect(error.message).toBe('Scantrust answered the same page of work orders for offset 0 and offset 9');
		expect((error as NodeOperationError).description).toMatch(/ignore the offset parameter.*Nothing was emitted and the trigger's position was kept/);
		expect(listRequests(env.sandbox.requests.slice(startAt))).toHaveLength(2);
		expect(active.staticData).toEqual(before);
	});

	it("out of n8n's poll budget: fails with a clear error and moves nothing; the next poll with time enough emits all once", async () => {
		const outOfTime = activeTrigger({ event: 'newWorkOrder' }, env.credentials(), 0);
		await outOfTime.poll();
		const many = createMany(45);
		const before = JSON.parse(JSON.stringify(outOfTime.staticData));
		const error = (await failingPoll(outOfTime)) as NodeOperationError;
		expect(error.message).toBe('Reading the work order list took longer than n8n allows one poll (10 work orders read)');
		expect(error.description).toMatch(/position was kept, so the next poll reads them again/);
		expect(outOfTime.staticData).toEqual(before);

		const withTime = activeTrigger({ event: 'newWorkOrder' }, env.credentials(), 60_000);
		Object.assign(withTime.staticData, JSON.parse(JSON.stringify(outOfTime.staticData)));
		expect(idsOf((await withTime.poll()).emitted)).toEqual(oldestFirst(many));
	});

	it('on n8n without getPollBudgetMs the poll reads the whole backlog at once', async () => {
		const active = activeTrigger({ event: 'newWorkOrder' }, env.credentials(), null);
		await active.poll();
		const many = createMany(45);
		const poll = await active.poll();
		expect(idsOf(poll.emitted)).toEqual(oldestFirst(many));
		expect(poll.requests.every((r) => r.query.limit === String(TRIGGER_PAGE_SIZE))).toBe(true);
	});
});

describe('Scantrust Trigger: filters', () => {
	it('passes search and archived filters to the list and emits only matching work orders', async () => {
		const active = activeTrigger({ event: 'newWorkOrder', filters: { search: 'PO-7' } });
		await active.poll();
		const match = create(SID_TEMPLATE, 'PO-7-A');
		create(SID_TEMPLATE, 'OTHER-1');
		const lower = create(SID_TEMPLATE, 'po-7-b');
		const { emitted, requests } = await active.poll();
		expect(idsOf(emitted)).toEqual(oldestFirst([match, lower]));
		expect(requests[0].query).toMatchObject({ search: 'PO-7', is_archived: '0' });
	});

	it('includes archived work orders only when asked to', async () => {
		const plain = activeTrigger({ event: 'newWorkOrder' });
		const withArchived = activeTrigger({ event: 'newWorkOrder', filters: { includeArchived: true } });
		await plain.poll();
		await withArchived.poll();
		const archived = create();
		archived.is_archived = true;
		const notArchived = create();
		expect(idsOf((await plain.poll()).emitted)).toEqual([notArchived.id]);
		const both = await withArchived.poll();
		expect(idsOf(both.emitted)).toEqual(oldestFirst([archived, notArchived]));
		expect(both.requests[0].query).not.toHaveProperty('is_archived');
	});

	it('starts over, emitting nothing, when the event or the filters change', async () => {
		const active = activeTrigger({ event: 'newWorkOrder' });
		await active.poll();
		create();
		const changed = activeTrigger({ event: 'newWorkOrder', filters: { search: 'WO-' } });
		Object.assign(changed.staticData, JSON.parse(JSON.stringify(active.staticData)));
		expect((await changed.poll()).returned).toBeNull();
		create();
		expect((await changed.poll()).emitted).toHaveLength(1);
	});
});

describe('Scantrust Trigger: Fetch Test Event (manual mode)', () => {
	it('newWorkOrder: the most recent matching work order, one request, cursor untouched', async () => {
		const active = activeTrigger();
		await active.poll();
		const saved = JSON.parse(JSON.stringify(active.staticData));
		const newest = create(SID_TEMPLATE, 'PO-SAMPLE');
		const before = env.sandbox.requests.length;
		const result = await manualPoll({ event: 'newWorkOrder' }, active.staticData);
		expect(result?.[0].map((item) => item.json.id)).toEqual([newest.id]);
		expect(listRequests(env.sandbox.requests.slice(before)).map((r) => r.query.limit)).toEqual(['1']);
		expect(active.staticData).toEqual(saved);
		// ... so the active trigger still emits it.
		expect(idsOf((await active.poll()).emitted)).toEqual([newest.id]);
	});

	it('codesReady: the most recent work order with codes ready', async () => {
		const ready = createReady('PO-READY');
		create(SSC_TEMPLATE, 'PO-WAITING');
		const staticData: IDataObject = {};
		const result = await manualPoll({ event: 'codesReady' }, staticData);
		expect(result?.[0].map((item) => item.json.id)).toEqual([ready.id]);
		expect(result?.[0][0].json.codegen_file).toEqual(expect.any(String));
		expect(staticData).toEqual({});
	});

	it('returns nothing when no work order matches', async () => {
		expect(await manualPoll({ event: 'newWorkOrder', filters: { search: 'NO-SUCH' } })).toBeNull();
		expect(await manualPoll({ event: 'codesReady', filters: { search: 'SEED-SSC' } })).toBeNull();
	});

	it('throws errors so the editor shows them', async () => {
		await expect(manualPoll({ event: 'newWorkOrder' }, {}, env.credentials('wrong-token'))).rejects.toThrow(/UAT token is missing or wrong \(401\)/);
	});
});

describe("Scantrust Trigger: as n8n's tick engine runs it (PollTriggerExecutor)", () => {
	it.each([
		['in the node static data (unmigrated node)', false],
		['in durable cursor storage (migrated node)', true],
	])('with the cursor %s: a failed tick is reported and moves nothing, the next emits all once', async (_where, durable) => {
		const staticData: IDataObject = {};
		const store: DurableCursorStore | undefined = durable ? { cursor: null } : undefined;
		const tick = () => runPollTick({ parameters: { event: 'newWorkOrder' }, credentials: env.credentials(), staticData, durable: store });
		const stored = () => JSON.parse(JSON.stringify(durable ? store!.cursor : staticData[NODE_KEY])) as IDataObject;

		expect(await tick()).toEqual({ emitted: null });
		const baseline = stored();
		expect(baseline.cursor).toMatchObject({ event: 'newWorkOrder' });

		const many = createMany(25);
		failNthListRequest(2, { status: 503 });
		const failed = await tick();
		env.sandbox.faults.length = 0;
		expect(failed.emitted).toBeNull();
		expect(failed.error?.message).toMatch(/Could not list work orders: Scantrust answered 503/);
		expect(stored()).toEqual(baseline);

		const good = await tick();
		expect(good.error).toBeUndefined();
		expect(good.emitted?.[0].map((item) => item.json.id)).toEqual(oldestFirst(many));
		const committed = store?.cursor;
		expect(await tick()).toEqual({ emitted: null });
		if (durable) {
			// An idle tick leaves the cursor equal, so the engine commits nothing; the node never wrote the real bucket.
			expect(store!.cursor).toBe(committed);
			expect((staticData[NODE_KEY] as IDataObject | undefined)?.cursor).toBeUndefined();
		}
	});
});
