import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { DataError } from '../codes/DataError';

/**
 * The item loops of the node: one run per item, or one run for all items at once. Both pair every output
 * to its input, and with Continue On Fail put an error item where a failure would stop the node.
 */

/** What a run may return: output objects or items, and, for a run that ends in several parts, a part's error. */
export type ItemResult = IDataObject | INodeExecutionData | Error;
type RunResult = ItemResult | ItemResult[];

function isExecutionData(value: unknown): value is INodeExecutionData {
	return typeof value === 'object' && value !== null && 'json' in value && !(value instanceof Error);
}

/**
 * The one error normaliser: n8n's errors keep their text and learn the item they belong to; a DataError (bad data
 * in a file or item) gets the item in its message; anything else is wrapped.
 */
export function toNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (itemIndex !== undefined) error.context.itemIndex ??= itemIndex;
		return error;
	}
	if (error instanceof DataError) {
		// Messages of all-items runs name the item themselves ("Item 3, field ...").
		const message = itemIndex === undefined ? error.message : `Item ${itemIndex}: ${error.message}`;
		return new NodeOperationError(ctx.getNode(), message, { itemIndex, description: error.description });
	}
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}

/** The item Continue On Fail puts in place of a failed one: message, description and HTTP code. */
export function errorItem(error: Error, pairedItem: IPairedItemData | IPairedItemData[]): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	const { description, httpCode } = error as Error & { description?: string | null; httpCode?: string | null };
	if (description) json.description = description;
	if (httpCode) json.httpCode = httpCode;
	return { json, pairedItem };
}

/** A run's results as paired items; the first error among them stops the node unless Continue On Fail is on. */
function toItems(
	ctx: IExecuteFunctions,
	result: RunResult,
	pairedItem: IPairedItemData | IPairedItemData[],
	itemIndex?: number,
): INodeExecutionData[] {
	const list = Array.isArray(result) ? result : [result];
	const failure = list.find((entry): entry is Error => entry instanceof Error);
	if (failure && !ctx.continueOnFail()) throw toNodeError(ctx, failure, itemIndex);
	return list.map((entry) => {
		if (entry instanceof Error) return errorItem(toNodeError(ctx, entry, itemIndex), pairedItem);
		const item: INodeExecutionData = isExecutionData(entry) ? entry : { json: entry };
		item.pairedItem = pairedItem;
		return item;
	});
}

/** Runs an operation once per input item. */
export async function runForEachItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	run: (itemIndex: number) => Promise<RunResult>,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const pairedItem = { item: itemIndex };
		try {
			output.push(...toItems(ctx, await run(itemIndex), pairedItem, itemIndex));
		} catch (error) {
			const nodeError = toNodeError(ctx, error, itemIndex);
			if (!ctx.continueOnFail()) throw nodeError;
			output.push(errorItem(nodeError, pairedItem));
		}
	}
	return output;
}

/**
 * Runs an operation once for all input items together (one upload of all codes, one bulk update): every output
 * is paired to all inputs, and a failure becomes one error item.
 */
export async function runForAllItems(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	run: () => Promise<RunResult>,
): Promise<INodeExecutionData[]> {
	const pairedItem = items.map((_, item) => ({ item }));
	try {
		return toItems(ctx, await run(), pairedItem);
	} catch (error) {
		const nodeError = toNodeError(ctx, error);
		if (!ctx.continueOnFail()) throw nodeError;
		return [errorItem(nodeError, pairedItem)];
	}
}

/**
 * Checks every item before anything is sent: returns what `check` made of each item, or its error (with
 * Continue On Fail; otherwise the first failure stops the node).
 */
export async function checkEachItem<T>(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	check: (itemIndex: number) => Promise<T>,
): Promise<Array<T | Error>> {
	const checked: Array<T | Error> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			checked.push(await check(itemIndex));
		} catch (error) {
			const nodeError = toNodeError(ctx, error, itemIndex);
			if (!ctx.continueOnFail()) throw nodeError;
			checked.push(nodeError);
		}
	}
	return checked;
}

/** Runs each item whose check passed (see checkEachItem); an item whose check failed stands for its error. */
export async function runForEachChecked<T>(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	checked: Array<T | Error>,
	run: (value: T, itemIndex: number) => Promise<RunResult>,
): Promise<INodeExecutionData[]> {
	return await runForEachItem(ctx, items, async (itemIndex) => {
		const value = checked[itemIndex];
		if (value instanceof Error) throw value;
		return await run(value, itemIndex);
	});
}
