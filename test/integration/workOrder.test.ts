import type { INodeExecutionData } from 'n8n-workflow';

import { runScantrustNode, type NodeRun } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';

const SID_TEMPLATE = 101;
const SSC_TEMPLATE = 105;
const SSC_TEMPLATE_WITHOUT_PARTNER = 164;

const env = useSandbox();

interface CreateExtra {
	continueOnFail?: boolean;
	retryOnFail?: boolean;
	token?: string;
	input?: INodeExecutionData[];
	retryOf?: NodeRun;
}

function create(parameters: Record<string, unknown>, extra: CreateExtra = {}) {
	return runScantrustNode({
		parameters: { resource: 'workOrder', operation: 'create', templateId: SID_TEMPLATE, quantity: 10, ...parameters } as never,
		credentials: env.credentials(extra.token),
		continueOnFail: extra.continueOnFail,
		retryOnFail: extra.retryOnFail,
		input: extra.input,
		retryOf: extra.retryOf,
	});
}

const WORK_ORDER_LIST = /^\/api\/v2\/workorders\/$/;
const postedReferences = () => apiCalls(env.sandbox, 'POST', /create-from-template/).map((call) => JSON.parse(call.body!.toString()).reference);

const workOrdersWithReference = (reference: unknown) =>
	env.sandbox.state.workOrders.filter((workOrder) => workOrder.reference === reference);

