import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { createProduct } from '../../api/products';
import { checkEachItem, runForEachChecked } from '../items';
import { fail, nonEmptyText, numericId } from '../validate';
import { additionalFieldsCollection } from '../listFields';
import { showValue } from '../../codes/showValue';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['product'], operation: ['create'] } },
	[
		{
			displayName: 'SKU',
			name: 'sku',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. WINE-2024-RED',
			description: 'Stock keeping unit, unique within your company',
		},
		{
			displayName: 'Name',
			name: 'name',
			type: 'string',
			required: true,
			default: '',
			description: 'Name of the product',
		},
		additionalFieldsCollection([
			{
				displayName: 'Brand',
				name: 'brand',
				type: 'string',
				default: '',
				placeholder: 'e.g. 143 or my-brand',
				description: 'Brand ID (a number) or brand reference (text)',
			},
			{
				displayName: 'Campaign ID',
				name: 'campaign',
				type: 'string',
				default: '',
				description: 'Numeric ID of the campaign the product belongs to',
			},
			{
				displayName: 'Client URL',
				name: 'clientUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://example.com/product',
				description: 'Web page of the product',
			},
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				default: '',
				description: 'Description of the product',
			},
		]),
	],
);

/** The create body in Scantrust's names; values go as text, numbers for ids, as Scantrust's product tool sends them. */
function buildBody(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const extra = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		sku: nonEmptyText(ctx, itemIndex, 'SKU', ctx.getNodeParameter('sku', itemIndex)),
		name: nonEmptyText(ctx, itemIndex, 'Name', ctx.getNodeParameter('name', itemIndex)),
	};
	const filled = (value: unknown) => value !== undefined && value !== null && String(value).trim() !== '';
	if (filled(extra.brand)) {
		const brand = String(extra.brand).trim();
		body.brand = /^\d+$/.test(brand) ? Number(brand) : brand;
	}
	if (filled(extra.campaign)) body.campaign = numericId(ctx, itemIndex, 'Campaign ID', extra.campaign);
	if (filled(extra.clientUrl)) {
		const url = String(extra.clientUrl).trim();
		if (!/^https?:\/\/\S+$/i.test(url)) fail(ctx, itemIndex, 'Client URL', `must be a web address starting with http:// or https://, got ${showValue(url)}`);
		body.client_url = url;
	}
	if (filled(extra.description)) body.description = String(extra.description);
	return body;
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const bodies = await checkEachItem(this, items, async (itemIndex) => buildBody(this, itemIndex));
	// Scantrust takes one product per call, and a SKU once: two items with one SKU are a mistake in the input.
	const skuOwners = new Map<string, number>();
	bodies.forEach((body, itemIndex) => {
		if (body instanceof Error) return;
		const owner = skuOwners.get(String(body.sku));
		if (owner === undefined) skuOwners.set(String(body.sku), itemIndex);
		else {
			const error = new NodeOperationError(this.getNode(), `Item ${itemIndex}: "SKU" "${String(body.sku)}" is also the SKU of item ${owner}`, {
				itemIndex,
				description: 'SKUs are unique within your company. Nothing was created.',
			});
			if (!this.continueOnFail()) throw error;
			bodies[itemIndex] = error;
		}
	});
	return await runForEachChecked(this, items, bodies, async (body, itemIndex) => {
		return await createProduct(this, body, itemIndex);
	});
}
