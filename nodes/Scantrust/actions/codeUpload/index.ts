import type { ScantrustResource } from '../types';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as process from './process.operation';
import * as upload from './upload.operation';

export const codeUpload: ScantrustResource = {
	operationProperty: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['codeUpload'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get an ingestion record',
				description: 'Read one code upload (ingestion record) by its key, e.g. to see its status or errors',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many ingestion records',
				description: 'List code uploads (ingestion records), optionally filtered',
			},
			{
				name: 'Process',
				value: 'process',
				action: 'Process an uploaded codes file',
				description: 'Have Scantrust create the codes of a file uploaded without processing (either ingestion flow)',
			},
			{
				name: 'Upload',
				value: 'upload',
				action: 'Upload your own codes',
				description:
					'Upload your own code IDs from items or a CSV/JSON file and have Scantrust create them. Outputs one item per upload file: recordKey, status, processed, codeCount, columns, part, parts, fileName, ingestionMode, workOrderId, record.',
			},
		],
		default: 'upload',
	},
	operations: { get, getMany, process, upload },
};