describe('Work Order > Create', () => {
	const twoOrders: INodeExecutionData[] = [{ json: { po: 'A', quantity: 10 } }, { json: { po: 'B', quantity: 20 } }];
	const perItemQuantity = { quantity: '={{ $json.quantity }}' };
	/** Item 1's POST fails, ambiguously, on every attempt: the execution fails after item 0 was ordered. */
	const failSecondOrder = () =>
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 503, skip: 1, times: 10 });

	it('orders nothing twice when n8n retries an execution that failed after ordering some items', async () => {
		failSecondOrder();
		const failed = await create(perItemQuantity, { input: twoOrders });
		expect(failed.error?.message).toMatch(/^Could not create a work order: Scantrust answered 503/);
		expect(env.sandbox.state.workOrders.filter((wo) => wo.quantity === 10 && wo.reference?.startsWith('n8n-'))).toHaveLength(1);
		const first = env.sandbox.state.workOrders.find((wo) => wo.quantity === 10 && wo.reference?.startsWith('n8n-'))!;
		// The error names what is already ordered, so nobody orders it again by hand.
		expect(failed.error?.description).toContain(`item 0: work order ${first.id} (reference "${first.reference}")`);
		expect(failed.error?.description).toMatch(/retrying this execution is safe/);

		env.sandbox.faults.length = 0;
		const retried = await create(perItemQuantity, { input: twoOrders, retryOf: failed });
		expect(retried.error).toBeUndefined();
		expect(retried.output.map((item) => [item.json.id === first.id, item.json.quantity, item.json.alreadyExisted])).toEqual([
			[true, 10, true],
			[false, 20, false],
		]);
		expect(retried.output[0].json.creation_date).toBe(first.creation_date);
		for (const quantity of [10, 20]) {
			expect(env.sandbox.state.workOrders.filter((wo) => wo.quantity === quantity && wo.reference?.startsWith('n8n-'))).toHaveLength(1);
		}
	});

	it('orders again for a new run with the same input (a new trigger event is not a retry)', async () => {
		const first = await create(perItemQuantity, { input: twoOrders });
		const second = await create(perItemQuantity, { input: twoOrders });
		expect(first.error).toBeUndefined();
		expect(second.error).toBeUndefined();
		expect(second.output.map((item) => item.json.alreadyExisted)).toEqual([false, false]);
		const references = [...first.output, ...second.output].map((item) => item.json.reference);
		expect(new Set(references).size).toBe(4);
		expect(env.sandbox.state.workOrders.filter((wo) => wo.reference?.startsWith('n8n-'))).toHaveLength(4);
	});

	it('never hands on an older order as new when a generated reference is taken: it says it already existed', async () => {
		const first = await create({ quantity: 10 });
		// Another run that ends up with the same reference (here: set by hand) gets the old order, flagged.
		const again = await create({ quantity: 10, additionalFields: { reference: first.output[0].json.reference } });
		expect(again.error).toBeUndefined();
		expect(again.output[0].json).toMatchObject({ id: first.output[0].json.id, alreadyExisted: true, creation_date: first.output[0].json.creation_date });
		expect(first.output[0].json.alreadyExisted).toBe(false);
	});

	it('says the order exists and how to go on when waiting for its codes times out; a retry then orders nothing new', async () => {
		const failed = await create({ templateId: SSC_TEMPLATE, waitForCompletion: true, waitTimeout: 1, pollInterval: 0.2 });
		const [order] = env.sandbox.state.workOrders.filter((wo) => wo.reference?.startsWith('n8n-'));
		expect(failed.error?.message).toContain(
			`Item 0: the codes of work order ${order.id} (ordered, reference "${order.reference}") were not ready after 1 seconds (state "new"`,
		);
		expect(failed.error?.description).toMatch(/Work Order > Confirm/);
		expect(failed.error?.description).toContain(`Work Order > Download (ID ${order.id})`);
		const retried = await create({ templateId: SSC_TEMPLATE }, { retryOf: failed });
		expect(retried.output[0].json).toMatchObject({ id: order.id, alreadyExisted: true });
		expect(env.sandbox.state.workOrders.filter((wo) => wo.reference?.startsWith('n8n-'))).toHaveLength(1);
	});

	it.each([
		['200 with an HTML page', { status: 200, body: '<html><body>Maintenance</body></html>' }],
		['201 with an empty body', { status: 201, body: '' }],
		['201 with an object that is not a work order', { status: 201, body: { ok: true } }],
	])('treats a %s as unanswered: looks the reference up and creates exactly one order', async (_, fault) => {
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, afterHandling: true, ...fault });
		const { output, error } = await create({ quantity: 33 });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ quantity: 33 });
		expect(Number.isInteger(output[0].json.id)).toBe(true);
		expect(env.sandbox.state.workOrders.filter((wo) => wo.quantity === 33)).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'GET', WORK_ORDER_LIST).length).toBeGreaterThan(0);
	});

	it.each([['10.000'], ['1e3'], ['0x10'], ['12,5'], ['-3'], ['']])('refuses the quantity %j before sending anything', async (quantity) => {
		const { error } = await create({ quantity });
		expect(error?.message).toMatch(/^Item 0: "Quantity" must be a whole number greater than 0/);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(0);
	});

	it('creates one work order with a generated reference and the quantity asked for', async () => {
		const { output, error } = await create({ quantity: 25 });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		const workOrder = output[0].json;
		expect(workOrder).toMatchObject({ quantity: 25, template: SID_TEMPLATE, state: 'new' });
		expect(String(workOrder.reference)).toMatch(/^n8n-[0-9a-f]{16}-0-0$/);
		expect(workOrdersWithReference(workOrder.reference)).toHaveLength(1);
		expect(output[0].pairedItem).toEqual({ item: 0 });
	});

	it('sends the additional fields as Scantrust names them, with the due date as YYYY-MM-DD', async () => {
		const { output, error } = await create({
			templateId: SSC_TEMPLATE_WITHOUT_PARTNER,
			additionalFields: {
				reference: 'PO-4711',
				printingPartnerId: '346',
				product: 'P2',
				dueDate: '2030-05-17T00:00:00',
			},
		});
		expect(error).toBeUndefined();
		expect(output[0].json.reference).toBe('PO-4711');
		const [post] = apiCalls(env.sandbox, 'POST', /create-from-template/);
		expect(JSON.parse(post.body!.toString())).toEqual({
			template: SSC_TEMPLATE_WITHOUT_PARTNER,
			quantity: 10,
			reference: 'PO-4711',
			printing_partner: 346,
			product: 'P2',
			due_date: '2030-05-17',
		});
	});

	it('waits until the codes are generated when asked to', async () => {
		const { output, error } = await create({ waitForCompletion: true, waitTimeout: 20, pollInterval: 0.2 });
		expect(error).toBeUndefined();
		expect(output[0].json.codegen_status).toBe(4);
		expect(output[0].json.codegen_file).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
	});

	it('fails after the wait time-out naming the state, and the work order stays created once', async () => {
		const { error } = await create({ templateId: SSC_TEMPLATE, waitForCompletion: true, waitTimeout: 1, pollInterval: 0.3 });
		expect(error?.message).toMatch(/were not ready after 1 seconds \(state "new"/);
		expect(env.sandbox.state.workOrders.filter((workOrder) => workOrder.template === SSC_TEMPLATE && /^n8n-/.test(String(workOrder.reference)))).toHaveLength(1);
	});

	it.each([
		[{ quantity: 0 }, /"Quantity" must be a whole number greater than 0, got 0/],
		[{ quantity: 2.5 }, /"Quantity" must be a whole number greater than 0, got 2.5/],
		[{ templateId: 'SID' }, /"Template" must be a numeric Scantrust id/],
		[{ additionalFields: { dueDate: '17.05.2030' } }, /"Due Date" must be a date as YYYY-MM-DD, got "17.05.2030"/],
		[{ additionalFields: { dueDate: '2030-02-30' } }, /"Due Date" must be a date as YYYY-MM-DD/],
	])('rejects %j before calling Scantrust', async (parameters, message) => {
		const { error } = await create(parameters);
		expect(error?.message).toMatch(/^Item 0: /);
		expect(error?.message).toMatch(message);
		expect(apiCalls(env.sandbox, 'POST', /./)).toHaveLength(0);
	});

	it('shows a 400 body verbatim, field by field', async () => {
		const { error } = await create({ templateId: SSC_TEMPLATE_WITHOUT_PARTNER });
		expect(error?.message).toMatch(/^Could not create a work order: printing_partner: /);
		expect(error?.httpCode).toBe('400');
	});

	it('never creates twice when Scantrust creates the order but answers 502', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 502, afterHandling: true });
		const { output, error } = await create({ additionalFields: { reference: 'PO-502' } });
		expect(error).toBeUndefined();
		expect(output[0].json.reference).toBe('PO-502');
		expect(workOrdersWithReference('PO-502')).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'GET', /^\/api\/v2\/workorders\/$/).length).toBeGreaterThanOrEqual(1);
	});

	it('posts again after a 503 that created nothing, and still creates exactly one', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 503 });
		const { output, error } = await create({});
		expect(error).toBeUndefined();
		expect(workOrdersWithReference(output[0].json.reference)).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(2);
	});

	it('finds the order an unanswered create made, although the first look-up request gets a 503', async () => {
		// POST: created, answer lost (502). Look-up: its first GET answers 503, the GET retry finds the order.
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 502, afterHandling: true });
		env.sandbox.faults.push({ method: 'GET', path: WORK_ORDER_LIST, status: 503 });
		const { output, error } = await create({ additionalFields: { reference: 'PO-LOOKUP' } });
		expect(error).toBeUndefined();
		expect(output[0].json.reference).toBe('PO-LOOKUP');
		expect(workOrdersWithReference('PO-LOOKUP')).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'GET', WORK_ORDER_LIST)).toHaveLength(2);
	});

	it('returns the first order when the post after an unanswered create is told "reference already exists"', async () => {
		// POST: created, answer lost. Look-up: the list does not show it yet. POST again: 400 on reference.
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 502, afterHandling: true });
		env.sandbox.faults.push({ method: 'GET', path: WORK_ORDER_LIST, status: 200, body: { count: 0, next: null, previous: null, results: [] } });
		const { output, error } = await create({ additionalFields: { reference: 'PO-LAG' } });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({ reference: 'PO-LAG', template: SID_TEMPLATE, quantity: 10 });
		expect(workOrdersWithReference('PO-LAG')).toHaveLength(1);
		expect(output[0].json.id).toBe(workOrdersWithReference('PO-LAG')[0].id);
		expect(postedReferences()).toEqual(['PO-LAG', 'PO-LAG']);
	});

	it('Retry On Fail: the retry returns the order the failed try created, with the same generated reference', async () => {
		// 1st try: created but answered 502, and every look-up GET fails, so the node fails.
		// n8n's retry posts the same reference, gets "already exists" and must return that order.
		const before = env.sandbox.state.workOrders.length;
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 502, afterHandling: true });
		env.sandbox.faults.push({ method: 'GET', path: WORK_ORDER_LIST, status: 500, times: 4 });
		const { output, error } = await create({ quantity: 12 }, { retryOnFail: true });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		const reference = output[0].json.reference;
		expect(String(reference)).toMatch(/^n8n-[0-9a-f]{16}-0-0$/);
		expect(postedReferences()).toEqual([reference, reference]);
		expect(env.sandbox.state.workOrders).toHaveLength(before + 1);
		expect(workOrdersWithReference(reference)).toHaveLength(1);
		expect(output[0].json).toMatchObject({ id: workOrdersWithReference(reference)[0].id, quantity: 12, template: SID_TEMPLATE });
	}, 40_000);

	it('a second run with the same reference returns the order the first run could not confirm', async () => {
		const before = env.sandbox.state.workOrders.length;
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 502, afterHandling: true });
		env.sandbox.faults.push({ method: 'GET', path: WORK_ORDER_LIST, status: 500, times: 4 });
		const first = await create({ additionalFields: { reference: 'PO-AGAIN' } });
		expect(first.error?.message).toMatch(/did not confirm whether work order "PO-AGAIN" was created/);
		const second = await create({ additionalFields: { reference: 'PO-AGAIN' } });
		expect(second.error).toBeUndefined();
		expect(second.output).toHaveLength(1);
		expect(second.output[0].json).toMatchObject({ reference: 'PO-AGAIN', id: workOrdersWithReference('PO-AGAIN')[0].id });
		expect(env.sandbox.state.workOrders).toHaveLength(before + 1);
		expect(postedReferences()).toEqual(['PO-AGAIN', 'PO-AGAIN']);
	}, 40_000);

	it('fails clearly when the reference belongs to another work order, and creates nothing', async () => {
		const taken = env.sandbox.createWorkOrder({ template: SID_TEMPLATE, quantity: 5, reference: 'PO-TAKEN' });
		const before = env.sandbox.state.workOrders.length;
		const { output, error } = await create({ quantity: 10, additionalFields: { reference: 'PO-TAKEN' } });
		expect(output).toHaveLength(0);
		expect(error?.message).toBe(
			`Item 0: the reference "PO-TAKEN" already belongs to work order ${taken.id} (template ${SID_TEMPLATE}, quantity 5); choose another reference`,
		);
		expect(String(error?.description)).toMatch(/Nothing was created/);
		expect(env.sandbox.state.workOrders).toHaveLength(before);
		expect(workOrdersWithReference('PO-TAKEN')).toEqual([expect.objectContaining({ id: taken.id, quantity: 5 })]);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(1);
	});

	it('refuses a reference two items share instead of returning one order for both', async () => {
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'create', templateId: SID_TEMPLATE, quantity: 10, additionalFields: { reference: 'PO-SHARED' } },
			credentials: env.credentials(),
			input: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0].json.reference).toBe('PO-SHARED');
		expect(output[1].json.error).toBe('Item 1: the reference "PO-SHARED" is already used by item 0');
		expect(workOrdersWithReference('PO-SHARED')).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(1);
	});

	it('returns the order when it was created but the connection dropped before the answer', async () => {
		const before = env.sandbox.state.workOrders.length;
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 0, destroySocket: true, afterHandling: true });
		const { output, error } = await create({ additionalFields: { reference: 'PO-DROP' } });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({ reference: 'PO-DROP', id: workOrdersWithReference('PO-DROP')[0].id });
		expect(env.sandbox.state.workOrders).toHaveLength(before + 1);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'GET', WORK_ORDER_LIST).length).toBeGreaterThanOrEqual(1);
	});

	it('waits out a 429 on the create and posts again: a throttled request was not processed', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 429, retryAfter: 2 });
		const started = Date.now();
		const { output, error } = await create({ additionalFields: { reference: 'PO-429' } });
		expect(error).toBeUndefined();
		expect(Date.now() - started).toBeGreaterThanOrEqual(1950);
		expect(output[0].json.reference).toBe('PO-429');
		expect(workOrdersWithReference('PO-429')).toHaveLength(1);
		expect(postedReferences()).toEqual(['PO-429', 'PO-429']);
		// A 429 is not ambiguous: no look-up is needed.
		expect(apiCalls(env.sandbox, 'GET', WORK_ORDER_LIST)).toHaveLength(0);
	});

	it('says what to check when the create is unanswered and the look-up fails too', async () => {
		env.sandbox.faults.push({ method: 'POST', path: /create-from-template/, status: 502, afterHandling: true });
		env.sandbox.faults.push({ method: 'GET', path: WORK_ORDER_LIST, status: 500, times: 10 });
		const { error } = await create({ additionalFields: { reference: 'PO-DARK' } });
		expect(error?.message).toMatch(/did not confirm whether work order "PO-DARK" was created/);
		expect(String(error?.description)).toMatch(/search the work orders for reference "PO-DARK"/);
		expect(workOrdersWithReference('PO-DARK')).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'POST', /create-from-template/)).toHaveLength(1);
	}, 30_000);

	it('names the missing permission on 403', async () => {
		env.sandbox.state.tokens['view-only'] = ['workorder_view'];
		const { error } = await create({}, { token: 'view-only' });
		expect(error?.message).toMatch(/lacks the permission "workorder_create" \(403\)/);
	});

	it('gives an error item per failing input with Continue On Fail', async () => {
		const { output } = await create({ quantity: -1 }, { continueOnFail: true });
		expect(output).toHaveLength(1);
		expect(output[0].json.error).toMatch(/"Quantity" must be a whole number/);
		expect(output[0].pairedItem).toEqual({ item: 0 });
	});
});

