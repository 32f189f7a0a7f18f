// The codes Scantrust holds after printing: every code of a generated or ingested work order, as its work order
// made it, plus what SCM updates changed since (kept per code only once it changes, so a million-code work order
// costs nothing until it is touched).
import { extendedIdFor, mix32 } from './codes';
import type { Ctx } from './context';
import { CAMPAIGNS, DEFAULT_CAMPAIGN_ID, ME } from './seed';
import type { Campaign, CodeRecord, CodeView, Product, WorkOrder, WorkOrderExtra } from './types';
import { ALNUM, isoMicro } from './util';
import { CODEGEN, extraOf } from './workOrders';

/** A code found by one of its keys. */
export interface CodeRef {
	extendedId: string;
	wo: WorkOrder;
	/** 1-based position in its work order. */
	sequence: number;
}

const DIGITS = new Map([...ALNUM].map((char, value) => [char, value]));

/** extendedIdFor backwards: the (work order, sequence) a generated id encodes, or undefined for any other text. */
export function decodeExtendedId(id: string): { workOrderId: number; sequence: number } | undefined {
	if (id.length !== 12) return undefined;
	const half = (from: number): number | undefined => {
		let value = 0;
		for (let i = from + 5; i >= from; i--) {
			const digit = DIGITS.get(id[i]);
			if (digit === undefined) return undefined;
			value = value * 62 + digit;
		}
		return value <= 0xffffffff ? value : undefined;
	};
	const encodedLeft = half(0);
	const encodedRight = half(6);
	if (encodedLeft === undefined || encodedRight === undefined) return undefined;
	let left: number = encodedLeft;
	let right: number = encodedRight;
	for (let round = 4; round >= 1; round--) {
		const previousLeft: number = (right ^ mix32((left + 0x9e3779b9 * round) >>> 0)) >>> 0;
		right = left;
		left = previousLeft;
	}
	return { workOrderId: right, sequence: left };
}

/** Codes exist once their work order's generation (or ingestion) is done. */
function hasCodes(wo: WorkOrder): boolean {
	return wo.codegen_status === CODEGEN.done;
}

const ingestedPositions = new WeakMap<string[], Map<string, number>>();

function positionsOf(ids: string[]): Map<string, number> {
	let positions = ingestedPositions.get(ids);
	if (!positions) {
		positions = new Map(ids.map((id, index) => [id, index + 1]));
		ingestedPositions.set(ids, positions);
	}
	return positions;
}

export function findByExtendedId(ctx: Ctx, id: string): CodeRef | undefined {
	const decoded = decodeExtendedId(id);
	if (decoded) {
		const wo = ctx.state.workOrders.find((w) => w.id === decoded.workOrderId);
		if (wo && hasCodes(wo) && !extraOf(ctx, wo).ingestedIds && decoded.sequence >= 1 && decoded.sequence <= wo.quantity) {
			return { extendedId: id, wo, sequence: decoded.sequence };
		}
	}
	for (const wo of ctx.state.workOrders) {
		const ids = ctx.state.workOrderExtras.get(wo.id)?.ingestedIds;
		const sequence = ids && hasCodes(wo) ? positionsOf(ids).get(id) : undefined;
		if (sequence !== undefined) return { extendedId: id, wo, sequence };
	}
	return undefined;
}

const SERIAL_DIGITS = 9;

function serialOf(wo: WorkOrder, extra: WorkOrderExtra, sequence: number): string {
	return wo.use_serial_number && !extra.ingestedIds ? `${extra.serialStart + sequence - 1}`.padStart(SERIAL_DIGITS, '0') : '';
}

