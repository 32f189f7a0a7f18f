import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { resources } from './actions/resources';
import { router } from './actions/router';
import { scantrustApiTest } from './methods/credentialTest';
import { getTemplates } from './methods/loadOptions';

export class Scantrust implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scantrust',
		name: 'scantrust',
		icon: { light: 'file:scantrust.svg', dark: 'file:scantrust.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Order and download Scantrust codes, upload your own, manage products, update codes and export code data',
		defaults: { name: 'Scantrust' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'scantrustApi', required: true, testedBy: 'scantrustApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Code', value: 'code' },
					{ name: 'Code Upload', value: 'codeUpload' },
					{ name: 'Product', value: 'product' },
					{ name: 'Scan', value: 'scan' },
					{ name: 'Template', value: 'template' },
					{ name: 'Work Order', value: 'workOrder' },
				],
				default: 'workOrder',
			},
			...Object.values(resources).flatMap((resource) => [
				resource.operationProperty,
				...Object.values(resource.operations).flatMap((operation) => operation.description),
			]),
		],
	};

	methods = {
		credentialTest: { scantrustApiTest },
		loadOptions: { getTemplates },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
