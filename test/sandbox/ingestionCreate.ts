// Scantrust's current code ingestion: POST /ingestion/codes/add-sids/ and /ingestion/codes/create-from-template/
// (mode api: the codes in the body, processed at once; mode file: an upload form and a record waiting for its file),
// and POST /ingestion/codes/process-from-file/ for an uploaded file.
import type { Ctx } from './context';
import { ApiError, FieldErrors, MSG, asDict, badRequest, pyType, readBoolean, readString, toInteger } from './drf';
import { INGESTION_STATUS, PROCESS_ERRORS, formForRecord, readDefaultScmData, startProcessing } from './ingestion';
import { BUCKET, issuePostForm } from './presign';
import { ME } from './seed';
import type { CompanyRef, IngestionRecord, IngestionTemplate, UploadFormShape } from './types';
import { isoMicro, randomString } from './util';

/** How file mode answers (unverified: the documentation names url, fields and a record key, not their layout). */
export const DEFAULT_UPLOAD_FORM_SHAPE: UploadFormShape = 'postData';

/** HTTP status of an accepted add-sids / create-from-template call (unverified: 201 assumed, as get-post-data). */
export const CREATE_STATUS = 201;

/** The api-mode answer (unverified: "returns a record key", the example is cut; shaped like process-from-file's). */
const apiModeAnswer = (key: string) => ({ record_key: key });

/** Documented answers of process-from-file; fileNotFound is assumed to be the legacy process's wording. */
export const FILE_PROCESS_ERRORS = {
	invalidRecord: 'Invalid record',
	wrongState: "Only code ingestion records of type 'file' in state 'uploading' can be processed.",
	fileNotFound: PROCESS_ERRORS.fileNotFound,
};

/** 400 for an SSC upload without a printing partner (documented: "Required for SSC WO's"; this wording is made up). */
export const SSC_PARTNER_REQUIRED = 'A printing partner is required for SSC codes.';

const MODES = ['api', 'file'];
const FILETYPES = ['csv', 'json'];
const ID_FORMATS = ['default', 'gs1'];

/** What add-sids and create-from-template read from the body, after the checks Scantrust makes up front. */
interface CreateInput {
	mode: string;
	filetype: string;
	defaultScmData: Record<string, unknown>;
	allowPostedDuplicates: boolean;
	idFormat: string;
	urlPrefix: string | null;
	printingPartner: CompanyRef | null;
	template: IngestionTemplate | null;
	rows?: Record<string, unknown>[];
}

/** `codes` in api mode: a non-empty list of objects, each with an `id` (its value is checked while processing). */
function readCodes(data: Record<string, unknown>, errs: FieldErrors): Record<string, unknown>[] | undefined {
	const codes = data.codes;
	if (codes === undefined || codes === null) return void errs.add('codes', MSG.required);
	if (!Array.isArray(codes)) return void errs.add('codes', `Expected a list of items but got type "${pyType(codes)}".`);
	if (codes.length === 0) return void errs.add('codes', 'This list may not be empty.');
	const bad = codes.findIndex((code) => code === null || typeof code !== 'object' || Array.isArray(code) || (code as Record<string, unknown>).id === undefined);
	if (bad !== -1) return void errs.add('codes', `Code ${bad}: each code must be an object with an "id".`);
	return codes as Record<string, unknown>[];
}

function readCreateInput(ctx: Ctx, body: unknown, withTemplate: boolean): CreateInput {
	const data = asDict(body);
	const errs = new FieldErrors();
	const mode = readString(data, 'mode', errs, { allowNull: true }) ?? 'api';
	if (!MODES.includes(mode)) errs.add('mode', MSG.choice(mode));
	const filetype = readString(data, 'filetype', errs, { allowNull: true }) ?? 'csv';
	if (!FILETYPES.includes(filetype)) errs.add('filetype', MSG.choice(filetype));
	const idFormat = readString(data, 'id_format', errs, { allowNull: true }) ?? 'default';
	if (!ID_FORMATS.includes(idFormat)) errs.add('id_format', MSG.choice(idFormat));
	const defaultScmData = readDefaultScmData(ctx, data, errs);
	const allowPostedDuplicates = readBoolean(data, 'allow_posted_duplicates', errs, { allowNull: true }) ?? false;
	const urlPrefix = readString(data, 'url_prefix', errs, { allowBlank: true, allowNull: true }) || null;
	let printingPartner: CompanyRef | null = null;
	if (data.printing_partner !== undefined && data.printing_partner !== null) {
		const id = toInteger(data.printing_partner);
		const partner = id === undefined ? undefined : ctx.state.printingPartners.find((p) => p.id === id);
		if (id === undefined) errs.add('printing_partner', MSG.pkType(data.printing_partner));
		else if (!partner) errs.add('printing_partner', MSG.pkMissing(data.printing_partner));
		else printingPartner = partner;
	}
	let template: IngestionTemplate | null = null;
	if (withTemplate) {
		const key = readString(data, 'template', errs, { required: true });
		if (key !== undefined) {
			template = ctx.state.ingestionTemplates.find((t) => t.key === key) ?? null;
			// DRF's SlugRelatedField wording.
			if (!template) errs.add('template', `Object with key=${key} does not exist.`);
		}
	}
	const rows = mode === 'api' ? readCodes(data, errs) : undefined;
	errs.throwIfAny();
	if (template && !printingPartner && template.printing_partner !== null) {
		printingPartner = ctx.state.printingPartners.find((p) => p.id === template.printing_partner) ?? null;
	}
	if (template?.code_type === 'ssc' && !printingPartner) throw new ApiError(400, { printing_partner: [SSC_PARTNER_REQUIRED] });
	return { mode, filetype, defaultScmData, allowPostedDuplicates, idFormat, urlPrefix, printingPartner, template, rows };
}

