import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { countExportRows, exportCodes, exportRows } from '../../api/codeExport';
import type { WaitSettings } from '../../api/wait';
import { checkEachItem, runForEachChecked } from '../items';
import { filtersCollection, getListLimit, listFields } from '../listFields';
import { fail, numericId } from '../validate';
import { waitFields } from '../waitFields';
import { codeSelectionFields, isGiven, productIdOf, readCodeSelection, type ProductFilter } from '../codeFilters';
import { showValue } from '../../codes/showValue';

const selection = codeSelectionFields({
	status: { name: 'status', displayName: 'Status', description: 'Only codes with this activation status' },
	product: 'codes',
	scm: { description: 'Only codes whose SCM field has this value', placeholder: 'e.g. pallet_number' },
});

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
		filtersCollection([
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
			selection.product,
			selection.scm,
			{ displayName: 'Serial Number', name: 'serialNumber', type: 'string', default: '', description: 'Only the code with this serial number' },
			selection.status,
			{ displayName: 'Updated After', name: 'updatedAfter', type: 'dateTime', default: '', description: 'Only codes updated at or after this time' },
			{ displayName: 'Updated Before', name: 'updatedBefore', type: 'dateTime', default: '', description: 'Only codes updated at or before this time' },
			{ displayName: 'Work Order ID', name: 'workOrderId', type: 'string', default: '', description: 'Only codes of this work order' },
		]),
		...waitFields('the export is ready', true)
			.filter((field) => field.name !== 'waitForCompletion')
			.map((field) => ({ ...field, displayOptions: undefined })),
	],
);

interface Filters extends Record<string, unknown> {
	workOrderId?: unknown;
	blacklisted?: unknown;
	activatedAfter?: unknown;
	activatedBefore?: unknown;
	updatedAfter?: unknown;
	updatedBefore?: unknown;
	serialNumber?: unknown;
	extendedId?: unknown;
}

/** The lower bound sent when only an upper one is given (the range's form is `from,to`). */
const EARLIEST = '2000-01-01T00:00:00Z';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function time(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): string {
	const text = String(value).trim();
	if (!ISO_TIME.test(text) || Number.isNaN(Date.parse(text))) {
		fail(ctx, itemIndex, field, `must be a date or date-time such as 2024-05-31 or 2024-05-31T17:00:00Z, got ${showValue(value)}`);
	}
	return text;
}

/** A `from,to` range for Scantrust's date filters; a missing end is the earliest time or now. */
function range(ctx: IExecuteFunctions, itemIndex: number, label: string, after: unknown, before: unknown): string | undefined {
	if (!isGiven(after) && !isGiven(before)) return undefined;
	const from = isGiven(after) ? time(ctx, itemIndex, `${label} After`, after) : EARLIEST;
	const to = isGiven(before) ? time(ctx, itemIndex, `${label} Before`, before) : new Date().toISOString();
	if (Date.parse(from) > Date.parse(to)) fail(ctx, itemIndex, `${label} After`, `(${from}) is later than "${label} Before" (${to})`);
	return `${from},${to}`;
}

interface ExportJob {
	qs: IDataObject;
	product?: ProductFilter;
	wait: WaitSettings;
	output: string;
	limit?: number;
}

function readJob(ctx: IExecuteFunctions, itemIndex: number): ExportJob {
	const filters = ctx.getNodeParameter('filters', itemIndex, {}) as Filters;
	const qs: IDataObject = {};
	if (isGiven(filters.workOrderId)) qs.workorder = numericId(ctx, itemIndex, 'Work Order ID', filters.workOrderId);
	const { status, scm, product } = readCodeSelection(ctx, itemIndex, filters, selection.status);
	if (status !== undefined) qs.status = status;
	if (filters.blacklisted !== undefined) {
		if (typeof filters.blacklisted !== 'boolean') fail(ctx, itemIndex, 'Blacklisted', `must be true or false, got ${showValue(filters.blacklisted)}`);
		qs.blacklisted = filters.blacklisted ? 'true' : 'false';
	}
	const activated = range(ctx, itemIndex, 'Activated', filters.activatedAfter, filters.activatedBefore);
	if (activated) qs.activated_at = activated;
	const updated = range(ctx, itemIndex, 'Updated', filters.updatedAfter, filters.updatedBefore);
	if (updated) qs.updated_at = updated;
	if (isGiven(filters.serialNumber)) qs.serial_number = String(filters.serialNumber).trim();
	if (isGiven(filters.extendedId)) qs.extended_id = String(filters.extendedId).trim();
	for (const [name, value] of scm) qs[`scm_${name}`] = value;
	const output = ctx.getNodeParameter('output', itemIndex, 'items') as string;
	const wait: WaitSettings = {
		waitForCompletion: true,
		waitTimeout: ctx.getNodeParameter('waitTimeout', itemIndex, 600) as number,
		pollInterval: ctx.getNodeParameter('pollInterval', itemIndex, 5) as number,
	};
	return { qs, product, wait, output, limit: output === 'items' ? getListLimit(ctx, itemIndex) : undefined };
}

/** Output: one item per code (the export's columns, as text), or one item with the CSV file. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const jobs = await checkEachItem(this, items, async (itemIndex) => readJob(this, itemIndex));
	return await runForEachChecked(this, items, jobs, async (job, itemIndex) => {
		if (job.product) job.qs.products = await productIdOf(this, job.product, itemIndex);
		const { document, csv } = await exportCodes(this, job.qs, job.wait, itemIndex);
		if (job.output === 'file') {
			const fileName = `codes-${document.key}.csv`;
			const json: IDataObject = { documentKey: document.key, codeCount: countExportRows(csv), fileName };
			return { json, binary: { data: await this.helpers.prepareBinaryData(csv, fileName, 'text/csv') } };
		}
		return exportRows(csv, job.limit);
	});
}
