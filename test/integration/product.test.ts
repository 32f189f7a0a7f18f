import type { INodeExecutionData } from 'n8n-workflow';

import { runScantrustNode } from '../helpers/n8nHarness';
import { apiCalls, useSandbox } from '../helpers/sandboxFixture';

const env = useSandbox();

function run(operation: string, parameters: Record<string, unknown>, extra: { token?: string; continueOnFail?: boolean; input?: INodeExecutionData[] } = {}) {
	return runScantrustNode({
		parameters: { resource: 'product', operation, ...parameters } as never,
		credentials: env.credentials(extra.token),
		continueOnFail: extra.continueOnFail,
		input: extra.input,
	});
}

const PRODUCT_LIST = /^\/api\/v2\/products\/$/;

describe('Product > Get Many', () => {
	it('lists the products in use, one item each', async () => {
		const { output, error } = await run('getMany', { returnAll: true });
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.sku)).toEqual(['P2', 'NICK1', 'sku1']);
		expect(output[1].json).toMatchObject({ id: 6134, name: 'Nick 1', brand: { id: 143 }, campaign: { id: 21 }, is_archived: false });
	});

	it('filters by archived and by SKU, and stops at the limit', async () => {
		const archived = await run('getMany', { returnAll: true, filters: { isArchived: true } });
		expect(archived.output.map((item) => item.json.sku)).toEqual(['OLD-1']);
		const bySku = await run('getMany', { returnAll: true, filters: { sku: 'sku1' } });
		expect(bySku.output.map((item) => item.json.id)).toEqual([7001]);
		expect(apiCalls(env.sandbox, 'GET', PRODUCT_LIST).at(-1)?.query).toMatchObject({ sku__exact: 'sku1' });
		const limited = await run('getMany', { returnAll: false, limit: 2 });
		expect(limited.output).toHaveLength(2);
	});

	it('names the permission on a 403', async () => {
		env.sandbox.state.tokens['no-products'] = ['codes_view'];
		const { error } = await run('getMany', { returnAll: true }, { token: 'no-products' });
		expect(error?.message).toMatch(/lacks the permission "product_view" \(403\)/);
	});
});

describe('Product > Get', () => {
	it('finds a product by id, by SKU, and by a SKU made of digits', async () => {
		env.sandbox.state.products.push({ id: 9100, sku: '4006381333931', name: 'Numeric SKU', brand: { id: 143, name: 'Sandbox Brand' } });
		const input = ['6134', 'NICK1', '4006381333931'].map((productId) => ({ json: { productId } }));
		const { output, error } = await run('get', { productId: '={{ $json.productId }}' }, { input });
		expect(error).toBeUndefined();
		expect(output.map((item) => [item.json.id, item.pairedItem])).toEqual([
			[6134, { item: 0 }],
			[6134, { item: 1 }],
			[9100, { item: 2 }],
		]);
		// The SKU is looked up with sku__exact, not with a search.
		expect(apiCalls(env.sandbox, 'GET', PRODUCT_LIST).some((call) => call.query.sku__exact === 'NICK1')).toBe(true);
	});

	it('finds an archived product by SKU', async () => {
		const { output } = await run('get', { productId: 'OLD-1' });
		expect(output[0].json).toMatchObject({ id: 7002, is_archived: true });
	});

	it('fails for an unknown SKU naming item and field; Continue On Fail gives a paired error item', async () => {
		const { error } = await run('get', { productId: 'nick1' });
		expect(error?.message).toBe('Item 0: "Product ID or SKU": no product has a SKU "nick1"');
		const input = [{ json: { productId: 'P2' } }, { json: { productId: '424242' } }];
		const { output } = await run('get', { productId: '={{ $json.productId }}' }, { input, continueOnFail: true });
		expect(output[0].json.id).toBe(2);
		expect(output[1]).toMatchObject({ json: { error: 'Item 1: "Product ID or SKU": no product has an id or a SKU "424242"' }, pairedItem: { item: 1 } });
	});
});