describe('Work Order > Confirm', () => {
	it('confirms an SSC work order as printer, which starts generation', async () => {
		const created = await create({ templateId: SSC_TEMPLATE });
		const id = created.output[0].json.id;
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'confirm', workOrderId: String(id), substrateId: '74', equipmentId: '214', externalId: 'tk_001' },
			credentials: env.credentials(),
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ id, external_id: 'tk_001' });
		const [patch] = apiCalls(env.sandbox, 'PATCH', /printer-confirm/);
		expect(JSON.parse(patch.body!.toString())).toEqual({ substrate: 74, equipment: 214, external_id: 'tk_001' });
	});

	it('shows Scantrust\'s reason when the work order is not an SSC one', async () => {
		const created = await create({});
		const { error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'confirm', workOrderId: String(created.output[0].json.id), substrateId: '74', equipmentId: '214' },
			credentials: env.credentials(),
		});
		expect(error?.httpCode).toBe('400');
		expect(error?.message).toMatch(/^Could not confirm work order \d+ as printer: \S/);
	});

	it('names the work order on 404', async () => {
		const { error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'confirm', workOrderId: '999999', substrateId: '74', equipmentId: '214' },
			credentials: env.credentials(),
		});
		expect(error?.message).toBe('Could not confirm work order 999999 as printer: Work order 999999 was not found (404)');
	});

	it('with Continue On Fail, pairs each error item to its input and confirms the rest', async () => {
		const ssc = (await create({ templateId: SSC_TEMPLATE })).output[0].json.id;
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'confirm', workOrderId: '={{ $json.id }}', substrateId: '={{ $json.substrate }}', equipmentId: '214' },
			credentials: env.credentials(),
			input: [{ json: { id: 999999, substrate: 74 } }, { json: { id: ssc, substrate: 'glossy' } }, { json: { id: ssc, substrate: 74 } }],
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json).toMatchObject({ error: 'Could not confirm work order 999999 as printer: Work order 999999 was not found (404)', httpCode: '404' });
		expect(output[1].json.error).toMatch(/^Item 1: "Substrate ID" must be a numeric Scantrust id/);
		expect(output[2].json).toMatchObject({ id: ssc, substrate: expect.anything() });
		expect(apiCalls(env.sandbox, 'PATCH', /printer-confirm/)).toHaveLength(2);
	});
});

