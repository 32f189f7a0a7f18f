import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { buildFromFile, buildFromItems, type FieldColumn, type OwnCodesFileType } from '../../codes/ownCodes';
import { getWaitSettings } from '../waitFields';
import { checkEachItem, runForAllItems, runForEachChecked } from '../items';
import { ingestionWaitFields, readUploadSettings, savedUploadOptions, uploadAdditionalFields } from './fields';
import { API_MODE_MAX_BODY_BYTES, uploadCodes, type UploadJob } from '../../api/upload';
import { showValue } from '../../codes/showValue';

const showFor = (source: string) => ({ show: { source: [source] } });

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['codeUpload'], operation: ['upload'] } },
	[
		{
			displayName:
				'Source Items: all codes of one run go into one upload. Source File: each input file is its own upload. An upload over 100 MB is split into several files. Output: one item per upload file with recordKey, status, processed, codeCount, columns, part, parts, fileName, ingestionMode, workOrderId and the ingestion record.',
			name: 'uploadNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Ingestion',
			name: 'ingestion',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Add SIDs',
					value: 'addSids',
					description: "Scantrust's current ingestion of your own SID codes; each upload makes one work order",
				},
				{
					name: 'From Ingestion Template',
					value: 'fromTemplate',
					description: 'Your own codes through an ingestion template Scantrust set up for you (SID or SSC)',
				},
				{
					name: 'Legacy (Deprecated)',
					value: 'legacy',
					description: "Scantrust's older upload flow, which it marks deprecated and will remove",
				},
			],
			default: 'addSids',
			description: 'Which of Scantrust\'s ingestion flows to use',
		},
		{
			displayName: 'Ingestion Template Key',
			name: 'ingestionTemplateKey',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. 3kd93jd8s',
			description: 'Key of the ingestion template, as Scantrust gave it to you',
			displayOptions: { show: { ingestion: ['fromTemplate'] } },
		},
		{
			displayName: 'Source',
			name: 'source',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Items',
					value: 'items',
					description: 'Every input item is one code; all items of the run go into one upload',
				},
				{
					name: 'File',
					value: 'file',
					description: 'A CSV or JSON file in a binary property; each input item\'s file is its own upload',
				},
			],
			default: 'items',
			description: 'Where the codes come from',
		},
		{
			displayName: 'ID Field',
			name: 'idField',
			type: 'string',
			required: true,
			default: 'id',
			description:
				'Name of the item field that holds the code ID. An ID is at least 8 characters of letters, digits, - or _.',
			displayOptions: showFor('items'),
		},
		{
			displayName: 'Columns',
			name: 'columnMapping',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Column',
			default: {},
			description:
				'Which item fields become which columns of the upload. "product" (an existing SKU) and "activation_status" (0 inactive, 1 active, 2 blacklisted) are Scantrust columns; any other column is an SCM field (e.g. pallet_number). Leave empty to send every other text, number or true/false field under its own name.',
			displayOptions: showFor('items'),
			options: [
				{
					displayName: 'Column',
					name: 'mappings',
					values: [
						{
							displayName: 'Item Field',
							name: 'field',
							type: 'string',
							default: '',
							placeholder: 'e.g. sku',
							description: 'Name of the item field holding the value',
						},
						{
							displayName: 'Column',
							name: 'column',
							type: 'string',
							default: '',
							placeholder: 'e.g. product',
							description:
								'Column name in the upload: product, activation_status, or the key of an SCM field such as pallet_number',
						},
					],
				},
			],
		},
		{
			displayName: 'Input Binary Field',
			name: 'binaryPropertyName',
			type: 'string',
			required: true,
			default: 'data',
			hint: 'The name of the input binary field containing the CSV or JSON file',
			description:
				'A CSV file whose header line has an ID column, or a JSON array of objects with an ID; other columns as for items. The file type comes from its MIME type or its extension (csv or JSON).',
			displayOptions: showFor('file'),
		},
		{
			displayName: 'Process After Upload',
			name: 'processAfterUpload',
			type: 'boolean',
			default: true,
			description:
				'Whether to have Scantrust process the codes right after the upload (creating them). Off, the codes go up as a file that waits: process it later with Code Upload > Process.',
		},
		...ingestionWaitFields().map((field) => ({
			...field,
			displayOptions: { show: { ...(field.displayOptions?.show ?? {}), processAfterUpload: [true] } },
		})),
		uploadAdditionalFields,
		savedUploadOptions,
	],
);

