import { API_LIMITS, apiRequest } from '../../nodes/Scantrust/transport/request';
import { DEFAULT_RETRY_POLICY } from '../../nodes/Scantrust/transport/retry';
import { runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';
import { runInNode } from './hostileServer';

const env = useSandbox();

const getWorkOrders = (token?: string) =>
	runScantrustNode({
		parameters: { resource: 'workOrder', operation: 'getMany', returnAll: false, limit: 3 },
		credentials: env.credentials(token),
	});

describe('authentication', () => {
	it('sends "Authorization: UAT <token>" to the API', async () => {
		await getWorkOrders();
		const [request] = apiCalls(env.sandbox, 'GET', /workorders/);
		expect(request.headers.authorization).toBe(`UAT ${env.sandbox.token}`);
	});

	it('says the token is wrong on 401, without ever showing it', async () => {
		const token = 'wrong-token-7f3a9c';
		const { error } = await getWorkOrders(token);
		expect(error?.message).toBe('Could not list work orders: the UAT token is missing or wrong (401)');
		expect(JSON.stringify(error)).not.toContain(token);
		expect(String(error?.description)).not.toContain(token);
	});
});

describe('throttling and server errors', () => {
	// The waits asked for (2 s, 3 s) differ from the 1 s the code falls back to, so ignoring them shows.
	it('waits out a 429 storm for as long as Retry-After says, then succeeds', async () => {
		env.sandbox.faults.push({ method: 'GET', path: /workorders/, status: 429, retryAfter: 2, times: 2 });
		const started = Date.now();
		const { output, error } = await getWorkOrders();
		const elapsed = Date.now() - started;
		expect(error).toBeUndefined();
		expect(output).toHaveLength(3);
		expect(elapsed).toBeGreaterThanOrEqual(3900);
		expect(elapsed).toBeLessThan(6000);
		expect(apiCalls(env.sandbox, 'GET', /workorders/)).toHaveLength(3);
	});

	it('reads the wait from the detail ("Expected available in 3 seconds") when there is no Retry-After header', async () => {
		env.sandbox.faults.push({ method: 'GET', path: /workorders/, status: 429, retryAfter: 3, retryAfterInDetailOnly: true });
		const started = Date.now();
		const { error } = await getWorkOrders();
		const elapsed = Date.now() - started;
		expect(error).toBeUndefined();
		expect(elapsed).toBeGreaterThanOrEqual(2900);
		expect(elapsed).toBeLessThan(5000);
		expect(apiCalls(env.sandbox, 'GET', /workorders/)).toHaveLength(2);
	});

	describe('with a total wait bound of 3 s', () => {
		const limits = { ...API_LIMITS, retry: { ...DEFAULT_RETRY_POLICY, maxTotalWaitSeconds: 3 } };
		const getWorkOrders = () =>
			runInNode(env.credentials(), async (ctx) =>
				await apiRequest.call(ctx, { method: 'GET', path: '/api/v2/workorders/', qs: { limit: 3 }, action: 'list work orders' }, limits),
			);

		it('stops waiting for a 429 once the next wait would pass the bound', async () => {
			// 2 s fits in 3 s; 2 s more would not, so the second 429 is the answer, with attempts left.
			env.sandbox.faults.push({ method: 'GET', path: /workorders/, status: 429, retryAfter: 2, times: 100 });
			const started = Date.now();
			const { error } = await getWorkOrders();
			const elapsed = Date.now() - started;
			expect(error?.message).toBe('Could not list work orders: Scantrust is still throttling requests after several retries (429)');
			expect(apiCalls(env.sandbox, 'GET', /workorders/)).toHaveLength(2);
			expect(elapsed).toBeGreaterThanOrEqual(1900);
			expect(elapsed).toBeLessThan(3900);
		});

		it('stops retrying a 5xx once the next back-off would pass the bound', async () => {
			// Back-offs 1 s + 2 s = 3 s fit; the next (4 s) would not.
			env.sandbox.faults.push({ method: 'GET', path: /workorders/, status: 503, times: 100 });
			const { error } = await getWorkOrders();
			expect(error?.message).toBe('Could not list work orders: Scantrust answered 503 Service Unavailable; try again later');
			expect(apiCalls(env.sandbox, 'GET', /workorders/)).toHaveLength(3);
		});
	});

	it('gives up on endless throttling with a message saying what to do', async () => {
		env.sandbox.faults.push({ method: 'GET', path: /workorders/, status: 429, retryAfter: 1, times: 100 });
		const { error } = await getWorkOrders();
		expect(error?.message).toBe('Could not list work orders: Scantrust is still throttling requests after several retries (429)');
		expect(String(error?.description)).toMatch(/Request was throttled/);
		expect(apiCalls(env.sandbox, 'GET', /workorders/)).toHaveLength(4);
	});

	it('shows a short text, not the HTML page, when a 5xx answer is HTML', async () => {
		env.sandbox.faults.push({ method: 'PATCH', path: /printer-confirm/, status: 502 });
		const { error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'confirm', workOrderId: '5001', substrateId: '74', equipmentId: '214' },
			credentials: env.credentials(),
		});
		expect(error?.message).toBe('Could not confirm work order 5001 as printer: Scantrust answered 502 Bad Gateway; try again later');
		expect(JSON.stringify(error)).not.toMatch(/<html|<h1/);
	});

	it('retries a GET on 503 and succeeds', async () => {
		env.sandbox.faults.push({ method: 'GET', path: /workorders/, status: 503, times: 2 });
		const { output, error } = await getWorkOrders();
		expect(error).toBeUndefined();
		expect(output).toHaveLength(3);
		expect(apiCalls(env.sandbox, 'GET', /workorders/)).toHaveLength(3);
	});

	it('does not retry a PATCH on 500', async () => {
		env.sandbox.faults.push({ method: 'PATCH', path: /printer-confirm/, status: 500 });
		const { error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'confirm', workOrderId: '5001', substrateId: '74', equipmentId: '214' },
			credentials: env.credentials(),
		});
		expect(error?.message).toBe('Could not confirm work order 5001 as printer: Scantrust answered 500 Internal Server Error; try again later');
		expect(apiCalls(env.sandbox, 'PATCH', /printer-confirm/)).toHaveLength(1);
	});
});

describe('template drop-down', () => {
	it('lists active templates by name for the Create form', async () => {
		const { loadTemplateOptions } = await import('../helpers/n8nHarness');
		const options = await loadTemplateOptions(env.credentials());
		const active = env.sandbox.state.templates.filter((template) => !template.is_archived);
		expect(options.map((option) => option.value).sort()).toEqual(active.map((template) => template.id).sort());
		expect(options.find((option) => option.value === 101)?.name).toBe('SID Serialized (101)');
	});
});