describe('Work Order > Get', () => {
	it('reads one work order', async () => {
		const created = await create({});
		const { output } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'get', workOrderId: String(created.output[0].json.id) },
			credentials: env.credentials(),
		});
		expect(output[0].json).toMatchObject({ id: created.output[0].json.id, reference: created.output[0].json.reference });
	});

	it('names the missing work order on 404, and pairs error items to their inputs', async () => {
		const created = await create({});
		const { output } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'get', workOrderId: '={{ $json.id }}' },
			credentials: env.credentials(),
			input: [{ json: { id: 424242 } }, { json: { id: 'WO-1' } }, { json: { id: created.output[0].json.id } }],
			continueOnFail: true,
		});
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json.error).toBe('Could not read work order 424242: Work order 424242 was not found (404)');
		expect(output[1].json.error).toMatch(/^Item 1: "Work Order ID" must be a numeric Scantrust id/);
		expect(output[2].json.id).toBe(created.output[0].json.id);
	});
});

describe('Work Order > Get Many', () => {
	beforeEach(() => {
		for (let i = 0; i < 130; i++) env.sandbox.createWorkOrder({ template: SID_TEMPLATE, quantity: 1, reference: `BULK-${i}`, remarks: i % 2 ? 'odd' : 'even' });
	});

	it('returns all work orders across pages', async () => {
		const { output } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'getMany', returnAll: true },
			credentials: env.credentials(),
		});
		expect(output).toHaveLength(env.sandbox.state.workOrders.length);
		expect(new Set(output.map((item) => item.json.id)).size).toBe(output.length);
		expect(apiCalls(env.sandbox, 'GET', /^\/api\/v2\/workorders\/$/).length).toBeGreaterThan(1);
	});

	it('stops at the limit', async () => {
		const { output } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'getMany', returnAll: false, limit: 5 },
			credentials: env.credentials(),
		});
		expect(output).toHaveLength(5);
		expect(apiCalls(env.sandbox, 'GET', /^\/api\/v2\/workorders\/$/)).toHaveLength(1);
	});

	it('filters by search text and archived flag', async () => {
		const search = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'getMany', returnAll: true, filters: { search: 'BULK-12' } },
			credentials: env.credentials(),
		});
		expect(search.output.map((item) => item.json.reference).sort()).toEqual(['BULK-12', 'BULK-120', 'BULK-121', 'BULK-122', 'BULK-123', 'BULK-124', 'BULK-125', 'BULK-126', 'BULK-127', 'BULK-128', 'BULK-129']);
		const archived = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'getMany', returnAll: true, filters: { isArchived: true } },
			credentials: env.credentials(),
		});
		expect(archived.output.length).toBeGreaterThan(0);
		expect(archived.output.every((item) => item.json.is_archived === true)).toBe(true);
	});

	it('with Continue On Fail, pairs each error item to its input and lists for the rest', async () => {
		env.sandbox.faults.push({ method: 'GET', path: WORK_ORDER_LIST, status: 403 });
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'getMany', returnAll: false, limit: '={{ $json.limit }}' },
			credentials: env.credentials(),
			input: [{ json: { limit: 3 } }, { json: { limit: -2 } }, { json: { limit: 2 } }],
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 2 }]);
		expect(output[0].json).toMatchObject({ error: 'Could not list work orders: the UAT token lacks the permission "workorder_view" (403)', httpCode: '403' });
		expect(output[1].json.error).toBe('Item 1: "Limit" must be a whole number greater than 0, got -2');
		expect(output.slice(2).every((item) => typeof item.json.id === 'number' && item.json.error === undefined)).toBe(true);
		expect(apiCalls(env.sandbox, 'GET', WORK_ORDER_LIST)).toHaveLength(2);
	});
});
