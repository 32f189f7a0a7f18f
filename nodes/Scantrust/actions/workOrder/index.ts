import type { ScantrustResource } from '../types';
import * as confirm from './confirm.operation';
import * as create from './create.operation';
import * as download from './download.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';

export const workOrder: ScantrustResource = {
	operationProperty: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['workOrder'] } },
		options: [
			{
				name: 'Confirm',
				value: 'confirm',
				action: 'Confirm a work order as printer',
				description: 'As printing partner, confirm substrate and equipment of an SSC work order so its codes are generated',
			},
			{
				name: 'Create',
				value: 'create',
				action: 'Create a work order',
				description: 'Order new codes from a template',
			},
			{
				name: 'Download',
				value: 'download',
				action: 'Download the codes of a work order',
				description: 'Get the generated codes, one item per batch (or per code, or the archive file)',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a work order',
				description: 'Read one work order by ID',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many work orders',
				description: 'List or search work orders',
			},
		],
		default: 'create',
	},
	operations: { confirm, create, download, get, getMany },
};
