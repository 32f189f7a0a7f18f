import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { apiRequestAllItems } from '../../transport/paginate';
import { runForEachItem } from '../items';
import { getListLimit, listFields } from '../listFields';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['template'], operation: ['getMany'] } },
	listFields,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) =>
		await apiRequestAllItems.call(
			this,
			'/api/v2/workorders/templates/',
			{},
			{ action: 'list work order templates', permission: 'workorder_view', itemIndex },
			getListLimit(this, itemIndex),
		),
	);
}
