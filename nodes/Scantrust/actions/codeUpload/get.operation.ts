import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runForEachItem } from '../items';
import { nonEmptyText } from '../validate';
import { recordKeyField } from './fields';
import { getIngestionRecord } from '../../api/ingestion';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['codeUpload'], operation: ['get'] } },
	[recordKeyField],
);

/** Output: the ingestion record, whatever its status (a failed one lists Scantrust's errors in result_data). */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const key = nonEmptyText(this, itemIndex, 'Record Key', this.getNodeParameter('recordKey', itemIndex));
		return await getIngestionRecord(this, key, itemIndex);
	});
}
