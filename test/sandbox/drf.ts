// Django REST Framework behaviour the API shows: error bodies and how serializer fields read input.
// Messages are DRF's own wording so clients see what the real service sends.

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly body: unknown,
		readonly headers: Record<string, string> = {},
	) {
		super(`${status} ${JSON.stringify(body)}`);
	}
}

export const notFound = (): ApiError => new ApiError(404, { detail: 'Not found.' });
export const badRequest = (detail: string): ApiError => new ApiError(400, { detail });

export const MSG = {
	required: 'This field is required.',
	null: 'This field may not be null.',
	blank: 'This field may not be blank.',
	integer: 'A valid integer is required.',
	boolean: 'Must be a valid boolean.',
	string: 'Not a valid string.',
	date: 'Date has wrong format. Use one of these formats instead: YYYY-MM-DD.',
	minValue: (n: number) => `Ensure this value is greater than or equal to ${n}.`,
	maxValue: (n: number) => `Ensure this value is less than or equal to ${n}.`,
	maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
	choice: (v: unknown) => `"${String(v)}" is not a valid choice.`,
	pkType: (v: unknown) => `Incorrect type. Expected pk value, received ${pyType(v)}.`,
	pkMissing: (v: unknown) => `Invalid pk "${String(v)}" - object does not exist.`,
	dict: (v: unknown) => `Expected a dictionary of items but got type "${pyType(v)}".`,
};

/** Python's type names, as DRF puts them in messages. */
export function pyType(v: unknown): string {
	if (v === null) return 'NoneType';
	if (Array.isArray(v)) return 'list';
	if (typeof v === 'string') return 'str';
	if (typeof v === 'boolean') return 'bool';
	if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
	return 'dict';
}

/** Collects field errors and throws them as one 400, like serializer.is_valid(raise_exception=True). */
export class FieldErrors {
	readonly errors: Record<string, string[]> = {};

	add(field: string, message: string): void {
		(this.errors[field] ??= []).push(message);
	}

	throwIfAny(): void {
		if (Object.keys(this.errors).length > 0) throw new ApiError(400, this.errors);
	}
}

/** The request body as a serializer sees it: must be an object. */
export function asDict(body: unknown): Record<string, unknown> {
	if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
	throw new ApiError(400, { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pyType(body)}.`] });
}

interface FieldOpts {
	required?: boolean;
	allowNull?: boolean;
}

/** Shared start of every field: missing / null handling. Returns undefined when there is nothing to parse. */
function present(data: Record<string, unknown>, field: string, errs: FieldErrors, opts: FieldOpts): unknown {
	const v = data[field];
	if (v === undefined) {
		if (opts.required) errs.add(field, MSG.required);
		return undefined;
	}
	if (v === null) {
		if (!opts.allowNull) errs.add(field, MSG.null);
		return undefined;
	}
	return v;
}

/** DRF IntegerField: accepts 10, "10", "10.0"; rejects booleans, 1.5, "abc". */
export function readInteger(
	data: Record<string, unknown>,
	field: string,
	errs: FieldErrors,
	opts: FieldOpts & { min?: number; max?: number } = {},
): number | undefined {
	const v = present(data, field, errs, opts);
	if (v === undefined) return undefined;
	const n = toInteger(v);
	if (n === undefined) return void errs.add(field, MSG.integer);
	if (opts.min !== undefined && n < opts.min) return void errs.add(field, MSG.minValue(opts.min));
	if (opts.max !== undefined && n > opts.max) return void errs.add(field, MSG.maxValue(opts.max));
	return n;
}

export function toInteger(v: unknown): number | undefined {
	if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
	if (typeof v !== 'string') return undefined;
	const s = v.trim().replace(/\.0*$/, '');
	return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** DRF CharField: numbers are turned into strings, other non-strings are invalid. */
export function readString(
	data: Record<string, unknown>,
	field: string,
	errs: FieldErrors,
	opts: FieldOpts & { allowBlank?: boolean; maxLength?: number } = {},
): string | undefined {
	const v = present(data, field, errs, opts);
	if (v === undefined) return undefined;
	if (typeof v !== 'string' && typeof v !== 'number') return void errs.add(field, MSG.string);
	const s = String(v).trim();
	if (s === '' && !opts.allowBlank) return void errs.add(field, MSG.blank);
	if (opts.maxLength !== undefined && s.length > opts.maxLength) return void errs.add(field, MSG.maxLength(opts.maxLength));
	return s;
}

const TRUE_VALUES = new Set<unknown>(['t', 'T', 'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', '1', 1, true]);
const FALSE_VALUES = new Set<unknown>(['f', 'F', 'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF', '0', 0, false]);

export function readBoolean(data: Record<string, unknown>, field: string, errs: FieldErrors, opts: FieldOpts = {}): boolean | undefined {
	const v = present(data, field, errs, opts);
	if (v === undefined) return undefined;
	if (TRUE_VALUES.has(v)) return true;
	if (FALSE_VALUES.has(v)) return false;
	return void errs.add(field, MSG.boolean);
}

/** DRF DateField with the default ISO input format: a real calendar date as YYYY-MM-DD. */
export function readDate(data: Record<string, unknown>, field: string, errs: FieldErrors, opts: FieldOpts = {}): string | null | undefined {
	if (data[field] === null && opts.allowNull) return null;
	const v = present(data, field, errs, opts);
	if (v === undefined) return undefined;
	const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) : null;
	if (!m) return void errs.add(field, MSG.date);
	const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
	if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return void errs.add(field, MSG.date);
	return v as string;
}

/** DRF PrimaryKeyRelatedField: an id (number or numeric string) of an object in `items`. */
export function readPk<T extends { id: number }>(
	data: Record<string, unknown>,
	field: string,
	errs: FieldErrors,
	items: readonly T[],
	opts: FieldOpts = {},
): T | undefined {
	const v = present(data, field, errs, opts);
	if (v === undefined) return undefined;
	if (typeof v === 'boolean' || (typeof v !== 'number' && typeof v !== 'string')) return void errs.add(field, MSG.pkType(v));
	const id = toInteger(v);
	if (id === undefined) return void errs.add(field, MSG.pkType(v));
	const found = items.find((item) => item.id === id);
	if (!found) return void errs.add(field, MSG.pkMissing(v));
	return found;
}
