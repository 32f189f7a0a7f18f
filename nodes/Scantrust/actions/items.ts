import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DataError } from '../codes/DataError';

type ItemResult = IDataObject | IDataObject[] | INodeExecutionData[];

function isExecutionData(value: unknown): value is INodeExecutionData {
	return typeof value === 'object' && value !== null && 'json' in value;
}

/** Errors from the pure data helpers become NodeOperationErrors that name the item. */
export function toNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof DataError) {
		return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${error.message}`, {
			itemIndex,
			description: error.description,
		});
	}
	if (error instanceof Error && 'context' in error) {
		// NodeApiError / NodeOperationError: remember which item failed.
		(error as Error & { context: IDataObject }).context.itemIndex ??= itemIndex;
	}
	return error as Error;
}

/**
 * Runs an operation once per input item, pairing every output to its input and
 * turning a failure into an error item when Continue On Fail is on.
 */
export async function runForEachItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	run: (itemIndex: number) => Promise<ItemResult>,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await run(itemIndex);
			const list = Array.isArray(result) ? result : [result];
			for (const entry of list) {
				const item: INodeExecutionData = isExecutionData(entry) ? entry : { json: entry };
				item.pairedItem = { item: itemIndex };
				output.push(item);
			}
		} catch (error) {
			const nodeError = toNodeError(ctx, error, itemIndex);
			if (!ctx.continueOnFail()) throw nodeError;
			output.push(errorItem(nodeError, { item: itemIndex }));
		}
	}
	return output;
}

/** The item Continue On Fail puts in place of a failed one: message, description and HTTP code. */
export function errorItem(error: Error, pairedItem: IPairedItemData | IPairedItemData[]): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	const { description, httpCode } = error as Error & { description?: string | null; httpCode?: string | null };
	if (description) json.description = description;
	if (httpCode) json.httpCode = httpCode;
	return { json, pairedItem };
}
