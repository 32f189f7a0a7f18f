import { isDeepStrictEqual } from 'node:util';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiRequest } from '../transport/request';
import { postOnce } from './postOnce';
import { waitFor, type WaitSettings } from './wait';

/** Ingestion records: reading one, processing one, waiting for one, explaining a failed one. */

export const INGESTION_PATH = '/api/v2/ingestion/';
/** Scantrust's current ingestion: own SIDs, or own codes through an ingestion template; then a file's processing. */
export const ADD_SIDS_PATH = `${INGESTION_PATH}codes/add-sids/`;
export const CREATE_FROM_TEMPLATE_PATH = `${INGESTION_PATH}codes/create-from-template/`;
export const PROCESS_FROM_FILE_PATH = `${INGESTION_PATH}codes/process-from-file/`;
/** The older pair, which Scantrust marks deprecated ("will be removed soon"). */
export const GET_POST_DATA_PATH = `${INGESTION_PATH}codes/upload/get-post-data/`;
export const PROCESS_PATH = `${INGESTION_PATH}codes/upload/process/`;

/**
 * Record statuses. Scantrust documents two: `uploading` (created, waiting for its file and the process call) and
 * `error` (processing failed, result_data.errors says why). The names while Scantrust works on a record and the
 * name of success are not documented.
 */
export const INGESTION_STATUS = { uploading: 'uploading', error: 'error' } as const;

/** An ingestion record as Scantrust returns it; only the fields the node reads are typed. */
export interface IngestionRecord extends IDataObject {
	key: string;
	status?: string;
	ingestion_mode?: string;
	/** What the record was made or processed with, e.g. `default_scm_data`, `url_prefix`, `allow_posted_duplicates`. */
	parameters?: IDataObject | null;
	/** Filled when Scantrust is done; `errors` lists what went wrong, e.g. `{duplicate_id_error: [...]}`. */
	result_data?: IDataObject | null;
}

/** Status names Scantrust does not document (guesses, kept in one place so that each is one line to correct). */
export const UNVERIFIED_INGESTION_STATUSES: { readonly busy: readonly string[]; readonly done: readonly string[] } = {
	/** Still being worked on. */
	busy: ['pending', 'queued', 'processing', 'in_progress', 'validating'],
	/** Processed, codes created. */
	done: ['finished', 'done', 'completed', 'success', 'succeeded', 'processed'],
};

function hasResultData(record: IngestionRecord): boolean {
	const data = record.result_data;
	return data !== null && typeof data === 'object' && Object.keys(data).length > 0;
}

/**
 * Whether Scantrust is done with a record, the rule waiting uses. The documented names decide first: `error` is
 * done, `uploading` is not. A known name decides next. Any other name counts as done only once result_data is
 * filled (Scantrust writes it when it finishes, as its documented failed record shows): an unknown busy name keeps
 * the wait going rather than reporting codes that do not exist yet, and an unknown name of success still ends it.
 */
export function isSettled(record: IngestionRecord): boolean {
	const status = String(record.status);
	if (status === INGESTION_STATUS.error) return true;
	if (status === INGESTION_STATUS.uploading || UNVERIFIED_INGESTION_STATUSES.busy.includes(status)) return false;
	return UNVERIFIED_INGESTION_STATUSES.done.includes(status) || hasResultData(record);
}

/** How many ids of one kind of problem an error message lists. */
export const MAX_LISTED_IDS = 10;

const ERROR_HINTS: Record<string, string> = {
	duplicate_id_error:
		'The same id was posted more than once. Remove the duplicates, or turn on "Allow Posted Duplicates" (Scantrust then keeps the first).',
	existing_id_error: 'These ids already exist in Scantrust; code ids must be unique across Scantrust.',
	invalid_id_error: 'An id must be at least 8 characters of letters, digits, - or _.',
	invalid_product_error: 'These products (SKUs) do not exist in Scantrust. Create them first, or correct the product column.',
	invalid_activation_status_error: 'activation_status must be 0 (inactive), 1 (active) or 2 (blacklisted).',
};

