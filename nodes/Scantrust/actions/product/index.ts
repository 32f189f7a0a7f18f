import type { ScantrustResource } from '../types';
import * as create from './create.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';

export const product: ScantrustResource = {
	operationProperty: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['product'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a product',
				description: 'Create one product with a SKU unique in your company',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a product',
				description: 'Read one product by ID or SKU',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many products',
				description: 'List products, or find one by SKU',
			},
		],
		default: 'getMany',
	},
	operations: { create, get, getMany },
};
