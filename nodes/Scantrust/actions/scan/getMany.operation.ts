import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { findProduct, productNotFound } from '../../api/products';
import { listScans, SCAN_QUERY_PARAMETERS, scanQuery, scansPurpose, TIMEFRAME, type ScanFilters, type ScanPeriod } from '../../api/scans';
import { SCM_KEY } from '../code/fields';
import { checkEachItem, runForEachItem } from '../items';
import { filtersCollection, getListLimit, listFields } from '../listFields';
import { fail, isoDate, nonEmptyText, numericId } from '../validate';
import { campaignIdField, flagsField, readFlagsParameter } from './fields';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['scan'], operation: ['getMany'] } },
	[
		campaignIdField,
		{
			displayName: 'Period',
			name: 'period',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Timeframe', value: 'timeframe', description: 'The scans of a recent span of time, e.g. the past week' },
				{ name: 'Date Range', value: 'dateRange', description: 'The scans between two dates' },
			],
			default: 'timeframe',
			description: 'Which scans by time; Scantrust needs one or the other',
		},
		{
			displayName: 'Timeframe',
			name: 'timeframe',
			type: 'options',
			options: [
				{ name: 'Past 3 Months', value: '3m' },
				{ name: 'Past Day', value: '1d' },
				{ name: 'Past Month', value: '1m' },
				{ name: 'Past Week', value: '1w' },
				{ name: 'Past Year', value: '1y' },
			],
			default: '1w',
			description: 'How far back; an expression may give any number with d, w, m or y, such as 2w',
			displayOptions: { show: { period: ['timeframe'] } },
		},
		{
			displayName: 'Date From',
			name: 'dateFrom',
			type: 'dateTime',
			required: true,
			default: '',
			description: 'First day of the scans (sent as YYYY-MM-DD)',
			displayOptions: { show: { period: ['dateRange'] } },
		},
		{
			displayName: 'Date To',
			name: 'dateTo',
			type: 'dateTime',
			default: '',
			description: 'Last day of the scans (sent as YYYY-MM-DD); empty means today',
			displayOptions: { show: { period: ['dateRange'] } },
		},
		...listFields,
		filtersCollection([
			{
				displayName: 'Activation Status',
				name: 'activationStatus',
				type: 'options',
				options: [
					{ name: 'Inactive', value: 0 },
					{ name: 'Active', value: 1 },
					{ name: 'Blacklisted', value: 2 },
				],
				default: 1,
				description: 'Only scans of codes with this activation status',
			},
			flagsField,
			{
				displayName: 'Product ID or SKU',
				name: 'productId',
				type: 'string',
				default: '',
				placeholder: 'e.g. 6134 or NICK1',
				description: 'Only scans of this product (a SKU is looked up to its ID)',
			},
			{
				displayName: 'SCM Filters',
				name: 'scmFilters',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				placeholder: 'Add SCM Filter',
				default: {},
				description: "Only scans of codes whose SCM field has this value (keys as defined in the campaign)",
				options: [
					{
						displayName: 'SCM Filter',
						name: 'filters',
						values: [
							{ displayName: 'Key', name: 'key', type: 'string', default: '', placeholder: 'e.g. intended_market', description: 'Key of the SCM field' },
							{ displayName: 'Value', name: 'value', type: 'string', default: '', description: 'Value the field must have' },
						],
					},
				],
			},
		]),
	],
);

interface Filters {
	flags?: unknown;
	activationStatus?: unknown;
	productId?: unknown;
	scmFilters?: { filters?: Array<{ key?: unknown; value?: unknown }> };
}

interface ScanJob {
	filters: ScanFilters;
	period: ScanPeriod;
	/** A product given by SKU, looked up to its id before the export (Scantrust filters scans by product id). */
	productSku?: string;
	limit?: number;
}

const given = (value: unknown) => value !== undefined && value !== null && String(value).trim() !== '';