export function recordPath(key: string): string {
	return `${INGESTION_PATH}${encodeURIComponent(key)}/`;
}

/**
 * The detail route may answer with the record itself or, as Scantrust's documentation shows, with a list envelope
 * `{count, next, previous, results: [...]}`: returns the record whose `key` matches, else undefined.
 */
export function pickRecord(body: unknown, key: string): IngestionRecord | undefined {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
	const data = body as IDataObject;
	if (Array.isArray(data.results)) {
		const found = (data.results as IDataObject[]).find((record) => record !== null && typeof record === 'object' && record.key === key);
		return found as IngestionRecord | undefined;
	}
	return data.key === undefined || data.key === key ? ({ ...data, key } as IngestionRecord) : undefined;
}

export async function getIngestionRecord(ctx: IExecuteFunctions, key: string, itemIndex: number): Promise<IngestionRecord> {
	const body = await apiRequest.call(ctx, {
		method: 'GET',
		path: recordPath(key),
		action: `read ingestion record ${key}`,
		permission: 'ingestion_view',
		resource: { name: 'Ingestion record', id: key },
		itemIndex,
	});
	const record = pickRecord(body, key);
	if (!record) {
		throw new NodeOperationError(ctx.getNode(), `Scantrust's answer for ingestion record ${key} does not contain that record`, {
			itemIndex,
			description: 'The answer held other records only. Check the record key.',
		});
	}
	return record;
}

