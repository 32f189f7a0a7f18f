import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { countExportRows, exportCodes, exportRows } from '../../api/codeExport';
import { findProduct, productNotFound } from '../../api/products';
import type { WaitSettings } from '../../api/wait';
import { checkEachItem, runForEachItem } from '../items';
import { getListLimit, listFields } from '../listFields';
import { fail, nonEmptyText, numericId } from '../validate';
import { waitFields } from '../waitFields';
import { SCM_KEY } from './fields';

const showForItems = { show: { output: ['items'] } };

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['code'], operation: ['getMany'] } },
	[
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Items', value: 'items', description: 'One item per code, with the columns of the export as fields' },
				{ name: 'File', value: 'file', description: 'The CSV file as Scantrust exports it, in the binary property "data"' },
			],
			default: 'items',
			description: 'How the exported codes come out',
		},
		...listFields.map((field) => ({
			...field,
			displayOptions: { show: { ...showForItems.show, ...(field.displayOptions?.show ?? {}) } },
		})),
		{
			displayName: 'Filters',
			name: 'filters',
			type: 'collection',
			placeholder: 'Add Filter',
			default: {},
			options: [
				{ displayName: 'Activated After', name: 'activatedAfter', type: 'dateTime', default: '', description: 'Only codes activated at or after this time' },
				{ displayName: 'Activated Before', name: 'activatedBefore', type: 'dateTime', default: '', description: 'Only codes activated at or before this time' },
				{
					displayName: 'Blacklisted',
					name: 'blacklisted',
					type: 'boolean',
					default: true,
					description: 'Whether to export only blacklisted codes (on) or only codes not blacklisted (off)',
				},
				{ displayName: 'Extended ID', name: 'extendedId', type: 'string', default: '', description: 'Only the code with this extended ID' },
				{
					displayName: 'Product ID or SKU',
					name: 'productId',
					type: 'string',
					default: '',
					placeholder: 'e.g. 6134 or NICK1',
					description: 'Only codes of this product (a SKU is looked up to its ID)',
				},
				{
					displayName: 'SCM Filters',
					name: 'scmFilters',
					type: 'fixedCollection',
					typeOptions: { multipleValues: true },
					placeholder: 'Add SCM Filter',
					default: {},
					description: 'Only codes whose SCM field has this value',
					options: [
						{
							displayName: 'SCM Filter',
							name: 'filters',
							values: [
								{ displayName: 'Key', name: 'key', type: 'string', default: '', placeholder: 'e.g. pallet_number', description: 'Key of the SCM field' },
								{ displayName: 'Value', name: 'value', type: 'string', default: '', description: 'Value the field must have' },
							],
						},
					],
				},
				{ displayName: 'Serial Number', name: 'serialNumber', type: 'string', default: '', description: 'Only the code with this serial number' },
				{
					displayName: 'Status',
					name: 'status',
					type: 'options',
					options: [
						{ name: 'Inactive', value: 0 },
						{ name: 'Active', value: 1 },
						{ name: 'Blacklisted', value: 2 },
					],
					default: 1,
					description: 'Only codes with this activation status',
				},
				{ displayName: 'Updated After', name: 'updatedAfter', type: 'dateTime', default: '', description: 'Only codes updated at or after this time' },
				{ displayName: 'Updated Before', name: 'updatedBefore', type: 'dateTime', default: '', description: 'Only codes updated at or before this time' },
				{ displayName: 'Work Order ID', name: 'workOrderId', type: 'string', default: '', description: 'Only codes of this work order' },
			],
		},
		...waitFields('the export is ready', true)
			.filter((field) => field.name !== 'waitForCompletion')
			.map((field) => ({ ...field, displayOptions: undefined })),
	],
);

interface Filters {
	workOrderId?: unknown;
	productId?: unknown;
	status?: unknown;
	blacklisted?: unknown;
	activatedAfter?: unknown;
	activatedBefore?: unknown;
	updatedAfter?: unknown;
	updatedBefore?: unknown;
	serialNumber?: unknown;
	extendedId?: unknown;
	scmFilters?: { filters?: Array<{ key?: unknown; value?: unknown }> };
}

/** The lower bound sent when only an upper one is given (the range's form is `from,to`). */
const EARLIEST = '2000-01-01T00:00:00Z';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const given = (value: unknown) => value !== undefined && value !== null && String(value).trim() !== '';

function time(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): string {
	const text = String(value).trim();
	if (!ISO_TIME.test(text) || Number.isNaN(Date.parse(text))) {
		fail(ctx, itemIndex, field, `must be a date or date-time such as 2024-05-31 or 2024-05-31T17:00:00Z, got ${JSON.stringify(value)}`);
	}
	return text;
}

