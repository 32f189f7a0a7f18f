import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runForEachItem } from '../items';
import { numericId } from '../validate';
import { workOrderIdField } from './fields';
import { getWorkOrder } from '../../api/workOrders';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['workOrder'], operation: ['get'] } },
	[workOrderIdField],
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const id = numericId(this, itemIndex, 'Work Order ID', this.getNodeParameter('workOrderId', itemIndex));
		return await getWorkOrder(this, id, itemIndex);
	});
}
