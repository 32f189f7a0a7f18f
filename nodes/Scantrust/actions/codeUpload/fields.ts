import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { waitFields } from '../waitFields';
import type { ProcessOptions } from '../../api/ingestion';

/** `recordKey`, used by process and get. */
export const recordKeyField: INodeProperties = {
	displayName: 'Record Key',
	name: 'recordKey',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. p37bk370jurt',
	description: 'Key of the ingestion record (the "recordKey" an Upload returns, or "key" of Get Many)',
};

/** Process options, in the `options` collection of upload and process. */
const processOptionFields: INodeProperties[] = [
	{
		displayName: 'Allow Posted Duplicates',
		name: 'allowPostedDuplicates',
		type: 'boolean',
		default: false,
		description: 'Whether an ID posted more than once is accepted: Scantrust ingests the first and ignores the others. Off, duplicates are an error.',
	},
	{
		displayName: 'Default SCM Data',
		name: 'defaultScmData',
		type: 'json',
		default: '{}',
		description:
			'JSON object of values every code gets unless its own row sets them, e.g. {"product": "sku1", "activation_status": 1, "updated_by": "warehouse_1"}',
	},
	{
		displayName: 'URL Prefix',
		name: 'urlPrefix',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://qr2.ch/q/',
		description: 'URL prefix of the codes in the work order Scantrust creates (optional)',
	},
];

/** The `options` collection shared by upload and process. */
export const processOptionsCollection: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: processOptionFields,
};

/** Wait fields of upload and process: waiting is on by default. */
export const ingestionWaitFields = (): INodeProperties[] => waitFields('Scantrust has processed the codes', true);

/** The `defaultScmData` option: text or object, must be a JSON object. */
export function parseDefaultScmData(ctx: IExecuteFunctions, itemIndex: number, value: unknown): IDataObject {
	let parsed: unknown = value;
	if (value === undefined || value === null) return {};
	if (typeof value === 'string') {
		if (value.trim() === '') return {};
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: "Default SCM Data" is not valid JSON: ${(error as Error).message}`, {
				itemIndex,
				description: 'Give a JSON object such as {"product": "sku1", "activation_status": 1}, or leave it {}.',
			});
		}
	}
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Item ${itemIndex}: "Default SCM Data" must be a JSON object, got ${Array.isArray(parsed) ? 'a list' : JSON.stringify(parsed)}`,
			{ itemIndex, description: 'Give a JSON object such as {"product": "sku1", "activation_status": 1}, or leave it {}.' },
		);
	}
	const status = (parsed as IDataObject).activation_status;
	if (status !== undefined && status !== null && !['0', '1', '2'].includes(String(status).trim())) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Item ${itemIndex}: "Default SCM Data" field "activation_status" is ${JSON.stringify(status)}; it must be 0 (inactive), 1 (active) or 2 (blacklisted)`,
			{ itemIndex, description: 'Correct it or leave it out. Nothing was sent.' },
		);
	}
	return parsed as IDataObject;
}

/** Reads and checks the `options` collection (before anything is sent). */
export function readProcessOptions(ctx: IExecuteFunctions, itemIndex: number): ProcessOptions {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const urlPrefix = String(options.urlPrefix ?? '').trim();
	return {
		allowPostedDuplicates: options.allowPostedDuplicates === true,
		defaultScmData: parseDefaultScmData(ctx, itemIndex, options.defaultScmData),
		...(urlPrefix ? { urlPrefix } : {}),
	};
}
