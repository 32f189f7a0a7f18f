import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { apiRequestAllItems } from '../../transport/paginate';
import { runForEachItem } from '../items';
import { filtersCollection, getListLimit, listFields } from '../listFields';
import { WORK_ORDERS_PATH } from '../../api/workOrders';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['workOrder'], operation: ['getMany'] } },
	[
		...listFields,
		filtersCollection([
			{
				displayName: 'Search',
				name: 'search',
				type: 'string',
				default: '',
				description: 'Text to find in the reference or remarks of work orders',
			},
			{
				displayName: 'Archived',
				name: 'isArchived',
				type: 'boolean',
				default: false,
				description: 'Whether to list only archived work orders (on) or only active ones (off). Leave the filter out to list both.',
			},
		]),
	],
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const filters = this.getNodeParameter('filters', itemIndex, {}) as { search?: string; isArchived?: boolean };
		const qs: IDataObject = {};
		if (filters.search) qs.search = filters.search;
		if (filters.isArchived !== undefined) qs.is_archived = filters.isArchived ? 1 : 0;
		return await apiRequestAllItems.call(
			this,
			WORK_ORDERS_PATH,
			qs,
			{ action: 'list work orders', permission: 'workorder_view', itemIndex },
			getListLimit(this, itemIndex),
		);
	});
}
