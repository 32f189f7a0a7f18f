// Work orders: construction, the asynchronous code generation life cycle, and look-ups.
import type { Ctx } from './context';
import { badRequest, notFound } from './drf';
import { archiveObjectPath, presignedGetUrl } from './presign';
import { BRAND, COMPANY, DEFAULT_URL_PREFIX } from './seed';
import type { CompanyRef, Product, Template, WorkOrder, WorkOrderExtra } from './types';
import type { ConfirmInput } from './workOrderInput';
import { ALNUM, isoMicro, newestFirst, randomString } from './util';

/** codegen_status values (seed 001: "goes from 6 to 4"; 1 is what a fresh, unconfirmed order shows). */
export const CODEGEN = { notStarted: 1, done: 4, generating: 6 } as const;

export const WO_STATE = { new: 'new', readyToPrint: 'ready to print', completed: 'completed' } as const;

/** Everything needed to make a work order, after input validation. */
export interface WorkOrderSpec {
	kind: 'sid' | 'ssc';
	template: Template | null;
	quantity: number;
	reference: string | null;
	codeLayout: string;
	useSerialNumber: boolean;
	urlPrefix: string;
	activateOnComplete: boolean;
	printingPartner: CompanyRef | null;
	product: Product | null;
	dueDate: string | null;
	remarks: string;
	staticImpositions: number;
	ingestedIds?: string[];
}

export function insertWorkOrder(ctx: Ctx, spec: WorkOrderSpec): WorkOrder {
	const { state } = ctx;
	const id = state.nextIds.workOrder++;
	const t = spec.template;
	// Copies, so a test editing one work order's nested objects changes nothing else.
	const substrate = state.substrates.find((s) => s.id === t?.substrate);
	const wo: WorkOrder = {
		id,
		company: { ...COMPANY },
		printing_partner: spec.printingPartner && { ...spec.printingPartner },
		equipment: null,
		state: WO_STATE.new,
		due_date: spec.dueDate,
		reference: spec.reference ?? `WO-${id}`,
		creation_date: isoMicro(),
		code_layout: spec.codeLayout,
		use_serial_number: spec.useSerialNumber,
		static_unique_codes_quantity: 0,
		quantity: spec.quantity,
		is_ready_to_print: false,
		date_codes_completed: null,
		is_archived: false,
		codegen_status: CODEGEN.notStarted,
		codegen_file: null,
		data: { remarks: spec.remarks, static_unique_codes_quantity: 0, activate_on_complete: spec.activateOnComplete },
		product: spec.product && { id: spec.product.id, sku: spec.product.sku, name: spec.product.name },
		brand: { ...(spec.product?.brand ?? BRAND) },
		remarks: spec.remarks,
		printed_date: null,
		has_secure_workflow: false,
		static_impositions: spec.staticImpositions,
		designer: null,
		external_id: '',
		is_fingerprint_trained: false,
		substrate: substrate ? { ...substrate } : null,
		template: t?.id ?? null,
		template_image: null,
		is_hybrid: t?.is_hybrid ?? false,
		is_static_print: t?.is_static_print ?? false,
		is_fp_serialized: t?.is_fp_serialized ?? false,
		url_prefix: spec.urlPrefix || DEFAULT_URL_PREFIX,
		extended_id_style: t?.extended_id_style ?? 'legacy',
		partner_permissions: [],
	};
	const extra: WorkOrderExtra = {
		key: randomString(32, ALNUM),
		kind: spec.kind,
		serialStart: state.nextIds.serial,
		generationDueAt: null,
		ingestedIds: spec.ingestedIds,
		archiveOptions: {},
	};
	if (spec.useSerialNumber) state.nextIds.serial += spec.quantity;
	state.workOrders.push(wo);
	state.workOrderExtras.set(id, extra);
	return wo;
}

/** Create as the API does: SID orders start generating at once, SSC orders wait for printer-confirm (seed 001). */
export function createWorkOrder(ctx: Ctx, spec: WorkOrderSpec): WorkOrder {
	const wo = insertWorkOrder(ctx, spec);
	if (spec.kind === 'sid') startGeneration(ctx, wo);
	return wo;
}

