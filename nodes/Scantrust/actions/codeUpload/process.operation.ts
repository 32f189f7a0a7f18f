import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getWaitSettings } from '../waitFields';
import { runForEachItem } from '../items';
import { nonEmptyText } from '../validate';
import { ingestionWaitFields, processOptionsCollection, readProcessOptions, recordKeyField } from './fields';
import { assertNotFailed, processOnce, settleRecord } from '../../api/ingestion';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['codeUpload'], operation: ['process'] } },
	[
		{ ...recordKeyField, description: 'Key of an uploaded, not yet processed ingestion record (status "uploading")' },
		...ingestionWaitFields(),
		processOptionsCollection,
	],
);

/** Output: the ingestion record (when waited, as Scantrust left it). */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const key = nonEmptyText(this, itemIndex, 'Record Key', this.getNodeParameter('recordKey', itemIndex));
		const options = readProcessOptions(this, itemIndex);
		const wait = getWaitSettings(this, itemIndex);
		await processOnce(this, key, options, itemIndex);
		return assertNotFailed(this, await settleRecord(this, key, wait, itemIndex), itemIndex);
	});
}