/** A `from,to` range for Scantrust's date filters; a missing end is the earliest time or now. */
function range(ctx: IExecuteFunctions, itemIndex: number, label: string, after: unknown, before: unknown): string | undefined {
	if (!given(after) && !given(before)) return undefined;
	const from = given(after) ? time(ctx, itemIndex, `${label} After`, after) : EARLIEST;
	const to = given(before) ? time(ctx, itemIndex, `${label} Before`, before) : new Date().toISOString();
	if (Date.parse(from) > Date.parse(to)) fail(ctx, itemIndex, `${label} After`, `(${from}) is later than "${label} Before" (${to})`);
	return `${from},${to}`;
}

interface ExportJob {
	qs: IDataObject;
	/** A product given by SKU, looked up to its id before the export. */
	productSku?: string;
	wait: WaitSettings;
	output: string;
	limit?: number;
}

function readJob(ctx: IExecuteFunctions, itemIndex: number): ExportJob {
	const filters = ctx.getNodeParameter('filters', itemIndex, {}) as Filters;
	const qs: IDataObject = {};
	let productSku: string | undefined;
	if (given(filters.workOrderId)) qs.workorder = numericId(ctx, itemIndex, 'Work Order ID', filters.workOrderId);
	if (given(filters.productId)) {
		const product = nonEmptyText(ctx, itemIndex, 'Product ID or SKU', filters.productId);
		// Scantrust filters codes by product id, not SKU.
		if (/^\d+$/.test(product)) qs.products = Number(product);
		else productSku = product;
	}
	if (filters.status !== undefined) {
		const status = String(filters.status).trim();
		if (!['0', '1', '2'].includes(status)) fail(ctx, itemIndex, 'Status', `must be 0 (inactive), 1 (active) or 2 (blacklisted), got ${JSON.stringify(filters.status)}`);
		qs.status = Number(status);
	}
	if (filters.blacklisted !== undefined) {
		if (typeof filters.blacklisted !== 'boolean') fail(ctx, itemIndex, 'Blacklisted', `must be true or false, got ${JSON.stringify(filters.blacklisted)}`);
		qs.blacklisted = filters.blacklisted ? 'true' : 'false';
	}
	const activated = range(ctx, itemIndex, 'Activated', filters.activatedAfter, filters.activatedBefore);
	if (activated) qs.activated_at = activated;
	const updated = range(ctx, itemIndex, 'Updated', filters.updatedAfter, filters.updatedBefore);
	if (updated) qs.updated_at = updated;
	if (given(filters.serialNumber)) qs.serial_number = String(filters.serialNumber).trim();
	if (given(filters.extendedId)) qs.extended_id = String(filters.extendedId).trim();
	for (const { key, value } of filters.scmFilters?.filters ?? []) {
		const name = typeof key === 'string' ? key.trim() : '';
		if (!SCM_KEY.test(name)) fail(ctx, itemIndex, 'SCM Filters: Key', `must be the key of an SCM field, got ${JSON.stringify(key)}`);
		qs[`scm_${name}`] = String(value ?? '');
	}
	const output = ctx.getNodeParameter('output', itemIndex, 'items') as string;
	const wait: WaitSettings = {
		waitForCompletion: true,
		waitTimeout: ctx.getNodeParameter('waitTimeout', itemIndex, 600) as number,
		pollInterval: ctx.getNodeParameter('pollInterval', itemIndex, 5) as number,
	};
	return { qs, productSku, wait, output, limit: output === 'items' ? getListLimit(ctx, itemIndex) : undefined };
}

/** Output: one item per code (the export's columns, as text), or one item with the CSV file. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const jobs = await checkEachItem(this, items, async (itemIndex) => readJob(this, itemIndex));
	return await runForEachItem(this, items, async (itemIndex) => {
		const job = jobs[itemIndex];
		if (job instanceof Error) throw job;
		if (job.productSku !== undefined) {
			const product = await findProduct(this, job.productSku, itemIndex);
			if (!product) throw productNotFound(this, job.productSku, 'Filters: Product ID or SKU', itemIndex);
			job.qs.products = product.id;
		}
		const { document, csv } = await exportCodes(this, job.qs, job.wait, itemIndex);
		if (job.output === 'file') {
			const fileName = `codes-${document.key}.csv`;
			const json: IDataObject = { documentKey: document.key, codeCount: countExportRows(csv), fileName };
			return { json, binary: { data: await this.helpers.prepareBinaryData(csv, fileName, 'text/csv') } };
		}
		return exportRows(csv, job.limit);
	});
}