/** Serial numbers match as the archive writes them (nine digits, leading zeros). */
export function findBySerialNumber(ctx: Ctx, serial: string): CodeRef | undefined {
	if (!/^\d+$/.test(serial)) return undefined;
	const number = Number(serial);
	for (const wo of ctx.state.workOrders) {
		const extra = extraOf(ctx, wo);
		if (!hasCodes(wo) || !wo.use_serial_number || extra.ingestedIds) continue;
		const sequence = number - extra.serialStart + 1;
		if (sequence >= 1 && sequence <= wo.quantity && serialOf(wo, extra, sequence) === serial) {
			return { extendedId: extendedIdFor(wo.id, sequence), wo, sequence };
		}
	}
	return undefined;
}

/** Every code, in work order and sequence order. */
export function forEachCode(ctx: Ctx, visit: (ref: CodeRef) => void): void {
	for (const wo of ctx.state.workOrders) {
		if (!hasCodes(wo)) continue;
		const ids = extraOf(ctx, wo).ingestedIds;
		const count = ids ? ids.length : wo.quantity;
		for (let sequence = 1; sequence <= count; sequence++) {
			visit({ extendedId: ids ? ids[sequence - 1] : extendedIdFor(wo.id, sequence), wo, sequence });
		}
	}
}

/** The row an ingested code came from, and the default_scm_data its upload was processed with. */
function ingestedSource(ctx: Ctx, id: string): { row: Record<string, unknown>; defaults: Record<string, unknown> } | undefined {
	for (const [recordKey, rows] of ctx.state.ingestedCodes) {
		const row = rowIndexOf(rows).get(id);
		if (!row) continue;
		const record = ctx.state.ingestionRecords.find((r) => r.key === recordKey);
		const defaults = (record?.parameters.default_scm_data ?? {}) as Record<string, unknown>;
		return { row, defaults };
	}
	return undefined;
}

const rowIndexes = new WeakMap<Record<string, unknown>[], Map<string, Record<string, unknown>>>();

function rowIndexOf(rows: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
	let index = rowIndexes.get(rows);
	if (!index) {
		index = new Map(rows.map((row) => [String(row.id), row]));
		rowIndexes.set(rows, index);
	}
	return index;
}

export function productById(ctx: Ctx, id: number | null): Product | undefined {
	return id === null ? undefined : ctx.state.products.find((p) => p.id === id);
}

export function campaignOfProduct(ctx: Ctx, product: Product | undefined): Campaign {
	const id = product?.campaign ?? DEFAULT_CAMPAIGN_ID;
	return ctx.state.campaigns.find((c) => c.id === id) ?? CAMPAIGNS[0];
}

const filled = (value: unknown) => value !== undefined && value !== null && value !== '';
const NOT_SCM = new Set(['id', 'product', 'activation_status', 'blacklist_reason', 'is_consumed', 'consumed_date']);

/** A code as its work order (or its upload) made it. */
function initialRecord(ctx: Ctx, ref: CodeRef): CodeRecord {
	const { wo } = ref;
	const activeOnComplete = wo.data.activate_on_complete ? 1 : 0;
	let activation = activeOnComplete;
	let product = wo.product?.id ?? null;
	const scm: Record<string, string> = {};
	const source = extraOf(ctx, wo).ingestedIds ? ingestedSource(ctx, ref.extendedId) : undefined;
	if (source) {
		const { row, defaults } = source;
		const status = filled(row.activation_status) ? row.activation_status : defaults.activation_status;
		if (filled(status)) activation = Number(status);
		const sku = filled(row.product) ? row.product : defaults.product;
		if (filled(sku)) product = ctx.state.products.find((p) => p.sku === String(sku))?.id ?? product;
		const fields = campaignOfProduct(ctx, productById(ctx, product)).scm_fields;
		for (const [key, value] of [...Object.entries(defaults), ...Object.entries(row)]) {
			if (!NOT_SCM.has(key) && filled(value) && fields.includes(key)) scm[key] = String(value);
		}
	}
	return {
		activation_status: activation,
		blacklist_reason: 0,
		product,
		is_consumed: false,
		consumed_date: null,
		scm,
		scm_updated_at: null,
		scm_updated_by: null,
		activated_at: activation === 1 ? wo.date_codes_completed : null,
		activated_by: null,
		updated_at: wo.date_codes_completed,
	};
}

