import { runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';

const env = useSandbox();

describe('Template > Get Many', () => {
	it('lists the templates of the company', async () => {
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'template', operation: 'getMany', returnAll: true },
			credentials: env.credentials(),
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.id)).toEqual(env.sandbox.state.templates.map((template) => template.id));
		expect(output[0].json).toHaveProperty('code_layout');
	});

	it('stops at the limit', async () => {
		const { output } = await runScantrustNode({
			parameters: { resource: 'template', operation: 'getMany', returnAll: false, limit: 2 },
			credentials: env.credentials(),
		});
		expect(output).toHaveLength(2);
	});

	it('names the permission workorder_view when the token lacks it (403)', async () => {
		env.sandbox.state.tokens['create-only'] = ['workorder_create'];
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'template', operation: 'getMany', returnAll: true },
			credentials: env.credentials('create-only'),
		});
		expect(output).toHaveLength(0);
		expect(error?.message).toBe('Could not list work order templates: the UAT token lacks the permission "workorder_view" (403)');
		expect(error?.httpCode).toBe('403');
		expect(String(error?.description)).toMatch(/grant "workorder_view"/);
	});

	it.each([[0], [-3], [1.5], ['many']])('rejects the limit %j before calling Scantrust', async (limit) => {
		const { error } = await runScantrustNode({
			parameters: { resource: 'template', operation: 'getMany', returnAll: false, limit: '={{ $json.limit }}' },
			credentials: env.credentials(),
			input: [{ json: { limit } }],
		});
		expect(error?.message).toBe(`Item 0: "Limit" must be a whole number greater than 0, got ${JSON.stringify(limit)}`);
		expect(apiCalls(env.sandbox, 'GET', /templates/)).toHaveLength(0);
	});

	it('with Continue On Fail, pairs each error item to its input and lists for the rest', async () => {
		env.sandbox.faults.push({ method: 'GET', path: /templates/, status: 403 });
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'template', operation: 'getMany', returnAll: false, limit: '={{ $json.limit }}' },
			credentials: env.credentials(),
			input: [{ json: { limit: 2 } }, { json: { limit: -1 } }, { json: { limit: 2 } }],
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 2 }]);
		expect(output[0].json).toMatchObject({ error: 'Could not list work order templates: the UAT token lacks the permission "workorder_view" (403)', httpCode: '403' });
		expect(output[1].json.error).toBe('Item 1: "Limit" must be a whole number greater than 0, got -1');
		expect(output.slice(2).map((item) => item.json.id)).toEqual(env.sandbox.state.templates.slice(0, 2).map((template) => template.id));
	});
});
