import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { findProduct, productNotFound } from '../../api/products';
import { runForEachItem } from '../items';
import { nonEmptyText } from '../validate';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['product'], operation: ['get'] } },
	[
		{
			displayName: 'Product ID or SKU',
			name: 'productId',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. 6134 or NICK1',
			description: 'Numeric ID or SKU of the product; digits are tried as an ID first, then as a SKU',
		},
	],
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const idOrSku = nonEmptyText(this, itemIndex, 'Product ID or SKU', this.getNodeParameter('productId', itemIndex));
		const product = await findProduct(this, idOrSku, itemIndex);
		if (!product) throw productNotFound(this, idOrSku, 'Product ID or SKU', itemIndex);
		return product;
	});
}
