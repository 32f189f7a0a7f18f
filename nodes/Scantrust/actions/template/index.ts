import type { ScantrustResource } from '../types';
import * as getMany from './getMany.operation';

export const template: ScantrustResource = {
	operationProperty: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['template'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many templates',
				description: 'List the work order templates your company can use',
			},
		],
		default: 'getMany',
	},
	operations: { getMany },
};
