import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { findProduct, productNotFound } from '../api/products';
import { fail, nonEmptyText } from './validate';
import { showValue } from '../codes/showValue';

/** Fields shared by everything that selects codes (code export, scans, updates): status, product, SCM fields. */

/** SCM field keys are names such as pallet_number or rfid. */
export const SCM_KEY = /^[A-Za-z0-9_]+$/;

export const ACTIVATION_STATUS_OPTIONS = [
	{ name: 'Inactive', value: 0 },
	{ name: 'Active', value: 1 },
	{ name: 'Blacklisted', value: 2 },
];

/** An input value that was filled in (an empty text means "not set"). */
export const isGiven = (value: unknown) => value !== undefined && value !== null && String(value).trim() !== '';

export function activationStatusField(name: string, displayName: string, description: string): INodeProperties {
	return { displayName, name, type: 'options', options: ACTIVATION_STATUS_OPTIONS, default: 1, description };
}

/** 0, 1 or 2; an expression can hand over anything, so the value is checked here. */
function readActivationStatus(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): number {
	const status = String(value).trim();
	if (!['0', '1', '2'].includes(status)) fail(ctx, itemIndex, field, `must be 0 (inactive), 1 (active) or 2 (blacklisted), got ${showValue(value)}`);
	return Number(status);
}

function productFilterField(what: string): INodeProperties {
	return {
		displayName: 'Product ID or SKU',
		name: 'productId',
		type: 'string',
		default: '',
		placeholder: 'e.g. 6134 or NICK1',
		description: `Only ${what} of this product (a SKU is looked up to its ID)`,
	};
}

/** A product filter as the user gave it: digits are an id; other text is a SKU, looked up when the item runs. */
export type ProductFilter = { id: number } | { sku: string };

function readProductFilter(ctx: IExecuteFunctions, itemIndex: number, value: unknown): ProductFilter | undefined {
	if (!isGiven(value)) return undefined;
	const product = nonEmptyText(ctx, itemIndex, 'Product ID or SKU', value);
	return /^\d+$/.test(product) ? { id: Number(product) } : { sku: product };
}

/** Scantrust filters codes and scans by product id, not SKU. */
export async function productIdOf(ctx: IExecuteFunctions, filter: ProductFilter, itemIndex: number): Promise<number> {
	if ('id' in filter) return filter.id;
	const product = await findProduct(ctx, filter.sku, itemIndex);
	if (!product) throw productNotFound(ctx, filter.sku, 'Filters: Product ID or SKU', itemIndex);
	return product.id;
}

function scmFiltersField(description: string, placeholder: string): INodeProperties {
	return {
		displayName: 'SCM Filters',
		name: 'scmFilters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add SCM Filter',
		default: {},
		description,
		options: [
			{
				displayName: 'SCM Filter',
				name: 'filters',
				values: [
					{ displayName: 'Key', name: 'key', type: 'string', default: '', placeholder, description: 'Key of the SCM field' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '', description: 'Value the field must have' },
				],
			},
		],
	};
}

interface ScmFiltersValue {
	filters?: Array<{ key?: unknown; value?: unknown }>;
}

/** The SCM filters as key/value pairs; keys that are names of other filters (`reserved`) or given twice are refused. */
function readScmFilters(
	ctx: IExecuteFunctions,
	itemIndex: number,
	value: ScmFiltersValue | undefined,
	reserved: readonly string[] = [],
): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	for (const { key, value: wanted } of value?.filters ?? []) {
		const name = typeof key === 'string' ? key.trim() : '';
		if (!SCM_KEY.test(name)) fail(ctx, itemIndex, 'SCM Filters: Key', `must be the key of an SCM field, got ${showValue(key)}`);
		if (reserved.includes(name)) {
			fail(ctx, itemIndex, 'SCM Filters: Key', `"${name}" is a filter of its own, not an SCM field`, 'Use the filter of its own for it (e.g. Activation Status, Product ID or SKU).');
		}
		if (pairs.some(([other]) => other === name)) fail(ctx, itemIndex, 'SCM Filters: Key', `"${name}" is given twice`);
		pairs.push([name, wanted === undefined || wanted === null ? '' : String(wanted)]);
	}
	return pairs;
}

/** The status, product and SCM filters, which code export and scans both offer. */
export interface CodeSelectionFields {
	status: INodeProperties;
	product: INodeProperties;
	scm: INodeProperties;
}

/** `status` names the status filter: each operation keeps its own name, as saved workflows hold it. */
export function codeSelectionFields(options: {
	status: { name: string; displayName: string; description: string };
	product: string;
	scm: { description: string; placeholder: string };
}): CodeSelectionFields {
	const { status, product, scm } = options;
	return {
		status: activationStatusField(status.name, status.displayName, status.description),
		product: productFilterField(product),
		scm: scmFiltersField(scm.description, scm.placeholder),
	};
}

export interface CodeSelection {
	status?: number;
	product?: ProductFilter;
	scm: Array<[string, string]>;
}

/**
 * The status, product and SCM filters of a `filters` collection, checked; the status filter is read under the name
 * and label of `statusField`, and SCM keys in `reserved` are refused.
 */
export function readCodeSelection(
	ctx: IExecuteFunctions,
	itemIndex: number,
	filters: Record<string, unknown>,
	statusField: INodeProperties,
	reserved: readonly string[] = [],
): CodeSelection {
	const status = filters[statusField.name];
	return {
		status: status === undefined ? undefined : readActivationStatus(ctx, itemIndex, statusField.displayName, status),
		scm: readScmFilters(ctx, itemIndex, filters.scmFilters as ScmFiltersValue | undefined, reserved),
		product: readProductFilter(ctx, itemIndex, filters.productId),
	};
}
