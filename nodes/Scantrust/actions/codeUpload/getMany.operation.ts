import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { apiRequestAllItems } from '../../transport/paginate';
import { runForEachItem } from '../items';
import { filtersCollection, getListLimit, listFields } from '../listFields';
import { INGESTION_PATH } from '../../api/ingestion';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['codeUpload'], operation: ['getMany'] } },
	[
		...listFields,
		filtersCollection([
			{
				displayName: 'Ingestion Mode',
				name: 'ingestionMode',
				type: 'string',
				default: 'api',
				placeholder: 'e.g. api',
				description: 'How the records were created; uploads through the API (and this node) are "api"',
			},
			{
				displayName: 'Status',
				name: 'status',
				// Free text: Scantrust documents only two status names, so a fixed list would invent the rest.
				type: 'string',
				default: '',
				placeholder: 'e.g. error',
				description:
					'Only records in this status, as Scantrust names it. Documented: "uploading" (waiting for its file or for processing) and "error" (processing failed).',
			},
			{
				displayName: 'Type',
				name: 'type',
				type: 'options',
				options: [{ name: 'Code', value: 'code', description: 'Code uploads' }],
				default: 'code',
				description: 'Only records of this type',
			},
		]),
	],
);

/** Output: one item per ingestion record, newest first as Scantrust lists them. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForEachItem(this, items, async (itemIndex) => {
		const filters = this.getNodeParameter('filters', itemIndex, {}) as { type?: string; status?: string; ingestionMode?: string };
		const qs: IDataObject = {};
		if (filters.type) qs.type = filters.type;
		if (filters.status?.trim()) qs.status = filters.status.trim();
		if (filters.ingestionMode) qs.ingestion_mode = filters.ingestionMode.trim();
		return await apiRequestAllItems.call(
			this,
			INGESTION_PATH,
			qs,
			{ action: 'list ingestion records', permission: 'ingestion_view', itemIndex },
			getListLimit(this, itemIndex),
		);
	});
}
