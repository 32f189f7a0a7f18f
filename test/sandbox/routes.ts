// The API's URL table (SPEC section 2): pattern, permission the token needs (SPEC section 1), handler per method.
import type { Ctx } from './context';
import { createIngestionRecord, findRecord, listIngestionRecords, processIngestion } from './ingestion';
import { paginate } from './pagination';
import type { IncomingRequest, Reply } from './reply';
import { ME } from './seed';
import { parseCreateFromTemplate, parseCreateSid, parsePrinterConfirm } from './workOrderInput';
import { confirmWorkOrder, createWorkOrder, findWorkOrder, listWorkOrders } from './workOrders';

export interface ApiRequest extends IncomingRequest {
	/** Capture groups of the route pattern. */
	params: string[];
	/** The parsed body (DRF's request.data); parsing errors throw. */
	data(): unknown;
	/** scheme://host/path of this request, for absolute pagination links. */
	absolutePath: string;
}

type Handler = (ctx: Ctx, req: ApiRequest) => Reply;

export interface Route {
	name: string;
	pattern: RegExp;
	permission: string | null;
	methods: Partial<Record<string, Handler>>;
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const created = (body: unknown): Reply => ({ status: 201, body });
const page = <T>(ctx: Ctx, req: ApiRequest, items: T[]): Reply => ok(paginate(items, req.query, req.absolutePath, ctx.options));

/** Checked in order; specific paths before the ones with an id. */
export const ROUTES: Route[] = [
	{ name: 'Me', pattern: /^\/api\/v2\/me\/$/, permission: null, methods: { GET: () => ok(ME) } },
	{
		name: 'Work Order Template List',
		pattern: /^\/api\/v2\/workorders\/templates\/$/,
		permission: 'workorder_view',
		methods: { GET: (ctx, req) => page(ctx, req, ctx.state.templates) },
	},
	{
		name: 'Work Order Create From Template',
		pattern: /^\/api\/v2\/workorders\/create-from-template\/$/,
		permission: 'workorder_create',
		methods: { POST: (ctx, req) => created(createWorkOrder(ctx, parseCreateFromTemplate(ctx, req.data()))) },
	},
	{
		name: 'Work Order Create Sid',
		pattern: /^\/api\/v2\/workorders\/create-sid\/$/,
		permission: 'workorder_create',
		methods: { POST: (ctx, req) => created(createWorkOrder(ctx, parseCreateSid(ctx, req.data()))) },
	},
	{
		name: 'Work Order List',
		pattern: /^\/api\/v2\/workorders\/$/,
		permission: 'workorder_view',
		methods: { GET: (ctx, req) => page(ctx, req, listWorkOrders(ctx, req.query)) },
	},
	{
		name: 'Work Order Printer Confirm',
		pattern: /^\/api\/v2\/workorders\/(\d+)\/printer-confirm\/$/,
		permission: 'workorder_edit',
		methods: {
			PATCH: (ctx, req) => {
				const wo = findWorkOrder(ctx, Number(req.params[0]));
				return ok(confirmWorkOrder(ctx, wo, parsePrinterConfirm(ctx, req.data())));
			},
		},
	},
	{
		name: 'Work Order Detail',
		pattern: /^\/api\/v2\/workorders\/(\d+)\/$/,
		permission: 'workorder_view',
		methods: { GET: (ctx, req) => ok(findWorkOrder(ctx, Number(req.params[0]))) },
	},
	{
		name: 'Code Upload Get Post Data',
		pattern: /^\/api\/v2\/ingestion\/codes\/upload\/get-post-data\/$/,
		permission: 'ingestion_code_create',
		methods: { POST: (ctx, req) => created(createIngestionRecord(ctx, req.data())) },
	},
	{
		name: 'Code Upload Process',
		pattern: /^\/api\/v2\/ingestion\/codes\/upload\/process\/$/,
		permission: 'ingestion_code_create',
		methods: { POST: (ctx, req) => ok(processIngestion(ctx, req.data())) },
	},
	{
		name: 'Ingestion Record List',
		pattern: /^\/api\/v2\/ingestion\/$/,
		permission: 'ingestion_view',
		methods: { GET: (ctx, req) => page(ctx, req, listIngestionRecords(ctx, req.query)) },
	},
	{
		name: 'Ingestion Record',
		pattern: /^\/api\/v2\/ingestion\/([^/]+)\/$/,
		permission: 'ingestion_view',
		methods: { GET: (ctx, req) => ingestionDetail(ctx, req.params[0]) },
	},
];

/** Seed 002 shows this route answering with a list envelope; the other shapes let tests check tolerant clients. */
function ingestionDetail(ctx: Ctx, key: string): Reply {
	const record = findRecord(ctx, key);
	const shape = ctx.options.ingestionDetailShape;
	if (shape === 'bare') return ok(record);
	if (shape === 'list') return ok({ count: 1, next: null, previous: null, results: [record] });
	const all = listIngestionRecords(ctx, new URLSearchParams());
	const others = all.filter((r) => r !== record).slice(0, ctx.options.pageSizeDefault - 1);
	return ok({ count: all.length, next: null, previous: null, results: [...others, record] });
}

export function matchRoute(path: string): { route: Route; params: string[] } | undefined {
	for (const route of ROUTES) {
		const m = route.pattern.exec(path);
		if (m) return { route, params: m.slice(1) };
	}
	return undefined;
}
