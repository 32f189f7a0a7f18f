// The API's URL table (SPEC section 2): pattern, permission the token needs (SPEC section 1), handler per method.
import { DOCUMENT_LINK_PATH, DOCUMENT_PATH, documentDetail, documentLink, startExport } from './codeExport';
import { requirePermission } from './auth';
import type { Ctx } from './context';
import { createIngestionRecord, findRecord, listIngestionRecords, processIngestion } from './ingestion';
import { createOwnCodes, processFromFile } from './ingestionCreate';
import { paginate } from './pagination';
import { createProduct, findProduct, listProducts, productView } from './products';
import type { IncomingRequest, Reply } from './reply';
import { SCANS_PATH, scansPage } from './scans';
import { scmAsyncUpload, scmSyncUpload, scmTaskDetail } from './scm';
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
		name: 'Code Ingestion Add Sids',
		pattern: /^\/api\/v2\/ingestion\/codes\/add-sids\/$/,
		permission: 'ingestion_code_create',
		methods: { POST: (ctx, req) => createOwnCodes(ctx, req.data(), false) },
	},
	{
		name: 'Code Ingestion Create From Template',
		pattern: /^\/api\/v2\/ingestion\/codes\/create-from-template\/$/,
		permission: 'ingestion_code_create',
		methods: { POST: (ctx, req) => createOwnCodes(ctx, req.data(), true) },
	},
	{
		name: 'Code Ingestion Process From File',
		pattern: /^\/api\/v2\/ingestion\/codes\/process-from-file\/$/,
		permission: 'ingestion_code_create',
		methods: { POST: (ctx, req) => ok(processFromFile(ctx, req.data())) },
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
	{
		name: 'Product List',
		pattern: /^\/api\/v2\/products\/$/,
		permission: 'product_view',
		methods: {
			GET: (ctx, req) => page(ctx, req, listProducts(ctx, req.query)),
			POST: (ctx, req) => {
				// One route, two permissions: listing needs product_view, creating product_create.
				requirePermission(ctx, tokenOf(req), 'product_create');
				return created(createProduct(ctx, req.data()));
			},
		},
	},
	{
		// Not documented (a DRF detail route is assumed).
		name: 'Product Detail',
		pattern: /^\/api\/v2\/products\/(\d+)\/$/,
		permission: 'product_view',
		methods: { GET: (ctx, req) => ok(productView(ctx, findProduct(ctx, Number(req.params[0])))) },
	},
	{
		// Scantrust lists codes_view, scm_bulk_edit, scm_code_edit and product_view for SCM updates; one is modelled.
		name: 'SCM Upload',
		pattern: /^\/api\/v2\/scm\/upload\/$/,
		permission: 'scm_bulk_edit',
		methods: { POST: (ctx, req) => scmSyncUpload(ctx, req.headers.authorization, req.data()) },
	},
	{
		name: 'SCM Upload Async',
		pattern: /^\/api\/v2\/scm\/upload\/async\/$/,
		permission: 'scm_bulk_edit',
		methods: { POST: (ctx, req) => scmAsyncUpload(ctx, req.headers.authorization, req.data()) },
	},
	{
		name: 'SCM Task',
		pattern: /^\/api\/v2\/scm\/tasks\/([^/]+)\/$/,
		permission: 'scm_bulk_edit',
		methods: { GET: (ctx, req) => scmTaskDetail(ctx, req.params[0]) },
	},
	{
		name: 'Code Data Download',
		pattern: /^\/api\/v2\/codes\/download\/$/,
		permission: 'codes_view',
		methods: { GET: (ctx, req) => startExport(ctx, req.query) },
	},
	{
		name: 'Document Download Link',
		pattern: DOCUMENT_LINK_PATH,
		permission: 'codes_view',
		methods: { GET: (ctx, req) => documentLink(ctx, req.params[0]) },
	},
	{
		name: 'Document',
		pattern: DOCUMENT_PATH,
		permission: 'codes_view',
		methods: { GET: (ctx, req) => documentDetail(ctx, req.params[0]) },
	},
	{
		name: 'Dashboard Scans',
		pattern: SCANS_PATH,
		permission: 'scans_download',
		methods: { GET: (ctx, req) => ok(scansPage(ctx, req.query, req.absolutePath)) },
	},
];

function tokenOf(req: ApiRequest): string {
	return (req.headers.authorization ?? '').split(' ')[1] ?? '';
}

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
