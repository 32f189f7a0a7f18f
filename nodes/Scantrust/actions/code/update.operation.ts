import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { DEFAULT_SCM_LIMITS, RateGate, BUILT_IN_FIELDS, updateCodes, type ScmEntry, type ScmOutcome } from '../../api/scm';
import { checkEachItem, runForEachItem } from '../items';
import { fail, nonEmptyText, positiveInteger } from '../validate';
import { SCM_KEY } from '../codeFilters';
import { checkProducts, perItem, readUpdateFields, updateFieldsCollection } from './fields';
import { showValue } from '../../codes/showValue';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['code'], operation: ['update'] } },
	[
		{
			displayName:
				'Each input item updates one code. All items go to Scantrust together, at most 1,000 codes a call and 10 calls a second. Each output item says what Scantrust changed on its code; a code Scantrust did not find is an error.',
			name: 'updateNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Code Key',
			name: 'codeKey',
			type: 'options',
			options: [
				{ name: 'Extended ID', value: 'extended_id', description: 'The ID each code holds (in its URL)' },
				{ name: 'Serial Number', value: 'serial_number', description: 'The serial number printed with the code' },
				{ name: 'SCM Field', value: 'scmKey', description: 'An SCM field of the campaign, such as an RFID tag; updates every code with that value' },
			],
			default: 'extended_id',
			description: 'Which field of the code the Code ID matches',
		},
		{
			displayName: 'SCM Field Key',
			name: 'scmKeyName',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. rfid',
			description: 'Key of the SCM field that identifies the codes',
			displayOptions: { show: { codeKey: ['scmKey'] } },
		},
		{
			displayName: 'Code ID',
			name: 'codeId',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. {{ $json.extendedId }}',
			description: 'The value of the code key for this item, usually an expression',
		},
		updateFieldsCollection,
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				{
					displayName: 'Batch Size',
					name: 'batchSize',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: DEFAULT_SCM_LIMITS.maxCodesPerCall, numberPrecision: 0 },
					default: 1000,
					description: 'Codes per call to Scantrust, at most 1,000; lower it if Scantrust times out (slow lookups by SCM field)',
				},
			],
		},
	],
);

interface Checked {
	dataKey: string;
	entry: ScmEntry;
}

/**
 * `{{ $json.field }}` (or `{{ $json["field"] }}`), the usual Code ID: n8n takes about 0.4 ms to evaluate an
 * expression, minutes for a large order, while the field of the item is the same value at once.
 */
