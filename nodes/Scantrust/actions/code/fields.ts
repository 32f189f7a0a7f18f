import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { findProduct, productNotFound } from '../../api/products';
import { BUILT_IN_FIELDS } from '../../api/scm';
import { activationStatusField, SCM_KEY } from '../codeFilters';
import { fail, isoDate, nonEmptyText } from '../validate';
import { showValue } from '../../codes/showValue';

/** The fields Update and Update Many set, and how they are read and checked. */

const BLACKLIST_REASONS = [
	'None',
	'Counterfeits Detected',
	'Low Quality',
	'Overprint',
	'Stolen',
	'Damage',
	'Lost',
	'Misprint',
	'Not Sold',
	'Work Order Canceled',
	'Maximum Scan Count Exceeded',
];

/** SCM fields whose name ends so are dates: Scantrust stores them as YYYY-MM-DD (e.g. sell_by_date, production_date). */
const DATE_KEY = /_date$/;

export const updateFieldsCollection: INodeProperties = {
	displayName: 'Update Fields',
	name: 'updateFields',
	type: 'collection',
	placeholder: 'Add Field',
	default: {},
	options: [
		activationStatusField('activationStatus', 'Activation Status', 'Whether the codes are inactive, active or blacklisted'),
		{
			displayName: 'Blacklist Reason',
			name: 'blacklistReason',
			type: 'options',
			options: BLACKLIST_REASONS.map((name, value) => ({ name: `${value} ${name}`, value })),
			default: 0,
			description: 'Why the codes are blacklisted (0 to 10, as Scantrust numbers them)',
		},
		{
			displayName: 'Consumed Date',
			name: 'consumedDate',
			type: 'dateTime',
			default: '',
			description: 'Date the codes were consumed, sent as YYYY-MM-DD',
		},
		{
			displayName: 'Is Consumed',
			name: 'isConsumed',
			type: 'boolean',
			default: true,
			description: 'Whether the codes are marked as consumed',
		},
		{
			displayName: 'Product',
			name: 'product',
			type: 'string',
			default: '',
			placeholder: 'e.g. P2',
			description: 'ID or SKU of the product the codes belong to; a product of another campaign moves the codes to that campaign',
		},
		{
			displayName: 'SCM Data',
			name: 'scmData',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add SCM Field',
			default: {},
			description: "SCM fields of the codes' campaign; Scantrust discards keys the campaign does not define",
			options: [
				{
					displayName: 'Field',
					name: 'fields',
					values: [
						{
							displayName: 'Key',
							name: 'key',
							type: 'string',
							default: '',
							placeholder: 'e.g. pallet_number',
							description: 'Key of the SCM field as defined in the campaign',
						},
						{
							displayName: 'Value',
							name: 'value',
							type: 'string',
							default: '',
							description: 'Value to set; dates (keys ending in _date) as YYYY-MM-DD',
						},
					],
				},
			],
		},
	],
};

/** Whether a parameter holds an expression anywhere; without one it has the same value for every item. */
export function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}

/**
 * Reads a parameter per item, or once when it holds no expression: n8n resolves a parameter per item in
 * about 0.02 ms, seconds for an order of a hundred thousand codes.
 */
export function perItem<T>(ctx: IExecuteFunctions, names: string[], read: (itemIndex: number) => T): (itemIndex: number) => T {
	if (names.some((name) => hasExpression(ctx.getNode().parameters[name]))) return read;
	let first: { value: T } | undefined;
	return (itemIndex) => {
		if (itemIndex === 0 || first === undefined) first = { value: read(itemIndex) };
		return first.value;
	};
}

interface UpdateFields {
	activationStatus?: unknown;
	blacklistReason?: unknown;
	consumedDate?: unknown;
	isConsumed?: unknown;
	product?: unknown;
	scmData?: { fields?: Array<{ key?: unknown; value?: unknown }> };
}

