import type { INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { scantrustApiTest } from './methods/credentialTest';
import { filtersCollection } from './actions/listFields';
import { campaignIdField, flagsField } from './actions/scan/fields';
import { pollScans } from './trigger/newScan';
import { pollWorkOrders } from './trigger/poll';

/**
 * Polling trigger: new work orders, work orders whose codes became ready, or new (flagged) scans. Each is
 * emitted once, oldest first; the cursor kept between polls is described in trigger/cursor.ts.
 */
export class ScantrustTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scantrust Trigger',
		name: 'scantrustTrigger',
		icon: { light: 'file:scantrust.svg', dark: 'file:scantrust.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"] === "codesReady" ? "Codes ready" : $parameter["event"] === "newScan" ? "New scan" : "New work order"}}',
		description: 'Starts the workflow when a Scantrust work order is created, its codes are ready, or a code is scanned',
		defaults: { name: 'Scantrust Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'scantrustApi', required: true, testedBy: 'scantrustApiTest' }],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				noDataExpression: true,
				required: true,
				options: [
					{
						name: 'Codes Ready',
						value: 'codesReady',
						description:
							'The codes of a work order were generated and can be downloaded (Work Order > Download)',
					},
					{
						name: 'New Scan',
						value: 'newScan',
						description: 'A code of a campaign was scanned, e.g. a scan flagged counterfeit',
					},
					{
						name: 'New Work Order',
						value: 'newWorkOrder',
						description: 'A work order was created',
					},
				],
				default: 'newWorkOrder',
				description:
					'What starts the workflow. Each work order or scan starts it once; those from before the trigger was activated do not.',
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				displayOptions: { show: { event: ['newWorkOrder', 'codesReady'] } },
				options: [
					{
						displayName: 'Include Archived',
						name: 'includeArchived',
						type: 'boolean',
						default: false,
						description: 'Whether archived work orders start the workflow too',
					},
					{
						displayName: 'Search',
						name: 'search',
						type: 'string',
						default: '',
						description: 'Only work orders whose reference or remarks contain this text',
					},
				],
			},
			// The newScan event: the campaign, and the flags a scan must carry (any of them).
			{
				...campaignIdField,
				description: 'ID of the campaign whose scans start the workflow, as in the address of its dashboard in the Scantrust portal (campaignId=...)',
				displayOptions: { show: { event: ['newScan'] } },
			},
			{
				...filtersCollection([{ ...flagsField, description: `${String(flagsField.description)}; empty: every scan` }]),
				displayOptions: { show: { event: ['newScan'] } },
			},
		],
	};

	methods = {
		credentialTest: { scantrustApiTest },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		if (this.getNodeParameter('event') === 'newScan') return await pollScans.call(this);
		return await pollWorkOrders.call(this);
	}
}
