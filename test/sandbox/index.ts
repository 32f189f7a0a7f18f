// Scantrust sandbox: a local stand-in for the Scantrust API (one origin) and its object storage (another origin).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dispatchApi } from './api';
import { codesFor as listCodes } from './codes';
import { Timers, newSigningSecret, type Ctx } from './context';
import { originHandler } from './origin';
import { applySeed, emptyState } from './state';
import { dispatchStorage } from './storage';
import type { AddScanInput, ArchiveOptions, CreateWorkOrderInput, ResolvedOptions, Sandbox, SandboxOptions } from './types';
import { parseCreateFromTemplate } from './workOrderInput';
import { CODEGEN, createWorkOrder, extraOf, finishGeneration, findWorkOrder, settleGenerations } from './workOrders';
import { findByExtendedId, viewOf } from './codeStore';
import { settleIngestions } from './ingestion';
import { addScan } from './scans';
import { DEFAULT_UPLOAD_FORM_SHAPE } from './ingestionCreate';
import { POST_FORM_TTL_MS } from './presign';

export * from './recorded';
export * from './types';
export { BATCH_SIZE, extendedIdFor } from './codes';
export { CODES_CSV_HEADER } from './codesArchive';
export { INGESTION_STATUS, PROCESS_ERRORS } from './ingestion';
export { FILE_PROCESS_ERRORS, SSC_PARTNER_REQUIRED } from './ingestionCreate';
export { GS1_ID_PATTERN } from './ingestionFile';
export { INGESTION_TEMPLATE_KEYS } from './ingestionTemplates';
export { INGESTION_ERROR_KEYS } from './ingestionFile';
export { CODEGEN, WO_STATE } from './workOrders';
export { DOCUMENT_STATUS, DOWNLOAD_LINK_FIELD, EXPORT_COLUMNS } from './codeExport';
export { decodeExtendedId } from './codeStore';
export { SKU_TAKEN } from './products';
export { CURSOR_PARAM, PERIOD_REQUIRED, SCAN_FLAG, UNKNOWN_CAMPAIGN } from './scans';
export { SCM_ASYNC_ACCEPTED_STATUS, SCM_SYNC_RESPONSE_FIELDS, SCM_TASK_STATE } from './scm';
export { BRANDS, CAMPAIGNS, DEFAULT_CAMPAIGN_ID } from './seed';
export { COMPANY, DEFAULT_URL_PREFIX, PRODUCTS, SEED_TEMPLATE_IDS, SEED_WORK_ORDERS, SID_CODE_LAYOUT } from './seed';

export const DEFAULT_TOKEN = 'sandbox-token';

function resolveOptions(options: SandboxOptions): ResolvedOptions {
	return {
		port: options.port ?? 0,
		storagePort: options.storagePort ?? 0,
		tokens: options.tokens ?? { [DEFAULT_TOKEN]: 'all' },
		generationDelayMs: options.generationDelayMs ?? 300,
		ingestionDelayMs: options.ingestionDelayMs ?? 300,
		pageSizeDefault: options.pageSizeDefault ?? 20,
		maxPageSize: options.maxPageSize ?? 100,
		rateLimit: options.rateLimit ?? { limit: 3000, windowMs: 60_000 },
		ingestionDetailShape: options.ingestionDetailShape ?? 'list',
		scmRateLimit: options.scmRateLimit ?? { limit: 10, windowMs: 1000 },
		scmSyncMaxCodes: options.scmSyncMaxCodes ?? 1000,
		scmTaskDelayMs: options.scmTaskDelayMs ?? 300,
		scmTaskFailure: options.scmTaskFailure ?? null,
		exportDelayMs: options.exportDelayMs ?? 300,
		scanPageSize: options.scanPageSize ?? 100,
		postFormTtlMs: options.postFormTtlMs ?? POST_FORM_TTL_MS,
		uploadFormShape: options.uploadFormShape ?? DEFAULT_UPLOAD_FORM_SHAPE,
	};
}

function listen(server: Server, port: number): Promise<string> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
	});
}

function stop(server: Server): Promise<void> {
	return new Promise((resolve) => {
		server.close(() => resolve());
		server.closeAllConnections();
	});
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const ctx: Ctx = {
		options: resolveOptions(options),
		state: emptyState(),
		storageUrl: '',
		requests: [],
		faults: [],
		serverErrors: [],
		signingSecret: newSigningSecret(),
		rateHistory: new Map(),
		timers: new Timers(),
	};
	const storageServer = createServer(originHandler(ctx, 'storage', dispatchStorage));
	const apiServer = createServer(originHandler(ctx, 'api', dispatchApi));
	ctx.storageUrl = await listen(storageServer, ctx.options.storagePort);
	const apiUrl = await listen(apiServer, ctx.options.port).catch(async (e: Error) => {
		await stop(storageServer);
		throw e;
	});
	applySeed(ctx);

	const tokens = Object.keys(ctx.options.tokens);
	return {
		apiUrl,
		storageUrl: ctx.storageUrl,
		token: tokens.find((t) => ctx.options.tokens[t] === 'all') ?? tokens[0],
		options: ctx.options,
		requests: ctx.requests,
		faults: ctx.faults,
		state: ctx.state,
		serverErrors: ctx.serverErrors,
		createWorkOrder(input: CreateWorkOrderInput) {
			return createWorkOrder(ctx, parseCreateFromTemplate(ctx, input));
		},
		completeGeneration(id: number) {
			const wo = findWorkOrder(ctx, id);
			if (wo.codegen_status !== CODEGEN.done) finishGeneration(ctx, wo);
		},
		codesFor(id: number) {
			const wo = findWorkOrder(ctx, id);
			return listCodes(wo, extraOf(ctx, wo));
		},
		code(extendedId: string) {
			settleGenerations(ctx);
			settleIngestions(ctx);
			const ref = findByExtendedId(ctx, extendedId);
			return ref && viewOf(ctx, ref);
		},
		addScan(input: AddScanInput) {
			return addScan(ctx, input);
		},
		setArchiveOptions(id: number, archiveOptions: ArchiveOptions) {
			const extra = extraOf(ctx, findWorkOrder(ctx, id));
			extra.archiveOptions = { ...archiveOptions };
			extra.zip = undefined;
		},
		reset() {
			ctx.timers.clear();
			ctx.requests.length = 0;
			ctx.faults.length = 0;
			ctx.serverErrors.length = 0;
			ctx.rateHistory.clear();
			applySeed(ctx);
		},
		async close() {
			ctx.timers.clear();
			await Promise.all([stop(apiServer), stop(storageServer)]);
		},
	};
}