function readMapping(ctx: IExecuteFunctions): FieldColumn[] {
	const value = ctx.getNodeParameter('columnMapping', 0, {}) as { mappings?: Array<{ field?: string; column?: string }> };
	return (value.mappings ?? []).map((m) => ({ field: String(m.field ?? ''), column: String(m.column ?? '') }));
}

/** Small uploads from items travel in the request body; files always go through an upload form. */
async function fromItems(ctx: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runForAllItems(ctx, items, async () => {
		const { process, current } = readUploadSettings(ctx, 0);
		const built = buildFromItems(
			items.map((item) => item.json),
			{
				idField: String(ctx.getNodeParameter('idField', 0, 'id')),
				mapping: readMapping(ctx),
				allowPostedDuplicates: process.allowPostedDuplicates,
			},
		);
		return await uploadCodes(ctx, {
			built,
			baseName: 'codes',
			processAfterUpload: ctx.getNodeParameter('processAfterUpload', 0, true) as boolean,
			process,
			current,
			codesInBodyUpTo: API_MODE_MAX_BODY_BYTES,
			wait: getWaitSettings(ctx, 0),
			itemIndex: 0,
		});
	});
}

const CSV_MIME = new Set(['text/csv', 'application/csv', 'text/comma-separated-values', 'text/x-csv', 'application/x-csv']);
const JSON_MIME = new Set(['application/json', 'text/json', 'application/x-json']);

/** The file type from the MIME type or else (text/plain, application/vnd.ms-excel for .csv on Windows...) the name's extension. */
export function detectFileType(fileName?: string, mimeType?: string): OwnCodesFileType | undefined {
	const mime = (mimeType ?? '').split(';')[0].trim().toLowerCase();
	if (CSV_MIME.has(mime)) return 'csv';
	if (JSON_MIME.has(mime) || mime.endsWith('+json')) return 'json';
	const ext = /\.([A-Za-z0-9]+)\s*$/.exec(fileName ?? '')?.[1].toLowerCase();
	return ext === 'csv' || ext === 'json' ? ext : undefined;
}

function baseNameOf(fileName: string | undefined): string {
	const base = (fileName ?? '').replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').trim();
	return base || 'codes';
}

/** Reads and checks one input item's file; nothing is sent. */
async function prepareFile(ctx: IExecuteFunctions, itemIndex: number): Promise<UploadJob> {
	const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim();
	const binary = ctx.helpers.assertBinaryData(itemIndex, property);
	const filetype = detectFileType(binary.fileName, binary.mimeType);
	if (!filetype) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Item ${itemIndex}: the file ${showValue(binary.fileName ?? property)} (${binary.mimeType || 'no MIME type'}) is neither a CSV nor a JSON file`,
			{
				itemIndex,
				description:
					'Scantrust takes CSV files (a header line with an "id" column) or JSON files (an array of objects with an "id"). Give the file a .csv or .json name, or the MIME type text/csv or application/json, in the node that reads it.',
			},
		);
	}
	const { process, current } = readUploadSettings(ctx, itemIndex);
	const wait = getWaitSettings(ctx, itemIndex);
	const processAfterUpload = ctx.getNodeParameter('processAfterUpload', itemIndex, true) as boolean;
	const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
	const built = buildFromFile(data, filetype, { allowPostedDuplicates: process.allowPostedDuplicates });
	return { built, baseName: baseNameOf(binary.fileName), processAfterUpload, process, current, codesInBodyUpTo: 0, wait, itemIndex };
}

/**
 * One upload per input file, not one for all: files differ in columns, each item may set its own options, and an
 * error names the item and the line of its file. Every file is checked before the first one is sent.
 */
async function fromFiles(ctx: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const jobs = await checkEachItem(ctx, items, async (itemIndex) => await prepareFile(ctx, itemIndex));
	return await runForEachChecked(ctx, items, jobs, async (job) => await uploadCodes(ctx, job));
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const source = this.getNodeParameter('source', 0, 'items') as string;
	return source === 'file' ? await fromFiles(this, items) : await fromItems(this, items);
}
