import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { apiRequest } from '../../transport/request';
import { runForEachItem } from '../items';
import { numericId } from '../validate';
import { workOrderIdField } from './fields';
import { WORK_ORDERS_PATH } from '../../api/workOrders';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['workOrder'], operation: ['confirm'] } },
	[
		{ ...workOrderIdField, description: 'Numeric ID of the SSC work order to confirm as printing partner' },
		{
			displayName: 'Substrate ID',
			name: 'substrateId',
			type: 'string',
			required: true,
			default: '',
			description: 'Numeric ID of the calibrated substrate the codes will be printed on',
		},
		{
			displayName: 'Equipment ID',
			name: 'equipmentId',
			type: 'string',
			required: true,
			default: '',
			description: 'Numeric ID of the calibrated printing equipment',
		},
		{
			displayName: 'External ID',
			name: 'externalId',
			type: 'string',
			default: '',
			description: "The printing partner's own reference for this job (optional)",
		},
	],
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const id = numericId(this, itemIndex, 'Work Order ID', this.getNodeParameter('workOrderId', itemIndex));
		const body: IDataObject = {
			substrate: numericId(this, itemIndex, 'Substrate ID', this.getNodeParameter('substrateId', itemIndex)),
			equipment: numericId(this, itemIndex, 'Equipment ID', this.getNodeParameter('equipmentId', itemIndex)),
		};
		const externalId = String(this.getNodeParameter('externalId', itemIndex, '')).trim();
		if (externalId) body.external_id = externalId;
		// Setting the same values again is harmless, but PATCH is not retried on 5xx: the user decides.
		return await apiRequest.call(this, {
			method: 'PATCH',
			path: `${WORK_ORDERS_PATH}${id}/printer-confirm/`,
			body,
			action: `confirm work order ${id} as printer`,
			permission: 'workorder_edit',
			resource: { name: 'Work order', id },
			itemIndex,
		});
	});
}
