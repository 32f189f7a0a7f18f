import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { showValue } from '../codes/showValue';

/** Checks on user input, made before any request so a mistake costs nothing. */

/** The error for a bad value: names the item and the field. */
export function fail(ctx: IExecuteFunctions, itemIndex: number, field: string, problem: string, hint?: string): never {
	throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: "${field}" ${problem}`, {
		itemIndex,
		description: hint,
	});
}

/**
 * A count such as a quantity. Text must be plain digits: "10.000" is ten thousand in German or Dutch, "1e3" and
 * "0x10" are numbers only to a programmer, so anything else is refused rather than read one way.
 */
export function positiveInteger(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): number {
	if (typeof value === 'string' && /^\s*\d+\s*$/.test(value) && Number(value) > 0) return Number(value);
	if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
	return fail(
		ctx,
		itemIndex,
		field,
		`must be a whole number greater than 0, got ${showValue(value)}`,
		'Write it with digits only, without thousands separators, decimals, exponents or signs (e.g. 10000).',
	);
}

/** Scantrust ids are positive integers; expressions often hand them over as strings. */
export function numericId(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): number {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (!/^\d+$/.test(text) || Number(text) <= 0) {
		fail(ctx, itemIndex, field, `must be a numeric Scantrust id such as 1234, got ${showValue(value)}`, 'Use the "id" field of a previous Scantrust node, not the reference.');
	}
	return Number(text);
}

/** Dates go to Scantrust as YYYY-MM-DD; n8n's date picker gives ISO date-times, so keep only the date. */
export function isoDate(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(text);
	if (match) {
		const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
		const date = new Date(Date.UTC(year, month - 1, day));
		if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) {
			return `${match[1]}-${match[2]}-${match[3]}`;
		}
	}
	return fail(ctx, itemIndex, field, `must be a date as YYYY-MM-DD, got ${showValue(value)}`);
}

export function nonEmptyText(ctx: IExecuteFunctions, itemIndex: number, field: string, value: unknown): string {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (text === '') fail(ctx, itemIndex, field, 'must not be empty');
	return text;
}