/** One kind of problem: `duplicate_id_error: iE4Mw…, Bc2m6… and 3 more`. */
function describeProblem(kind: string, value: unknown): string {
	if (Array.isArray(value)) {
		const shown = value.slice(0, MAX_LISTED_IDS).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
		const more = value.length > MAX_LISTED_IDS ? ` and ${value.length - MAX_LISTED_IDS} more` : '';
		return `${kind}: ${shown.join(', ')}${more}`;
	}
	return `${kind}: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** `result_data.errors` as readable lines, one per kind of problem. */
export function describeIngestionErrors(record: IngestionRecord): string[] {
	const errors = (record.result_data as IDataObject | undefined)?.errors;
	const entries = Array.isArray(errors) ? errors : errors !== undefined && errors !== null ? [errors] : [];
	const lines: string[] = [];
	for (const entry of entries) {
		if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
			for (const [kind, value] of Object.entries(entry as IDataObject)) lines.push(describeProblem(kind, value));
		} else {
			lines.push(typeof entry === 'string' ? entry : JSON.stringify(entry));
		}
	}
	return lines;
}

/** The error for a record that ended in `error`, listing Scantrust's reasons. */
export function ingestionFailedError(ctx: IExecuteFunctions, record: IngestionRecord, itemIndex: number): NodeOperationError {
	const lines = describeIngestionErrors(record);
	const kinds = lines.map((line) => line.split(':')[0]);
	const hints = [...new Set(kinds)].filter((kind) => ERROR_HINTS[kind]).map((kind) => `${kind}: ${ERROR_HINTS[kind]}`);
	const said = lines.length > 0 ? lines.join('; ') : 'Scantrust gave no reason';
	return new NodeOperationError(ctx.getNode(), `Scantrust could not ingest the codes of record ${String(record.key)}: ${said}`, {
		itemIndex,
		description: [
			'No codes of this file were created. Correct the codes and upload them again (as a new upload).',
			...hints,
		].join('\n'),
	});
}

/** Fails when the record ended in `error`; returns it otherwise. */
export function assertNotFailed(ctx: IExecuteFunctions, record: IngestionRecord, itemIndex: number): IngestionRecord {
	if (record.status === INGESTION_STATUS.error) throw ingestionFailedError(ctx, record, itemIndex);
	return record;
}

/** What the legacy process call sends besides the record key. */
export interface ProcessOptions {
	defaultScmData: IDataObject;
	urlPrefix?: string;
	allowPostedDuplicates: boolean;
}

/** One way to start processing a record: its path and body. */
export interface ProcessCall {
	path: string;
	body: IDataObject;
}

/** The legacy process call: the options go with it. */
export function legacyProcessCall(key: string, options: ProcessOptions): ProcessCall {
	const body: IDataObject = {
		record: key,
		default_scm_data: options.defaultScmData,
		allow_posted_duplicates: options.allowPostedDuplicates,
	};
	if (options.urlPrefix) body.url_prefix = options.urlPrefix;
	return { path: PROCESS_PATH, body };
}

/** process-from-file: the record was given its options when it was made. */
export function fileProcessCall(key: string): ProcessCall {
	return { path: PROCESS_FROM_FILE_PATH, body: { record: key } };
}

/**
 * `ingestion_mode` of records that add-sids / create-from-template made in file mode (unverified: Scantrust's
 * process-from-file error calls them records "of type 'file'"). Other records waiting for a file are legacy ones.
 */
export const FILE_MODE_RECORD_MODES: readonly string[] = ['file'];

export function isFileModeRecord(record: IngestionRecord): boolean {
	return FILE_MODE_RECORD_MODES.includes(String(record.ingestion_mode));
}

/**
 * The process options that a file-mode record cannot take (process-from-file sends the key only) because they
 * differ from what the record was made with: their field names, empty when there are none.
 */
export function optionsNotTaken(record: IngestionRecord, options: ProcessOptions): string[] {
	const made = (record.parameters ?? {}) as IDataObject;
	const differs: string[] = [];
	if (options.allowPostedDuplicates && made.allow_posted_duplicates !== true) differs.push('Allow Posted Duplicates');
	if (Object.keys(options.defaultScmData).length > 0 && !isDeepStrictEqual(options.defaultScmData, made.default_scm_data ?? {})) differs.push('Default SCM Data');
	if (options.urlPrefix && options.urlPrefix !== made.url_prefix) differs.push('URL Prefix');
	return differs;
}

/**
 * Starts processing exactly once (see postOnce). After an unanswered attempt the record is read: processing has
 * started once it left `uploading`; a 400 right after an unanswered attempt ("not in state uploading") is most
 * likely that attempt's doing, and the record tells.
 */
export async function processOnce(ctx: IExecuteFunctions, key: string, call: ProcessCall, itemIndex: number): Promise<void> {
	await postOnce<IngestionRecord | 'posted'>({
		post: async () => {
			await apiRequest.call(ctx, {
				method: 'POST',
				path: call.path,
				body: call.body,
				action: `process ingestion record ${key}`,
				permission: 'ingestion_code_create',
				itemIndex,
			});
			return 'posted';
		},
		lookUp: async () => {
			const record = await getIngestionRecord(ctx, key, itemIndex);
			return record.status === INGESTION_STATUS.uploading ? undefined : record;
		},
		isAlreadyDone: (error, afterUnansweredAttempt) => afterUnansweredAttempt && error.httpCode === '400',
		explainUnknown: (processError, readError) =>
			new NodeOperationError(
				ctx.getNode(),
				`Scantrust did not confirm whether ingestion record ${key} is being processed, and the record could not be read`,
				{
					itemIndex,
					description: `Before processing it again, read it with Code Upload > Get (record key ${key}): process it only while its status is "uploading". Process: ${processError.message}. Read: ${readError.message}`,
				},
			),
	});
}

/** Reads the record, and with waiting on polls it until Scantrust is done with it or the time-out passes. */
export async function settleRecord(ctx: IExecuteFunctions, key: string, wait: WaitSettings, itemIndex: number): Promise<IngestionRecord> {
	const record = await getIngestionRecord(ctx, key, itemIndex);
	if (!wait.waitForCompletion) return record;
	return await waitFor(
		wait,
		record,
		isSettled,
		async () => await getIngestionRecord(ctx, key, itemIndex),
		(last) =>
			new NodeOperationError(
				ctx.getNode(),
				`Ingestion record ${key} was still "${String(last.status)}" after ${wait.waitTimeout} seconds`,
				{
					itemIndex,
					description:
						'Scantrust is still working on it; nothing needs to be uploaded again. Raise "Wait Timeout", or check later with Code Upload > Get.',
				},
			),
	);
}
