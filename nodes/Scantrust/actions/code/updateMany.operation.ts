import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { settleScmTask, startScmTask } from '../../api/scm';
import { checkEachItem, runForEachChecked } from '../items';
import { getWaitSettings, waitFields } from '../waitFields';
import { fail } from '../validate';
import { SCM_KEY } from '../codeFilters';
import { checkProducts, readUpdateFields, updateFieldsCollection } from './fields';
import { showValue } from '../../codes/showValue';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['code'], operation: ['updateMany'] } },
	[
		{
			displayName: 'Constraints',
			name: 'constraints',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Constraint',
			required: true,
			default: {},
			description: 'Which codes to update: codes that match every constraint (any of its values)',
			options: [
				{
					displayName: 'Constraint',
					name: 'constraint',
					values: [
						{
							displayName: 'Key',
							name: 'key',
							type: 'string',
							default: 'extended_id',
							placeholder: 'e.g. pallet_number',
							description: 'The field to match: extended_id, serial_number, or the key of an SCM field',
						},
						{
							displayName: 'Values',
							name: 'values',
							type: 'string',
							default: '',
							placeholder: 'e.g. PAL-001, PAL-002',
							description: 'Comma-separated values, or a list from an expression',
						},
					],
				},
			],
		},
		updateFieldsCollection,
		...waitFields('Scantrust has updated the codes', true),
	],
);

function readConstraints(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const input = ctx.getNodeParameter('constraints', itemIndex, {}) as { constraint?: Array<{ key?: unknown; values?: unknown }> };
	const constraints: IDataObject = {};
	for (const { key, values } of input.constraint ?? []) {
		const name = typeof key === 'string' ? key.trim() : '';
		if (!SCM_KEY.test(name)) fail(ctx, itemIndex, 'Constraints: Key', `must be extended_id, serial_number or an SCM field key, got ${showValue(key)}`);
		if (name in constraints) fail(ctx, itemIndex, 'Constraints', `names "${name}" twice`, 'Put all values of one key into one constraint, separated by commas.');
		const list = (Array.isArray(values) ? values : String(values ?? '').split(',')).map((v) => String(v).trim()).filter((v) => v !== '');
		if (list.length === 0) fail(ctx, itemIndex, `Constraints: ${name}`, 'has no values', 'Give at least one value; an empty constraint would match no code.');
		constraints[name] = list;
	}
	if (Object.keys(constraints).length === 0) fail(ctx, itemIndex, 'Constraints', 'are empty', 'Add at least one constraint, e.g. pallet_number.');
	return constraints;
}

/** Output: one item per input item, the task as Scantrust reports it (with its final state when waiting). */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const checked = await checkEachItem(this, items, async (itemIndex) => ({
		constraints: readConstraints(this, itemIndex),
		scmData: readUpdateFields(this, itemIndex),
		wait: getWaitSettings(this, itemIndex),
	}));
	const uses = checked.flatMap((c, itemIndex) => (c instanceof Error || c.scmData.product === undefined ? [] : [{ itemIndex, product: String(c.scmData.product) }]));
	for (const [itemIndex, error] of await checkProducts(this, uses)) {
		if (!this.continueOnFail()) throw error;
		checked[itemIndex] = error;
	}
	return await runForEachChecked(this, items, checked, async (job, itemIndex) => {
		const taskId = await startScmTask(this, job.constraints, job.scmData, itemIndex);
		const task = await settleScmTask(this, taskId, job.wait, itemIndex);
		return { taskId, ...task };
	});
}
