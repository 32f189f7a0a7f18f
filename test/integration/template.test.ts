import { runScantrustNode } from '../helpers/n8nHarness';
import { useSandbox } from '../helpers/sandboxFixture';

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
});
