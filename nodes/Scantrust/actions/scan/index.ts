import type { ScantrustResource } from '../types';
import * as getMany from './getMany.operation';

export const scan: ScantrustResource = {
	operationProperty: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['scan'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Export scan data',
				description: 'Export the scans of a campaign (who, where, result, flags), filtered, one item per scan',
			},
		],
		default: 'getMany',
	},
	operations: { getMany },
};