export function recordOf(ctx: Ctx, ref: CodeRef): CodeRecord {
	return ctx.state.codeRecords.get(ref.extendedId) ?? initialRecord(ctx, ref);
}

export function viewOf(ctx: Ctx, ref: CodeRef): CodeView {
	const record = recordOf(ctx, ref);
	return {
		...record,
		scm: { ...record.scm },
		extended_id: ref.extendedId,
		serial_number: serialOf(ref.wo, extraOf(ctx, ref.wo), ref.sequence),
		workorder_id: ref.wo.id,
		campaign: campaignOfProduct(ctx, productById(ctx, record.product)).id,
	};
}

/** Extended ids of the codes whose SCM field `key` holds each value (only changed or ingested codes have SCM data). */
export function indexByScmField(ctx: Ctx, key: string): Map<string, string[]> {
	const index = new Map<string, string[]>();
	const add = (value: string | undefined, id: string) => {
		if (value === undefined) return;
		const ids = index.get(value);
		if (ids) ids.push(id);
		else index.set(value, [id]);
	};
	for (const [id, record] of ctx.state.codeRecords) add(record.scm[key], id);
	for (const wo of ctx.state.workOrders) {
		const ids = ctx.state.workOrderExtras.get(wo.id)?.ingestedIds;
		if (!ids || !hasCodes(wo)) continue;
		ids.forEach((id, index) => {
			if (!ctx.state.codeRecords.has(id)) add(initialRecord(ctx, { extendedId: id, wo, sequence: index + 1 }).scm[key], id);
		});
	}
	return index;
}

/** One update of a code, already checked: special fields and SCM fields. */
export interface CodeChanges {
	activation_status?: number;
	blacklist_reason?: number;
	product?: Product;
	is_consumed?: boolean;
	consumed_date?: string;
	scm: Record<string, string>;
}

/**
 * Applies an update and returns the names of the fields it changed. A product of another campaign moves the code
 * to that campaign; SCM keys the code's campaign does not define are discarded, as Scantrust documents. Leaving the
 * blacklist clears the reason, and consuming a code dates it (both assumptions).
 */
export function applyChanges(ctx: Ctx, ref: CodeRef, changes: CodeChanges): string[] {
	const current = recordOf(ctx, ref);
	const next: CodeRecord = { ...current, scm: { ...current.scm } };
	const now = isoMicro();
	if (changes.product !== undefined) next.product = changes.product.id;
	if (changes.activation_status !== undefined && changes.activation_status !== current.activation_status) {
		next.activation_status = changes.activation_status;
		if (next.activation_status === 1) {
			next.activated_at = now;
			next.activated_by = ME.email;
		}
		if (next.activation_status !== 2 && changes.blacklist_reason === undefined) next.blacklist_reason = 0;
	}
	if (changes.blacklist_reason !== undefined) next.blacklist_reason = changes.blacklist_reason;
	if (changes.is_consumed !== undefined && changes.is_consumed !== current.is_consumed) {
		next.is_consumed = changes.is_consumed;
		next.consumed_date = changes.is_consumed ? now.slice(0, 10) : null;
	}
	if (changes.consumed_date !== undefined) next.consumed_date = changes.consumed_date;
	const fields = campaignOfProduct(ctx, productById(ctx, next.product)).scm_fields;
	for (const [key, value] of Object.entries(changes.scm)) if (fields.includes(key)) next.scm[key] = value;

	const changed: string[] = (['product', 'activation_status', 'blacklist_reason', 'is_consumed', 'consumed_date'] as const).filter(
		(field) => next[field] !== current[field],
	);
	for (const key of Object.keys(next.scm)) if (next.scm[key] !== current.scm[key]) changed.push(key);
	if (changed.length === 0) return [];
	next.updated_at = now;
	next.scm_updated_at = now;
	next.scm_updated_by = ME.email;
	ctx.state.codeRecords.set(ref.extendedId, next);
	return changed;
}
