// Code ingestion: records, the legacy get-post-data + process pair (seed 002), and the asynchronous processing step
// shared with the current API (ingestionCreate.ts).
import type { Ctx } from './context';
import { FieldErrors, MSG, asDict, badRequest, notFound, readBoolean, readString } from './drf';
import { evaluateRows, evaluateUpload, type IngestionOutcome } from './ingestionFile';
import { BUCKET, issuePostForm } from './presign';
import { ME, SID_CODE_LAYOUT } from './seed';

/** Code layout of a work order made from an SSC ingestion template (not documented; the seeds' SSC layout). */
const SSC_CODE_LAYOUT = 'sg-outside';
import type { IngestionRecord, PostForm, ProcessRequest } from './types';
import { isoMicro, newestFirst, randomString } from './util';
import { finishGeneration, insertWorkOrder } from './workOrders';

/** Record status names. 'uploading' and 'error' are documented; 'processing' and 'finished' are guesses (unverified). */
export const INGESTION_STATUS = { uploading: 'uploading', processing: 'processing', finished: 'finished', error: 'error' } as const;

export const PROCESS_ERRORS = {
	invalidRecord: 'Invalid record',
	wrongState: "Only code ingestion records of type S3 in state 'uploading' can be processed.",
	fileNotFound: 'Uploaded file not found.',
};

const FILETYPES = ['csv', 'json'];

export function setStatus(record: IngestionRecord, status: string): void {
	record.status = status;
	record.status_updated_at = isoMicro();
}

export function formForRecord(ctx: Ctx, recordKey: string): PostForm | undefined {
	for (const form of ctx.state.postForms.values()) if (form.recordKey === recordKey) return form;
	return undefined;
}

/** POST /ingestion/codes/upload/get-post-data/ */
export function createIngestionRecord(ctx: Ctx, body: unknown): { post_data: { url: string; fields: Record<string, string> }; record_key: string } {
	const data = asDict(body);
	const errs = new FieldErrors();
	const filetype = readString(data, 'filetype', errs, { required: true });
	if (filetype !== undefined && !FILETYPES.includes(filetype)) errs.add('filetype', MSG.choice(filetype));
	errs.throwIfAny();

	const now = isoMicro();
	const record: IngestionRecord = {
		id: ctx.state.nextIds.ingestionRecord++,
		key: randomString(12),
		description: 'Code ingestion file upload',
		status: INGESTION_STATUS.uploading,
		type: 'code',
		ingestion_mode: 'api',
		created_at: now,
		created_by: ME.id,
		status_updated_at: now,
		parameters: { default_scm_data: {}, use_serial_number: false },
		result_data: {},
	};
	ctx.state.ingestionRecords.push(record);
	const form = issuePostForm(ctx, record.key, record.id, filetype as string);
	ctx.state.postForms.set(form.objectKey, form);
	return { post_data: { url: `${ctx.storageUrl}/${BUCKET}/`, fields: { ...form.fields } }, record_key: record.key };
}

/** default_scm_data is checked when the call is made; the codes themselves only while processing. */
export function readDefaultScmData(ctx: Ctx, data: Record<string, unknown>, errs: FieldErrors): Record<string, unknown> {
	const v = data.default_scm_data;
	if (v === undefined || v === null) return {};
	if (typeof v !== 'object' || Array.isArray(v)) {
		errs.add('default_scm_data', MSG.dict(v));
		return {};
	}
	const scm = v as Record<string, unknown>;
	if (scm.product !== undefined && !ctx.state.products.some((p) => p.sku === String(scm.product))) {
		errs.add('default_scm_data', `Product "${String(scm.product)}" does not exist.`);
	}
	if (scm.activation_status !== undefined && !['0', '1', '2'].includes(String(scm.activation_status))) {
		errs.add('default_scm_data', 'activation_status must be 0 (inactive), 1 (active) or 2 (blacklisted).');
	}
	return scm;
}

