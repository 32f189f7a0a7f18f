import type { INodeProperties } from 'n8n-workflow';

/** `workOrderId`, used by confirm, get and download. */
export const workOrderIdField: INodeProperties = {
	displayName: 'Work Order ID',
	name: 'workOrderId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 5094',
	description: 'Numeric ID of the work order (the "ID" field a Create or Get Many returns)',
};
