import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { getWaitSettings } from '../waitFields';
import { runForEachItem } from '../items';
import { nonEmptyText } from '../validate';
import { ingestionWaitFields, processOptionsCollection, readProcessOptions, recordKeyField } from './fields';
import {
	assertNotFailed,
	fileProcessCall,
	getIngestionRecord,
	isFileModeRecord,
	legacyProcessCall,
	optionsNotTaken,
	processOnce,
	settleRecord,
} from '../../api/ingestion';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['codeUpload'], operation: ['process'] } },
	[
		{ ...recordKeyField, description: 'Key of an uploaded, not yet processed ingestion record (status "uploading")' },
		...ingestionWaitFields(),
		{
			...processOptionsCollection,
			description: 'For records of the legacy ingestion only: the current one takes these when the upload is made',
		},
	],
);

/**
 * Output: the ingestion record (when waited, as Scantrust left it). The record says which call processes it: a file
 * of Scantrust's current ingestion goes to process-from-file, a legacy one to the older process call.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const key = nonEmptyText(this, itemIndex, 'Record Key', this.getNodeParameter('recordKey', itemIndex));
		const options = readProcessOptions(this, itemIndex);
		const wait = getWaitSettings(this, itemIndex);
		const record = await getIngestionRecord(this, key, itemIndex);
		let call = legacyProcessCall(key, options);
		if (isFileModeRecord(record)) {
			const notTaken = optionsNotTaken(record, options);
			if (notTaken.length > 0) {
				throw new NodeOperationError(
					this.getNode(),
					`Item ${itemIndex}: ingestion record ${key} takes no ${notTaken.map((name) => `"${name}"`).join(', ')} when processed; it was made with other values`,
					{
						itemIndex,
						description:
							"Scantrust's current ingestion takes these options when the upload is made: set them in the Upload node's Additional Fields and upload again, or remove them here to process the record as it was made. Nothing was processed.",
					},
				);
			}
			call = fileProcessCall(key);
		}
		await processOnce(this, key, call, itemIndex);
		return assertNotFailed(this, await settleRecord(this, key, wait, itemIndex), itemIndex);
	});
}