const PLAIN_FIELD = /^=\{\{\s*\$json(?:\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"]+)\2\s*\])\s*\}\}$/;

function codeIdReader(ctx: IExecuteFunctions, items: INodeExecutionData[]): (itemIndex: number) => unknown {
	const raw = ctx.getNode().parameters.codeId;
	const match = typeof raw === 'string' ? PLAIN_FIELD.exec(raw.trim()) : null;
	if (!match) return (itemIndex) => ctx.getNodeParameter('codeId', itemIndex, '');
	const field = match[1] ?? match[3];
	return (itemIndex) => items[itemIndex].json[field];
}

function readDataKey(ctx: IExecuteFunctions, itemIndex: number): string {
	const codeKey = ctx.getNodeParameter('codeKey', itemIndex, 'extended_id') as string;
	if (codeKey === 'extended_id' || codeKey === 'serial_number') return codeKey;
	if (codeKey !== 'scmKey') fail(ctx, itemIndex, 'Code Key', `must be extended_id, serial_number or scmKey, got ${showValue(codeKey)}`);
	const dataKey = nonEmptyText(ctx, itemIndex, 'SCM Field Key', ctx.getNodeParameter('scmKeyName', itemIndex, ''));
	if (!SCM_KEY.test(dataKey) || BUILT_IN_FIELDS.includes(dataKey)) {
		fail(ctx, itemIndex, 'SCM Field Key', `must be the key of an SCM field (letters, digits, _), got ${showValue(dataKey)}`);
	}
	return dataKey;
}

/** Reads and checks the code and update of each item; parameters without expressions are read once. */
function entryReader(ctx: IExecuteFunctions, items: INodeExecutionData[]): (itemIndex: number) => Checked {
	const codeIdOf = codeIdReader(ctx, items);
	const dataKeyOf = perItem(ctx, ['codeKey', 'scmKeyName'], (itemIndex) => readDataKey(ctx, itemIndex));
	const fieldsOf = perItem(ctx, ['updateFields'], (itemIndex) => readUpdateFields(ctx, itemIndex));
	return (itemIndex) => {
		const dataKey = dataKeyOf(itemIndex);
		const code = nonEmptyText(ctx, itemIndex, 'Code ID', codeIdOf(itemIndex));
		const fields = fieldsOf(itemIndex);
		if (dataKey in fields) fail(ctx, itemIndex, 'Update Fields', `sets "${dataKey}", the field that finds the code`);
		return { dataKey, entry: { itemIndex, code, fields } };
	};
}

/** Two items for one code would race within a call: the input names each code once. */
function refuseRepeats(ctx: IExecuteFunctions, checked: Array<Checked | Error>): void {
	const owners = new Map<string, Map<string, number>>();
	checked.forEach((item, itemIndex) => {
		if (item instanceof Error) return;
		let ofKey = owners.get(item.dataKey);
		if (!ofKey) owners.set(item.dataKey, (ofKey = new Map()));
		const owner = ofKey.get(item.entry.code);
		if (owner === undefined) return void ofKey.set(item.entry.code, itemIndex);
		const error = new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: "Code ID" "${item.entry.code}" is also the code of item ${owner}`, {
			itemIndex,
			description: 'Each code is updated once per run: merge the two items into one. Nothing was sent.',
		});
		if (!ctx.continueOnFail()) throw error;
		checked[itemIndex] = error;
	});
}

function outputOf(dataKey: string, entry: ScmEntry, outcome: Exclude<ScmOutcome, Error>): IDataObject {
	const sent = Object.keys(entry.fields);
	const changed = outcome.changed;
	return {
		codeKey: dataKey,
		codeId: entry.code,
		updated: changed === null || changed.length > 0,
		changedFields: changed,
		unchangedFields: changed === null ? [] : sent.filter((field) => !changed.includes(field)),
	};
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const readEntry = entryReader(this, items);
	const checked = await checkEachItem(this, items, async (itemIndex) => readEntry(itemIndex));
	refuseRepeats(this, checked);
	const uses = checked.flatMap((c) => (c instanceof Error || c.entry.fields.product === undefined ? [] : [{ itemIndex: c.entry.itemIndex, product: String(c.entry.fields.product) }]));
	for (const [itemIndex, error] of await checkProducts(this, uses)) {
		if (!this.continueOnFail()) throw error;
		checked[itemIndex] = error;
	}

	const options = this.getNodeParameter('options', 0, {}) as { batchSize?: unknown };
	const batchSize = options.batchSize === undefined ? DEFAULT_SCM_LIMITS.maxCodesPerCall : positiveInteger(this, 0, 'Batch Size', options.batchSize);
	const limits = { ...DEFAULT_SCM_LIMITS, maxCodesPerCall: Math.min(batchSize, DEFAULT_SCM_LIMITS.maxCodesPerCall) };
	// One pace for the whole run, whatever the code keys.
	const gate = new RateGate(limits.callsPerSecond, 1000 + limits.windowMarginMs);
	const groups = new Map<string, ScmEntry[]>();
	for (const item of checked) {
		if (item instanceof Error) continue;
		const group = groups.get(item.dataKey);
		if (group) group.push(item.entry);
		else groups.set(item.dataKey, [item.entry]);
	}

	const results: Array<IDataObject | Error | undefined> = new Array(items.length);
	for (const [dataKey, entries] of groups) {
		const outcomes = await updateCodes(this, dataKey, entries, { stopOnError: !this.continueOnFail(), limits, gate });
		outcomes.forEach((outcome, index) => {
			const entry = entries[index];
			results[entry.itemIndex] = outcome instanceof Error ? outcome : outputOf(dataKey, entry, outcome);
		});
	}
	return await runForEachItem(this, items, async (itemIndex) => {
		const result = checked[itemIndex] instanceof Error ? (checked[itemIndex] as Error) : results[itemIndex];
		if (result === undefined || result instanceof Error) throw result ?? new Error('not updated');
		return result;
	});
}
