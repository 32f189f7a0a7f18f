import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { waitFields } from '../waitFields';
import { nonEmptyText, numericId } from '../validate';
import type { ProcessOptions } from '../../api/ingestion';
import type { CurrentIngestion } from '../../api/upload';
import { additionalFieldsCollection } from '../listFields';
import { showValue } from '../../codes/showValue';

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

/** Options of processing: in Process's `options` collection and Upload's `additionalFields`. */
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

/** Process's `options` collection. */
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
			`Item ${itemIndex}: "Default SCM Data" field "activation_status" is ${showValue(status)}; it must be 0 (inactive), 1 (active) or 2 (blacklisted)`,
			{ itemIndex, description: 'Correct it or leave it out. Nothing was sent.' },
		);
	}
	return parsed as IDataObject;
}

/** Fields only Scantrust's current ingestion takes (the legacy flow has no place for them). */
const currentOnly = { show: { '/ingestion': ['addSids', 'fromTemplate'] } };

/** Upload's `additionalFields` collection. */
export const uploadAdditionalFields: INodeProperties = additionalFieldsCollection([
	processOptionFields[0],
	processOptionFields[1],
	{
		displayName: 'ID Format',
		name: 'idFormat',
		type: 'options',
		options: [
			{ name: 'Default', value: 'default', description: 'Scantrust IDs: at least 8 letters, digits, - or _' },
			{ name: 'GS1', value: 'gs1', description: 'GS1 identifiers, checked by Scantrust' },
		],
		default: 'default',
		description: 'How Scantrust reads the code IDs',
		displayOptions: currentOnly,
	},
	{
		displayName: 'Printing Partner ID',
		name: 'printingPartnerId',
		type: 'string',
		default: '',
		description: 'Company ID of the printing partner; required for SSC codes when the ingestion template names none',
		displayOptions: currentOnly,
	},
	processOptionFields[2],
]);

/**
 * Upload's `options` as workflows saved before Additional Fields have it (allowPostedDuplicates, defaultScmData,
 * urlPrefix): kept in the node's parameters without being shown, and still read.
 */
export const savedUploadOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'hidden',
	default: {},
};

function processOptionsOf(ctx: IExecuteFunctions, itemIndex: number, options: IDataObject): ProcessOptions {
	const urlPrefix = String(options.urlPrefix ?? '').trim();
	return {
		allowPostedDuplicates: options.allowPostedDuplicates === true,
		defaultScmData: parseDefaultScmData(ctx, itemIndex, options.defaultScmData),
		...(urlPrefix ? { urlPrefix } : {}),
	};
}

/** Reads and checks Process's `options` collection (before anything is sent). */
export function readProcessOptions(ctx: IExecuteFunctions, itemIndex: number): ProcessOptions {
	return processOptionsOf(ctx, itemIndex, ctx.getNodeParameter('options', itemIndex, {}) as IDataObject);
}

/** Upload's settings, checked before anything is sent; a field set in Additional Fields wins over a saved option. */
export function readUploadSettings(ctx: IExecuteFunctions, itemIndex: number): { process: ProcessOptions; current?: CurrentIngestion } {
	const saved = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const extra = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const merged: IDataObject = { ...(saved !== null && typeof saved === 'object' ? saved : {}), ...extra };
	const process = processOptionsOf(ctx, itemIndex, merged);
	const flow = ctx.getNodeParameter('ingestion', itemIndex, 'addSids') as string;
	if (flow === 'legacy') return { process };
	const idFormat = extra.idFormat ?? 'default';
	if ((flow !== 'addSids' && flow !== 'fromTemplate') || (idFormat !== 'default' && idFormat !== 'gs1')) {
		const [field, value, allowed] = flow !== 'addSids' && flow !== 'fromTemplate' ? ['Ingestion', flow, 'addSids, fromTemplate or legacy'] : ['ID Format', idFormat, 'default or gs1'];
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: "${field}" is ${showValue(value)}; it must be ${allowed}`, { itemIndex });
	}
	const current: CurrentIngestion = { flow, idFormat };
	if (flow === 'fromTemplate') current.templateKey = nonEmptyText(ctx, itemIndex, 'Ingestion Template Key', ctx.getNodeParameter('ingestionTemplateKey', itemIndex, ''));
	if (extra.printingPartnerId !== undefined && String(extra.printingPartnerId).trim() !== '') {
		current.printingPartnerId = numericId(ctx, itemIndex, 'Printing Partner ID', extra.printingPartnerId);
	}
	return { process, current };
}
