// Building the sandbox's data and putting it back to the seed.
import type { Ctx } from './context';
import { BRANDS, CAMPAIGNS, EQUIPMENT, FIRST_IDS, PRINTING_PARTNERS, PRODUCTS, SEED_INGESTION_RECORDS, SEED_WORK_ORDERS, SUBSTRATES, TEMPLATES } from './seed';
import type { SandboxState } from './types';
import { isoMicro } from './util';
import { finishGeneration, insertWorkOrder } from './workOrders';
import { seedScans } from './scans';
import { INGESTION_TEMPLATES } from './ingestionTemplates';
import { parseCreateFromTemplate } from './workOrderInput';

const clone = <T>(value: T): T => structuredClone(value);

export function emptyState(): SandboxState {
	return {
		tokens: {},
		templates: [],
		products: [],
		substrates: [],
		equipment: [],
		printingPartners: [],
		workOrders: [],
		workOrderExtras: new Map(),
		ingestionRecords: [],
		ingestionTemplates: [],
		postForms: new Map(),
		uploads: new Map(),
		processRequests: new Map(),
		ingestedCodes: new Map(),
		knownCodeIds: new Set(),
		brands: [],
		campaigns: [],
		codeRecords: new Map(),
		scmTasks: [],
		documents: [],
		scans: [],
		nextIds: { ...FIRST_IDS },
	};
}

/**
 * Refills the state with the seed. Arrays and maps are emptied in place, so references a test holds
 * (`const wos = sandbox.state.workOrders`) stay valid.
 */
export function applySeed(ctx: Ctx): void {
	const { state } = ctx;
	for (const token of Object.keys(state.tokens)) delete state.tokens[token];
	Object.assign(state.tokens, clone(ctx.options.tokens));
	const refill = <T>(target: T[], items: T[]) => target.splice(0, target.length, ...clone(items));
	refill(state.templates, TEMPLATES);
	refill(state.products, PRODUCTS);
	refill(state.substrates, SUBSTRATES);
	refill(state.equipment, EQUIPMENT);
	refill(state.printingPartners, PRINTING_PARTNERS);
	refill(state.ingestionRecords, SEED_INGESTION_RECORDS);
	refill(state.ingestionTemplates, INGESTION_TEMPLATES);
	refill(state.brands, BRANDS);
	refill(state.campaigns, CAMPAIGNS);
	state.scmTasks.length = 0;
	state.documents.length = 0;
	state.codeRecords.clear();
	state.workOrders.length = 0;
	for (const map of [state.workOrderExtras, state.postForms, state.uploads, state.processRequests, state.ingestedCodes]) map.clear();
	state.knownCodeIds.clear();
	Object.assign(state.nextIds, FIRST_IDS);

	for (const seed of SEED_WORK_ORDERS) {
		const wo = insertWorkOrder(ctx, parseCreateFromTemplate(ctx, seed.input));
		const created = Date.parse(seed.createdAt);
		wo.creation_date = isoMicro(created);
		wo.is_archived = seed.archived ?? false;
		if (!seed.complete) continue;
		finishGeneration(ctx, wo);
		wo.date_codes_completed = isoMicro(created + 5 * 60_000);
	}
	state.scans.length = 0;
	seedScans(ctx);
}
