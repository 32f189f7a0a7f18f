import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { listScans, SCAN_QUERY_PARAMETERS, scanQuery, scansPurpose, TIMEFRAME, type ScanFilters, type ScanPeriod } from '../../api/scans';
import { codeSelectionFields, isGiven, productIdOf, readCodeSelection, type ProductFilter } from '../codeFilters';
import { checkEachItem, runForEachChecked } from '../items';
import { filtersCollection, getListLimit, listFields } from '../listFields';
import { fail, isoDate, numericId } from '../validate';
import { campaignIdField, flagsField, readFlagsParameter } from './fields';
import { showValue } from '../../codes/showValue';

const selection = codeSelectionFields({
	status: { name: 'activationStatus', displayName: 'Activation Status', description: 'Only scans of codes with this activation status' },
	product: 'scans',
	scm: { description: 'Only scans of codes whose SCM field has this value (keys as defined in the campaign)', placeholder: 'e.g. intended_market' },
});

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
			selection.status,
			flagsField,
			selection.product,
			selection.scm,
		]),
	],
);

interface ScanJob {
	filters: ScanFilters;
	period: ScanPeriod;
	product?: ProductFilter;
	limit?: number;
}

function readPeriod(ctx: IExecuteFunctions, itemIndex: number): ScanPeriod {
	if ((ctx.getNodeParameter('period', itemIndex, 'timeframe') as string) === 'dateRange') {
		const dateFrom = isoDate(ctx, itemIndex, 'Date From', ctx.getNodeParameter('dateFrom', itemIndex, ''));
		const rawTo = ctx.getNodeParameter('dateTo', itemIndex, '');
		if (!isGiven(rawTo)) return { dateFrom };
		const dateTo = isoDate(ctx, itemIndex, 'Date To', rawTo);
		if (dateFrom > dateTo) fail(ctx, itemIndex, 'Date From', `(${dateFrom}) is later than "Date To" (${dateTo})`);
		return { dateFrom, dateTo };
	}
	const timeframe = String(ctx.getNodeParameter('timeframe', itemIndex, '1w')).trim();
	if (!TIMEFRAME.test(timeframe)) {
		fail(ctx, itemIndex, 'Timeframe', `must be a number followed by d, w, m or y (e.g. 1d, 3w, 2m, 1y), got ${showValue(timeframe)}`);
	}
	return { timeframe };
}

function readJob(ctx: IExecuteFunctions, itemIndex: number): ScanJob {
	const campaignId = numericId(ctx, itemIndex, 'Campaign ID', ctx.getNodeParameter('campaignId', itemIndex, ''));
	const period = readPeriod(ctx, itemIndex);
	const input = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const filters: ScanFilters = { campaignId, flags: readFlagsParameter(ctx, itemIndex, input.flags) };
	const { status, scm, product } = readCodeSelection(ctx, itemIndex, input, selection.status, SCAN_QUERY_PARAMETERS);
	if (status !== undefined) filters.activationStatus = status;
	if (scm.length > 0) filters.scm = scm;
	return { filters, period, product, limit: getListLimit(ctx, itemIndex) };
}

/** Output: one item per scan, the record as Scantrust gives it (sections scan, user, code, product, device, location, scm), newest first. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const jobs = await checkEachItem(this, items, async (itemIndex) => readJob(this, itemIndex));
	return await runForEachChecked(this, items, jobs, async (job, itemIndex) => {
		if (job.product) job.filters.productId = await productIdOf(this, job.product, itemIndex);
		const qs: IDataObject = scanQuery(job.filters, job.period);
		return await listScans(this, qs, scansPurpose(job.filters.campaignId, itemIndex), job.limit);
	});
}
