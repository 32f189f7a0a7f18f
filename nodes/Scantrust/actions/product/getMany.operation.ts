import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { PRODUCTS_PATH } from '../../api/products';
import { apiRequestAllItems } from '../../transport/paginate';
import { runForEachItem } from '../items';
import { getListLimit, listFields } from '../listFields';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['product'], operation: ['getMany'] } },
	[
		...listFields,
		{
			displayName: 'Filters',
			name: 'filters',
			type: 'collection',
			placeholder: 'Add Filter',
			default: {},
			options: [
				{
					displayName: 'Archived',
					name: 'isArchived',
					type: 'boolean',
					default: false,
					description: 'Whether to list archived products (on) or products in use (off). Without this filter Scantrust lists products in use.',
				},
				{
					displayName: 'SKU',
					name: 'sku',
					type: 'string',
					default: '',
					placeholder: 'e.g. P2',
					description: 'Only the product with exactly this SKU (case-sensitive)',
				},
			],
		},
	],
);

/** Output: one item per product, in Scantrust's order. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const filters = this.getNodeParameter('filters', itemIndex, {}) as { isArchived?: boolean; sku?: string };
		const qs: IDataObject = {};
		if (filters.isArchived !== undefined) qs.is_archived = filters.isArchived ? 1 : 0;
		if (filters.sku !== undefined && String(filters.sku).trim() !== '') qs.sku__exact = String(filters.sku).trim();
		return await apiRequestAllItems.call(
			this,
			PRODUCTS_PATH,
			qs,
			{ action: 'list products', permission: 'product_view', itemIndex },
			getListLimit(this, itemIndex),
		);
	});
}
