import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { positiveInteger } from './validate';

/** `returnAll` and `limit`, as every n8n "Get Many" has them. */
export const listFields: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

/** The `filters` collection of a list: only the filters a user adds are sent. */
export function filtersCollection(options: INodeProperties[], name = 'filters'): INodeProperties {
	return { displayName: 'Filters', name, type: 'collection', placeholder: 'Add Filter', default: {}, options };
}

/** The `additionalFields` collection of a create: optional fields a user adds one by one. */
export function additionalFieldsCollection(options: INodeProperties[]): INodeProperties {
	return { displayName: 'Additional Fields', name: 'additionalFields', type: 'collection', placeholder: 'Add Field', default: {}, options };
}

/** undefined = return all. An expression can bypass minValue, so the limit is checked here. */
export function getListLimit(ctx: IExecuteFunctions, itemIndex: number): number | undefined {
	if (ctx.getNodeParameter('returnAll', itemIndex, false) as boolean) return undefined;
	return positiveInteger(ctx, itemIndex, 'Limit', ctx.getNodeParameter('limit', itemIndex, 50));
}