/** POST /ingestion/codes/upload/process/: checks, then processing runs after ingestionDelayMs. */
export function processIngestion(ctx: Ctx, body: unknown): { record_key: string } {
	const data = asDict(body);
	const errs = new FieldErrors();
	const key = readString(data, 'record', errs, { required: true });
	const defaultScmData = readDefaultScmData(ctx, data, errs);
	const urlPrefix = readString(data, 'url_prefix', errs, { allowBlank: true, allowNull: true }) || null;
	const allowPostedDuplicates = readBoolean(data, 'allow_posted_duplicates', errs, { allowNull: true }) ?? false;
	errs.throwIfAny();

	const record = ctx.state.ingestionRecords.find((r) => r.key === key);
	if (!record) throw badRequest(PROCESS_ERRORS.invalidRecord);
	if (record.type !== 'code' || record.ingestion_mode !== 'api' || record.status !== INGESTION_STATUS.uploading) {
		throw badRequest(PROCESS_ERRORS.wrongState);
	}
	const form = formForRecord(ctx, record.key);
	if (!form || !ctx.state.uploads.has(form.objectKey)) throw badRequest(PROCESS_ERRORS.fileNotFound);

	record.parameters = { default_scm_data: defaultScmData, use_serial_number: false, url_prefix: urlPrefix, allow_posted_duplicates: allowPostedDuplicates };
	startProcessing(ctx, record, { defaultScmData, urlPrefix, allowPostedDuplicates });
	return { record_key: record.key };
}

/** Marks the record `processing`; the codes are checked and the work order made after ingestionDelayMs. */
export function startProcessing(ctx: Ctx, record: IngestionRecord, request: Omit<ProcessRequest, 'dueAt'>): void {
	setStatus(record, INGESTION_STATUS.processing);
	ctx.state.processRequests.set(record.key, { ...request, dueAt: Date.now() + ctx.options.ingestionDelayMs });
	ctx.timers.after(ctx.options.ingestionDelayMs, () => settleIngestions(ctx));
}

/** Runs every processing step whose time has come (from a timer, and at the start of each request). */
export function settleIngestions(ctx: Ctx): void {
	const now = Date.now();
	for (const [key, request] of ctx.state.processRequests) {
		if (request.dueAt > now) continue;
		ctx.state.processRequests.delete(key);
		const record = ctx.state.ingestionRecords.find((r) => r.key === key);
		if (!record) continue;
		const outcome = evaluateRequest(ctx, key, request);
		if (outcome === undefined) continue;
		if (!outcome.ok) {
			record.result_data = { errors: outcome.errors };
			setStatus(record, INGESTION_STATUS.error);
			continue;
		}
		const template = request.template ?? null;
		const ssc = template?.code_type === 'ssc';
		const wo = insertWorkOrder(ctx, {
			kind: ssc ? 'ssc' : 'sid',
			template: null,
			quantity: outcome.ids.length,
			reference: `Code upload ${key}`,
			codeLayout: ssc ? SSC_CODE_LAYOUT : SID_CODE_LAYOUT,
			useSerialNumber: false,
			urlPrefix: request.urlPrefix || template?.url_prefix || '',
			activateOnComplete: String(request.defaultScmData.activation_status) === '1',
			printingPartner: request.printingPartner ?? null,
			product: ctx.state.products.find((p) => p.sku === String(request.defaultScmData.product)) ?? null,
			dueDate: null,
			remarks: `Code upload ${key}`,
			staticImpositions: 0,
			ingestedIds: outcome.ids,
		});
		finishGeneration(ctx, wo);
		for (const id of outcome.ids) ctx.state.knownCodeIds.add(id);
		ctx.state.ingestedCodes.set(key, outcome.rows);
		// workorder_id as Scantrust documents it; workorder as this sandbox always reported it.
		record.result_data = { codes_created: outcome.ids.length, workorder: wo.id, workorder_id: wo.id };
		setStatus(record, INGESTION_STATUS.finished);
	}
}

/** The codes of a request (api mode) or of its uploaded file, checked; undefined when the record has no form. */
function evaluateRequest(ctx: Ctx, key: string, request: ProcessRequest): IngestionOutcome | undefined {
	if (request.rows) return evaluateRows(ctx, request.rows, request);
	const form = formForRecord(ctx, key);
	if (!form) return undefined;
	const upload = ctx.state.uploads.get(form.objectKey);
	if (!upload) return { ok: false, errors: [{ file_error: [PROCESS_ERRORS.fileNotFound] }] };
	return evaluateUpload(ctx, upload, form.objectKey.endsWith('.json') ? 'json' : 'csv', request);
}

export function findRecord(ctx: Ctx, key: string): IngestionRecord {
	const record = ctx.state.ingestionRecords.find((r) => r.key === key);
	if (!record) throw notFound();
	return record;
}

/** GET /ingestion/ filters (exact match), newest first. */
export function listIngestionRecords(ctx: Ctx, query: URLSearchParams): IngestionRecord[] {
	const filters = (['type', 'status', 'ingestion_mode'] as const).filter((f) => query.get(f));
	return ctx.state.ingestionRecords
		.filter((r) => filters.every((f) => r[f] === query.get(f)))
		.sort(newestFirst((r: IngestionRecord) => r.created_at));
}
