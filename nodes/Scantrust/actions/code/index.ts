import type { ScantrustResource } from '../types';
import * as getMany from './getMany.operation';
import * as update from './update.operation';
import * as updateMany from './updateMany.operation';

export const code: ScantrustResource = {
	operationProperty: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['code'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Export code data',
				description: 'Export the data of codes (status, product, SCM fields), filtered, as items or a CSV file',
			},
			{
				name: 'Update',
				value: 'update',
				action: 'Update codes',
				description: 'Activate, blacklist or re-assign the code of each input item, or set its SCM data',
			},
			{
				name: 'Update Many',
				value: 'updateMany',
				action: 'Update many codes by constraint',
				description: 'Update every code that matches constraints (e.g. a pallet) in one background task',
			},
		],
		default: 'update',
	},
	operations: { getMany, update, updateMany },
};