function readPeriod(ctx: IExecuteFunctions, itemIndex: number): ScanPeriod {
	if ((ctx.getNodeParameter('period', itemIndex, 'timeframe') as string) === 'dateRange') {
		const dateFrom = isoDate(ctx, itemIndex, 'Date From', ctx.getNodeParameter('dateFrom', itemIndex, ''));
		const rawTo = ctx.getNodeParameter('dateTo', itemIndex, '');
		if (!given(rawTo)) return { dateFrom };
		const dateTo = isoDate(ctx, itemIndex, 'Date To', rawTo);
		if (dateFrom > dateTo) fail(ctx, itemIndex, 'Date From', `(${dateFrom}) is later than "Date To" (${dateTo})`);
		return { dateFrom, dateTo };
	}
	const timeframe = String(ctx.getNodeParameter('timeframe', itemIndex, '1w')).trim();
	if (!TIMEFRAME.test(timeframe)) {
		fail(ctx, itemIndex, 'Timeframe', `must be a number followed by d, w, m or y (e.g. 1d, 3w, 2m, 1y), got ${JSON.stringify(timeframe)}`);
	}
	return { timeframe };
}

function readJob(ctx: IExecuteFunctions, itemIndex: number): ScanJob {
	const campaignId = numericId(ctx, itemIndex, 'Campaign ID', ctx.getNodeParameter('campaignId', itemIndex, ''));
	const period = readPeriod(ctx, itemIndex);
	const input = ctx.getNodeParameter('filters', itemIndex, {}) as Filters;
	const filters: ScanFilters = { campaignId, flags: readFlagsParameter(ctx, itemIndex, input.flags) };
	if (input.activationStatus !== undefined) {
		const status = String(input.activationStatus).trim();
		if (!['0', '1', '2'].includes(status)) fail(ctx, itemIndex, 'Activation Status', `must be 0 (inactive), 1 (active) or 2 (blacklisted), got ${JSON.stringify(input.activationStatus)}`);
		filters.activationStatus = Number(status);
	}
	let productSku: string | undefined;
	if (given(input.productId)) {
		const product = nonEmptyText(ctx, itemIndex, 'Product ID or SKU', input.productId);
		if (/^\d+$/.test(product)) filters.productId = Number(product);
		else productSku = product;
	}
	const scm: Array<[string, string]> = [];
	for (const { key, value } of input.scmFilters?.filters ?? []) {
		const name = typeof key === 'string' ? key.trim() : '';
		if (!SCM_KEY.test(name)) fail(ctx, itemIndex, 'SCM Filters: Key', `must be the key of an SCM field, got ${JSON.stringify(key)}`);
		if (SCAN_QUERY_PARAMETERS.includes(name)) {
			fail(ctx, itemIndex, 'SCM Filters: Key', `"${name}" is a parameter of the scan export, not an SCM field`, 'Use the filter of its own for it (e.g. Activation Status, Product ID or SKU).');
		}
		if (scm.some(([other]) => other === name)) fail(ctx, itemIndex, 'SCM Filters: Key', `"${name}" is given twice`);
		scm.push([name, value === undefined || value === null ? '' : String(value)]);
	}
	if (scm.length > 0) filters.scm = scm;
	return { filters, period, productSku, limit: getListLimit(ctx, itemIndex) };
}

/** Output: one item per scan, the record as Scantrust gives it (sections scan, user, code, product, device, location, scm), newest first. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const jobs = await checkEachItem(this, items, async (itemIndex) => readJob(this, itemIndex));
	return await runForEachItem(this, items, async (itemIndex) => {
		const job = jobs[itemIndex];
		if (job instanceof Error) throw job;
		if (job.productSku !== undefined) {
			const product = await findProduct(this, job.productSku, itemIndex);
			if (!product) throw productNotFound(this, job.productSku, 'Filters: Product ID or SKU', itemIndex);
			job.filters.productId = product.id;
		}
		const qs: IDataObject = scanQuery(job.filters, job.period);
		return await listScans(this, qs, scansPurpose(job.filters.campaignId, itemIndex), job.limit);
	});
}