/** A whole number from a list, given as a number or as digits (expressions often give text). */
function choice(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown, max: number, meaning: string): number {
	const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
	if (!Number.isInteger(number) || number < 0 || number > max) fail(ctx, itemIndex, field, `must be ${meaning}, got ${showValue(value)}`);
	return number;
}

function booleanValue(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): boolean {
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 'false') return value === 'true';
	return fail(ctx, itemIndex, field, `must be true or false, got ${showValue(value)}`);
}

/** SCM values go as text; dates must be YYYY-MM-DD, as Scantrust asks for date fields. */
function scmValue(ctx: IExecuteFunctions, itemIndex: number, key: string, value: unknown): string {
	if (value !== null && typeof value === 'object') fail(ctx, itemIndex, `SCM Data: ${key}`, `must be text, got ${JSON.stringify(value).slice(0, 60)}`);
	const text = value === undefined || value === null ? '' : String(value);
	return DATE_KEY.test(key) && text !== '' ? isoDate(ctx, itemIndex, `SCM Data: ${key}`, text) : text;
}

/**
 * The update of one item in Scantrust's names (activation_status, blacklist_reason, product, is_consumed,
 * consumed_date, SCM keys), checked before anything is sent.
 */
export function readUpdateFields(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const input = ctx.getNodeParameter('updateFields', itemIndex, {}) as UpdateFields;
	const fields: IDataObject = {};
	if (input.activationStatus !== undefined) {
		fields.activation_status = choice(ctx, itemIndex, 'Activation Status', input.activationStatus, 2, '0 (inactive), 1 (active) or 2 (blacklisted)');
	}
	if (input.blacklistReason !== undefined) {
		fields.blacklist_reason = choice(ctx, itemIndex, 'Blacklist Reason', input.blacklistReason, 10, 'a blacklist reason from 0 to 10');
	}
	if (input.product !== undefined) fields.product = nonEmptyText(ctx, itemIndex, 'Product', input.product);
	if (input.isConsumed !== undefined) fields.is_consumed = booleanValue(ctx, itemIndex, 'Is Consumed', input.isConsumed);
	if (input.consumedDate !== undefined && input.consumedDate !== '') fields.consumed_date = isoDate(ctx, itemIndex, 'Consumed Date', input.consumedDate);
	for (const pair of input.scmData?.fields ?? []) {
		const key = typeof pair.key === 'string' ? pair.key.trim() : '';
		if (!SCM_KEY.test(key)) fail(ctx, itemIndex, 'SCM Data', `has a key ${showValue(pair.key)} that is not an SCM field name`, 'SCM keys are letters, digits and _, as defined in the campaign (e.g. pallet_number).');
		if (BUILT_IN_FIELDS.includes(key)) fail(ctx, itemIndex, 'SCM Data', `sets "${key}"`, `Set ${key} with its own field under Update Fields, where it is checked.`);
		if (key in fields) fail(ctx, itemIndex, 'SCM Data', `sets "${key}" twice`);
		fields[key] = scmValue(ctx, itemIndex, key, pair.value);
	}
	if (Object.keys(fields).length === 0) {
		fail(ctx, itemIndex, 'Update Fields', 'is empty: there is nothing to update', 'Add at least one field, e.g. Activation Status.');
	}
	return fields;
}

/**
 * Checks that every product the items name exists, by id or SKU, before anything is sent (Scantrust would refuse a
 * whole call for one unknown product). Returns the error of each item whose product does not exist.
 */
export async function checkProducts(ctx: IExecuteFunctions, uses: Array<{ itemIndex: number; product: string }>): Promise<Map<number, Error>> {
	const errors = new Map<number, Error>();
	const known = new Map<string, boolean>();
	for (const { itemIndex, product } of uses) {
		if (!known.has(product)) known.set(product, (await findProduct(ctx, product, itemIndex)) !== undefined);
		if (!known.get(product)) errors.set(itemIndex, productNotFound(ctx, product, 'Update Fields: Product', itemIndex));
	}
	return errors;
}