/** Sandbox facts for a work order; created with defaults for orders a test pushed into state by hand. */
export function extraOf(ctx: Ctx, wo: WorkOrder): WorkOrderExtra {
	let extra = ctx.state.workOrderExtras.get(wo.id);
	if (!extra) {
		extra = { key: randomString(32, ALNUM), kind: wo.code_layout.startsWith('sg-') ? 'ssc' : 'sid', serialStart: 1, generationDueAt: null, archiveOptions: {} };
		ctx.state.workOrderExtras.set(wo.id, extra);
	}
	return extra;
}

export function findWorkOrder(ctx: Ctx, id: number): WorkOrder {
	const wo = ctx.state.workOrders.find((w) => w.id === id);
	if (!wo) throw notFound();
	return wo;
}

/** Starts background generation: codegen_status 6 now, done after generationDelayMs. */
export function startGeneration(ctx: Ctx, wo: WorkOrder): void {
	wo.codegen_status = CODEGEN.generating;
	extraOf(ctx, wo).generationDueAt = Date.now() + ctx.options.generationDelayMs;
	ctx.timers.after(ctx.options.generationDelayMs, () => settleGenerations(ctx));
}

/**
 * Finishes every generation whose time has come. Runs from a timer and at the start of each request,
 * so results are right even when timers lag (a busy event loop, fake timers).
 */
export function settleGenerations(ctx: Ctx): void {
	const now = Date.now();
	for (const wo of ctx.state.workOrders) {
		const extra = ctx.state.workOrderExtras.get(wo.id);
		if (extra?.generationDueAt != null && extra.generationDueAt <= now) finishGeneration(ctx, wo);
	}
}

export function finishGeneration(ctx: Ctx, wo: WorkOrder): void {
	const extra = extraOf(ctx, wo);
	extra.generationDueAt = null;
	wo.codegen_status = CODEGEN.done;
	wo.date_codes_completed = isoMicro();
	wo.codegen_file = presignedGetUrl(ctx, archiveObjectPath(wo.id, extra.key));
	wo.is_ready_to_print = true;
	// SID orders need no printer and are done; SSC orders now wait for printing (seed 001).
	wo.state = extra.kind === 'sid' ? WO_STATE.completed : WO_STATE.readyToPrint;
}

/** PATCH printer-confirm: the printing partner names substrate and equipment, then SSC generation starts. */
export function confirmWorkOrder(ctx: Ctx, wo: WorkOrder, input: ConfirmInput): WorkOrder {
	const extra = extraOf(ctx, wo);
	if (extra.kind !== 'ssc') throw badRequest('Printer confirmation only applies to SSC work orders; SID work orders are generated without it.');
	if (wo.codegen_status !== CODEGEN.notStarted) throw badRequest('This work order has already been confirmed.');
	wo.substrate = { ...input.substrate };
	wo.equipment = { ...input.equipment };
	wo.external_id = input.externalId;
	startGeneration(ctx, wo);
	return wo;
}

/** GET /workorders/ filters: is_archived (django-filter boolean), search (reference, remarks); newest first. */
export function listWorkOrders(ctx: Ctx, query: URLSearchParams): WorkOrder[] {
	const archived = parseBooleanFilter(query.get('is_archived'));
	const search = (query.get('search') ?? '').trim().toLowerCase();
	return ctx.state.workOrders
		.filter((wo) => archived === undefined || wo.is_archived === archived)
		.filter((wo) => !search || wo.reference.toLowerCase().includes(search) || wo.remarks.toLowerCase().includes(search))
		.sort(newestFirst((wo: WorkOrder) => wo.creation_date));
}

/** django-filter's BooleanFilter ignores values it does not understand. */
function parseBooleanFilter(value: string | null): boolean | undefined {
	if (value === null) return undefined;
	if (['1', 'true', 'True'].includes(value)) return true;
	if (['0', 'false', 'False'].includes(value)) return false;
	return undefined;
}