function newRecord(ctx: Ctx, input: CreateInput): IngestionRecord {
	const now = isoMicro();
	const t = input.template;
	const record: IngestionRecord = {
		id: ctx.state.nextIds.ingestionRecord++,
		key: randomString(12),
		description: input.mode === 'file' ? 'Code ingestion file upload' : 'Code ingestion',
		status: INGESTION_STATUS.uploading,
		type: 'code',
		ingestion_mode: input.mode,
		created_at: now,
		created_by: ME.id,
		status_updated_at: now,
		parameters: {
			default_scm_data: input.defaultScmData,
			use_serial_number: false,
			id_format: input.idFormat,
			url_prefix: input.urlPrefix,
			printing_partner: input.printingPartner?.id ?? null,
			allow_posted_duplicates: input.allowPostedDuplicates,
		},
		result_data: {},
		template: t ? { id: t.id, key: t.key, name: t.name, description: t.description } : '',
		uploaded_file: null,
	};
	ctx.state.ingestionRecords.push(record);
	return record;
}

/** POST /ingestion/codes/add-sids/ and /ingestion/codes/create-from-template/ */
export function createOwnCodes(ctx: Ctx, body: unknown, withTemplate: boolean): { status: number; body: unknown } {
	const input = readCreateInput(ctx, body, withTemplate);
	const record = newRecord(ctx, input);
	if (input.mode === 'api') {
		startProcessing(ctx, record, processRequestOf(input));
		return { status: CREATE_STATUS, body: apiModeAnswer(record.key) };
	}
	const form = issuePostForm(ctx, record.key, record.id, input.filetype);
	ctx.state.postForms.set(form.objectKey, form);
	const url = `${ctx.storageUrl}/${BUCKET}/`;
	const fields = { ...form.fields };
	const answer = ctx.options.uploadFormShape === 'flat' ? { url, fields, record_key: record.key } : { post_data: { url, fields }, record_key: record.key };
	return { status: CREATE_STATUS, body: answer };
}

function processRequestOf(input: Omit<CreateInput, 'mode' | 'filetype'>) {
	return {
		defaultScmData: input.defaultScmData,
		urlPrefix: input.urlPrefix,
		allowPostedDuplicates: input.allowPostedDuplicates,
		idFormat: input.idFormat,
		printingPartner: input.printingPartner,
		template: input.template,
		rows: input.rows,
	};
}

/** POST /ingestion/codes/process-from-file/: 200 {record_key}; processing runs after ingestionDelayMs. */
export function processFromFile(ctx: Ctx, body: unknown): { record_key: string } {
	const data = asDict(body);
	const errs = new FieldErrors();
	const key = readString(data, 'record', errs, { required: true });
	errs.throwIfAny();
	const record = ctx.state.ingestionRecords.find((r) => r.key === key);
	if (!record) throw badRequest(FILE_PROCESS_ERRORS.invalidRecord);
	if (record.type !== 'code' || record.ingestion_mode !== 'file' || record.status !== INGESTION_STATUS.uploading) {
		throw badRequest(FILE_PROCESS_ERRORS.wrongState);
	}
	const form = formForRecord(ctx, record.key);
	if (!form || !ctx.state.uploads.has(form.objectKey)) throw badRequest(FILE_PROCESS_ERRORS.fileNotFound);
	record.uploaded_file = `${ctx.storageUrl}/${BUCKET}/${form.objectKey}`;
	startProcessing(ctx, record, processRequestOf(inputOfRecord(ctx, record)));
	return { record_key: record.key };
}

/** A file-mode record is processed with what it was created with: its parameters and template. */
function inputOfRecord(ctx: Ctx, record: IngestionRecord): Omit<CreateInput, 'mode' | 'filetype'> {
	const p = record.parameters;
	const templateKey = record.template ? record.template.key : undefined;
	return {
		defaultScmData: (p.default_scm_data ?? {}) as Record<string, unknown>,
		allowPostedDuplicates: p.allow_posted_duplicates === true,
		idFormat: String(p.id_format ?? 'default'),
		urlPrefix: typeof p.url_prefix === 'string' ? p.url_prefix : null,
		printingPartner: ctx.state.printingPartners.find((partner) => partner.id === p.printing_partner) ?? null,
		template: ctx.state.ingestionTemplates.find((t) => t.key === templateKey) ?? null,
	};
}