describe('Product > Create', () => {
	it('creates a product with the additional fields in Scantrust\'s names', async () => {
		const { output, error } = await run('create', {
			sku: 'WINE-RED',
			name: 'Red wine',
			additionalFields: { brand: 'export-brand', campaign: '22', clientUrl: 'https://example.com/red', description: 'A red wine' },
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ sku: 'WINE-RED', brand: { id: 144 }, campaign: { id: 22 }, client_url: 'https://example.com/red' });
		const [post] = apiCalls(env.sandbox, 'POST', PRODUCT_LIST);
		expect(JSON.parse(post.body!.toString())).toEqual({
			sku: 'WINE-RED',
			name: 'Red wine',
			brand: 'export-brand',
			campaign: 22,
			client_url: 'https://example.com/red',
			description: 'A red wine',
		});
	});

	it('sends a numeric brand as an id', async () => {
		await run('create', { sku: 'B-ID', name: 'Brand by id', additionalFields: { brand: '143' } });
		expect(JSON.parse(apiCalls(env.sandbox, 'POST', PRODUCT_LIST)[0].body!.toString()).brand).toBe(143);
	});

	it('refuses a SKU that already exists, naming that product, and creates nothing', async () => {
		const { error } = await run('create', { sku: 'NICK1', name: 'Duplicate' });
		expect(error?.message).toBe('Item 0: the SKU "NICK1" already belongs to product 6134 ("Nick 1")');
		expect(env.sandbox.state.products.filter((p) => p.sku === 'NICK1')).toHaveLength(1);
	});

	it('shows a field error verbatim', async () => {
		const { error } = await run('create', { sku: 'X-1', name: 'X', additionalFields: { brand: 'no-such-brand' } });
		expect(error?.message).toMatch(/^Could not create product "X-1": brand: Object with reference=no-such-brand does not exist\./);
		expect(error?.httpCode).toBe('400');
	});

	it('creates once when Scantrust creates the product but the answer is lost', async () => {
		env.sandbox.faults.push({ method: 'POST', path: PRODUCT_LIST, status: 502, afterHandling: true });
		const { output, error } = await run('create', { sku: 'LOST-ANSWER', name: 'Lost answer' });
		expect(error).toBeUndefined();
		expect(output[0].json.sku).toBe('LOST-ANSWER');
		expect(env.sandbox.state.products.filter((p) => p.sku === 'LOST-ANSWER')).toHaveLength(1);
		expect(apiCalls(env.sandbox, 'POST', PRODUCT_LIST)).toHaveLength(1);
	});

	it('checks every item before creating any: repeated SKU, empty name, bad URL', async () => {
		const input = [{ json: { sku: 'A-1', name: 'A' } }, { json: { sku: 'A-1', name: 'A again' } }];
		const repeated = await run('create', { sku: '={{ $json.sku }}', name: '={{ $json.name }}' }, { input });
		expect(repeated.error?.message).toBe('Item 1: "SKU" "A-1" is also the SKU of item 0');
		const empty = await run('create', { sku: 'B-1', name: ' ' });
		expect(empty.error?.message).toBe('Item 0: "Name" must not be empty');
		const url = await run('create', { sku: 'B-2', name: 'B', additionalFields: { clientUrl: 'example.com' } });
		expect(url.error?.message).toMatch(/^Item 0: "Client URL" must be a web address/);
		expect(apiCalls(env.sandbox, 'POST', PRODUCT_LIST)).toHaveLength(0);
	});

	it('names product_create on a 403; Continue On Fail keeps the other items', async () => {
		env.sandbox.state.tokens['view-only'] = ['product_view'];
		const { error } = await run('create', { sku: 'NOPE', name: 'No permission' }, { token: 'view-only' });
		expect(error?.message).toMatch(/lacks the permission "product_create" \(403\)/);
		const input = [{ json: { sku: 'NICK1' } }, { json: { sku: 'FRESH-1' } }];
		const { output } = await run('create', { sku: '={{ $json.sku }}', name: 'Item' }, { input, continueOnFail: true });
		expect(output[0]).toMatchObject({ json: { error: expect.stringMatching(/already belongs to product 6134/) }, pairedItem: { item: 0 } });
		expect(output[1]).toMatchObject({ json: { sku: 'FRESH-1' }, pairedItem: { item: 1 } });
	});
});
