import type { INodeProperties } from 'n8n-workflow';

/** The parameters of the newScan event: the campaign, and the flags a scan must carry (any of them). */
export const newScanProperties: INodeProperties[] = [
	{
		displayName: 'Campaign ID',
		name: 'campaignId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 126',
		description: "ID of the campaign whose scans start the workflow, as in the address of its dashboard in the Scantrust portal (campaignId=...)",
		displayOptions: { show: { event: ['newScan'] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { event: ['newScan'] } },
		options: [
			{
				displayName: 'Flags',
				name: 'flags',
				type: 'string',
				default: '',
				placeholder: 'e.g. counterfeit,out-of-market',
				description: 'Only scans carrying at least one of these flags, comma-separated as Scantrust names them; empty: every scan',
			},
		],
	},
];
