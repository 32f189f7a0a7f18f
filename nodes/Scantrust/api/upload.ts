import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { OwnCodesFile } from '../codes/ownCodes';
import { readUserCsv } from '../codes/userCsv';
import { isAmbiguousFailure } from '../transport/errors';
import { apiRequest } from '../transport/request';
import { uploadToPresignedPost, type PresignedPost } from '../transport/s3Upload';
import type { WaitSettings } from './wait';
import {
	ADD_SIDS_PATH,
	assertNotFailed,
	CREATE_FROM_TEMPLATE_PATH,
	fileProcessCall,
	GET_POST_DATA_PATH,
	legacyProcessCall,
	processOnce,
	settleRecord,
	type IngestionRecord,
	type ProcessCall,
	type ProcessOptions,
} from './ingestion';

/**
 * The upload of checked codes. Scantrust's current ingestion (add-sids, create-from-template) takes small uploads in
 * the request body and processes them at once (api mode); larger ones and files get an ingestion record and a
 * storage upload form per file (file mode), as the legacy get-post-data flow does. With a form, each phase is done
 * for all files before the next starts, so a failed storage upload leaves nothing processed.
 */

/** Which of Scantrust's ingestion flows an upload uses. */
export type IngestionFlow = 'addSids' | 'fromTemplate' | 'legacy';

/** What the current flows send when the record is made, besides the options of ProcessOptions. */
export interface CurrentIngestion {
	flow: 'addSids' | 'fromTemplate';
	/** The ingestion template key (fromTemplate). */
	templateKey?: string;
	idFormat: 'default' | 'gs1';
	printingPartnerId?: number;
}

/**
 * Largest request body that carries the codes themselves (api mode); larger uploads go through the upload form.
 * Scantrust documents no limit (assumed: 1 MB stays within common web server defaults).
 */
export const API_MODE_MAX_BODY_BYTES = 1_000_000;

/** Where a record key is in the api-mode answer (unverified: "returns a record key"; process-from-file calls it record_key). */
export const API_MODE_RECORD_KEY_FIELDS: readonly string[] = ['record_key', 'key'];

/**
 * Where the upload form is in a file-mode answer: get-post-data documents `post_data: {url, fields}`; for add-sids
 * and create-from-template the layout is not documented (assumed: the same, or url and fields at the top level).
 */
export const UPLOAD_FORM_HOLDERS: ReadonlyArray<(body: IDataObject) => unknown> = [(body) => body.post_data, (body) => body];

export interface UploadJob {
	built: OwnCodesFile;
	/** File name without extension, e.g. 'codes'; parts get '-part-2-of-3'. */
	baseName: string;
	processAfterUpload: boolean;
	/** Default SCM data, duplicates, URL prefix: sent when the record is made (current flows) or processed (legacy). */
	process: ProcessOptions;
	/** Settings of the current flows; undefined for the legacy flow. */
	current?: CurrentIngestion;
	/** Largest request body that may carry the codes (0: always through the upload form). */
	codesInBodyUpTo: number;
	wait: WaitSettings;
	itemIndex: number;
}

/** The output of one upload file (documented in the Upload operation's description; keep names stable). */
export interface UploadResult extends IDataObject {
	recordKey: string;
	status: string;
	processed: boolean;
	codeCount: number;
	columns: string[];
	part: number;
	parts: number;
	fileName: string;
	/** Repeated ids left out of later parts (with Allow Posted Duplicates); 0 otherwise. */
	droppedDuplicates: number;
	/** 'api': the codes went in the request body; 'file': through an upload form. */
	ingestionMode: 'api' | 'file';
	/** The work order Scantrust made of the codes (result_data.workorder_id), once it is known. */
	workOrderId: number | null;
	record: IDataObject;
}

interface Uploaded {
	recordKey: string;
	fileName: string;
	codeCount: number;
}

/** Creating a record that waits for its file, and processing it: what differs between the flows in file mode. */
interface FileFlow {
	createRecord(fileName: string): Promise<{ post: PresignedPost; recordKey: string }>;
	processCall(recordKey: string): ProcessCall;
}

function fileNameOf(job: UploadJob, index: number): string {
	const parts = job.built.files.length;
	return parts === 1 ? `${job.baseName}.csv` : `${job.baseName}-part-${index + 1}-of-${parts}.csv`;
}

/**
 * Adds what was done already to an error's description, so that nobody uploads the same codes twice. The error
 * stays what it is (the item loop turns it into the error n8n shows).
 */
function withNote(error: unknown, note?: string): Error {
	if (!note) return error as Error;
	const target = error as Error & { description?: string | null };
	target.description = target.description ? `${target.description}\n${note}` : note;
	return target;
}

const isObject = (value: unknown): value is IDataObject => value !== null && typeof value === 'object' && !Array.isArray(value);

function readPostData(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): { post: PresignedPost; recordKey: string } {
	const form = UPLOAD_FORM_HOLDERS.map((holder) => holder(body)).find((held) => isObject(held) && typeof held.url === 'string' && isObject(held.fields)) as
		| { url: string; fields: IDataObject }
		| undefined;
	const recordKey = body.record_key;
	if (!form || typeof recordKey !== 'string' || !recordKey) {
		throw new NodeOperationError(ctx.getNode(), 'Scantrust did not hand out an upload form (url, fields and record_key)', {
			itemIndex,
			description: `Scantrust answered: ${JSON.stringify(body).slice(0, 300)}`,
		});
	}
	const copied: Record<string, string> = {};
	for (const [name, value] of Object.entries(form.fields)) copied[name] = String(value);
	return { post: { url: form.url, fields: copied }, recordKey };
}

/** Scantrust's field names in a 400 answer, as the node's fields call them. */
const FIELD_NAMES: Record<string, string> = {
	printing_partner: '"Printing Partner ID" (Additional Fields)',
	template: '"Ingestion Template Key"',
	id_format: '"ID Format" (Additional Fields)',
	url_prefix: '"URL Prefix" (Additional Fields)',
	default_scm_data: '"Default SCM Data" (Additional Fields)',
};

/** A 400 names Scantrust's fields: says which node field each one is. */
function withFieldNames(error: unknown): unknown {
	if (!(error instanceof NodeApiError) || error.httpCode !== '400') return error;
	const named = Object.entries(FIELD_NAMES).filter(([field]) => error.message.includes(`${field}:`));
	return named.length === 0 ? error : withNote(error, named.map(([field, name]) => `${field} is ${name}.`).join(' '));
}

function currentPath(current: CurrentIngestion): string {
	return current.flow === 'fromTemplate' ? CREATE_FROM_TEMPLATE_PATH : ADD_SIDS_PATH;
}

function currentAction(current: CurrentIngestion, what: string): string {
	return current.flow === 'fromTemplate' ? `${what} with ingestion template "${current.templateKey ?? ''}"` : `${what} (add-sids)`;
}

/** The body fields add-sids and create-from-template share, whatever the mode. */
function currentBody(job: UploadJob, current: CurrentIngestion): IDataObject {
	const body: IDataObject = {
		default_scm_data: job.process.defaultScmData,
		allow_posted_duplicates: job.process.allowPostedDuplicates,
		id_format: current.idFormat,
	};
	if (job.process.urlPrefix) body.url_prefix = job.process.urlPrefix;
	if (current.printingPartnerId !== undefined) body.printing_partner = current.printingPartnerId;
	if (current.flow === 'fromTemplate') body.template = current.templateKey;
	return body;
}

function legacyFlow(ctx: IExecuteFunctions, job: UploadJob): FileFlow {
	return {
		createRecord: async () => {
			const response = await apiRequest.call(ctx, {
				method: 'POST',
				path: GET_POST_DATA_PATH,
				body: { filetype: job.built.filetype },
				action: 'create an ingestion record for the codes file',
				permission: 'ingestion_code_create',
				itemIndex: job.itemIndex,
			});
			return readPostData(ctx, response, job.itemIndex);
		},
		processCall: (recordKey) => legacyProcessCall(recordKey, job.process),
	};
}

function currentFileFlow(ctx: IExecuteFunctions, job: UploadJob, current: CurrentIngestion): FileFlow {
	return {
		createRecord: async (fileName) => {
			let response: IDataObject;
			try {
				response = await apiRequest.call(ctx, {
					method: 'POST',
					path: currentPath(current),
					body: { ...currentBody(job, current), mode: 'file', filetype: job.built.filetype },
					action: currentAction(current, `create an ingestion record for "${fileName}"`),
					permission: 'ingestion_code_create',
					itemIndex: job.itemIndex,
				});
			} catch (error) {
				throw withFieldNames(error);
			}
			return readPostData(ctx, response, job.itemIndex);
		},
		processCall: (recordKey) => fileProcessCall(recordKey),
	};
}

/**
 * The codes of a checked upload file as the objects api mode sends: empty cells left out (as in the file, they set
 * nothing), activation_status as a number, every other value as the text it is in the file.
 */
function codesOf(file: Buffer): IDataObject[] {
	const [header, ...rows] = readUserCsv(file, 'id').records;
	return rows
		.filter((row) => row.some((value) => value !== ''))
		.map((row) => {
			const code: IDataObject = {};
			header.forEach((column, c) => {
				const value = row[c] ?? '';
				if (value !== '') code[column] = column === 'activation_status' ? Number(value) : value;
			});
			return code;
		});
}

/** The api-mode body when it is small enough, else undefined (the codes then go through the upload form). */
function bodyWithCodes(job: UploadJob, current: CurrentIngestion): IDataObject | undefined {
	const [file] = job.built.files;
	// A JSON body is never smaller than the CSV of the same codes, so a large file needs no second look.
	if (!job.processAfterUpload || job.built.files.length !== 1 || file.length > job.codesInBodyUpTo) return undefined;
	const body: IDataObject = { ...currentBody(job, current), mode: 'api', codes: codesOf(file) };
	return Buffer.byteLength(JSON.stringify(body), 'utf8') <= job.codesInBodyUpTo ? body : undefined;
}

function recordKeyIn(body: IDataObject): string | undefined {
	const key = API_MODE_RECORD_KEY_FIELDS.map((field) => body[field]).find((value) => typeof value === 'string' && value !== '');
	return key as string | undefined;
}

function workOrderIdOf(record: IngestionRecord): number | null {
	const id = (record.result_data as IDataObject | null | undefined)?.workorder_id;
	return typeof id === 'number' ? id : null;
}

function resultOf(job: UploadJob, uploaded: Uploaded, index: number, record: IngestionRecord, mode: 'api' | 'file'): UploadResult {
	return {
		recordKey: uploaded.recordKey,
		status: String(record.status),
		processed: job.processAfterUpload,
		codeCount: uploaded.codeCount,
		columns: [...job.built.columns],
		part: index + 1,
		parts: job.built.files.length,
		fileName: uploaded.fileName,
		droppedDuplicates: job.built.droppedDuplicates,
		ingestionMode: mode,
		workOrderId: workOrderIdOf(record),
		record,
	};
}

/**
 * Api mode: one request that carries the codes and starts processing. It is sent once and never repeated: a
 * record made by an unanswered attempt cannot be told apart from others, so the user is told how to check.
 */
async function uploadInBody(ctx: IExecuteFunctions, job: UploadJob, current: CurrentIngestion, body: IDataObject): Promise<Array<UploadResult | Error>> {
	const codeCount = job.built.codeCount;
	let response: IDataObject;
	try {
		response = await apiRequest.call(ctx, {
			method: 'POST',
			path: currentPath(current),
			body,
			action: currentAction(current, `add ${codeCount} code${codeCount === 1 ? '' : 's'}`),
			permission: 'ingestion_code_create',
			itemIndex: job.itemIndex,
		});
	} catch (error) {
		if (!isAmbiguousFailure(error)) throw withFieldNames(error);
		throw withNote(
			error,
			'Scantrust may have taken the codes anyway. Before running again, look for a new record with Code Upload > Get Many (newest first); run again only when there is none.',
		);
	}
	const recordKey = recordKeyIn(response);
	if (!recordKey) {
		throw new NodeOperationError(ctx.getNode(), 'Scantrust accepted the codes but its answer has no record key to follow', {
			itemIndex: job.itemIndex,
			description: `Do not upload these codes again: find the new record with Code Upload > Get Many. Scantrust answered: ${JSON.stringify(response).slice(0, 300)}`,
		});
	}
	const uploaded = { recordKey, fileName: fileNameOf(job, 0), codeCount };
	try {
		const record = assertNotFailed(ctx, await settleRecord(ctx, recordKey, job.wait, job.itemIndex), job.itemIndex);
		return [resultOf(job, uploaded, 0, record, 'api')];
	} catch (error) {
		return [error as Error];
	}
}

/**
 * Runs the job. Failures before processing throw (nothing was processed). After processing has started,
 * each file's outcome is its own: a result, or the error of that file (its record ended in `error`,
 * the wait timed out, ...).
 */
export async function uploadCodes(ctx: IExecuteFunctions, job: UploadJob): Promise<Array<UploadResult | Error>> {
	const { current } = job;
	const inBody = current && bodyWithCodes(job, current);
	if (current && inBody) return await uploadInBody(ctx, job, current, inBody);
	const flow = current ? currentFileFlow(ctx, job, current) : legacyFlow(ctx, job);

	const parts = job.built.files.length;
	const uploaded: Uploaded[] = [];
	for (let index = 0; index < parts; index++) {
		try {
			const fileName = fileNameOf(job, index);
			const { post, recordKey } = await flow.createRecord(fileName);
			await uploadToPresignedPost.call(
				ctx,
				post,
				{ content: job.built.files[index], fileName, contentType: post.fields['Content-Type'] ?? 'text/csv' },
				job.itemIndex,
			);
			uploaded.push({ recordKey, fileName, codeCount: job.built.codeCounts[index] });
		} catch (error) {
			throw withNote(error, uploaded.length === 0 ? undefined : `Uploaded but not processed (harmless, Scantrust keeps them as "uploading"): ${uploaded.map((u) => u.recordKey).join(', ')}.`);
		}
	}

	if (job.processAfterUpload) {
		for (let index = 0; index < parts; index++) {
			try {
				await processOnce(ctx, uploaded[index].recordKey, flow.processCall(uploaded[index].recordKey), job.itemIndex);
			} catch (error) {
				const done = uploaded.slice(0, index).map((u) => u.recordKey);
				const left = uploaded.slice(index).map((u) => u.recordKey);
				throw withNote(
					error,
					index === 0 ? undefined : `This upload was split into ${parts} files. Already being processed: ${done.join(', ')} (do not upload these codes again). Not processed: ${left.join(', ')} (process them with Code Upload > Process).`,
				);
			}
		}
	}

	const results: Array<UploadResult | Error> = [];
	for (let index = 0; index < parts; index++) {
		const { recordKey, fileName } = uploaded[index];
		try {
			const wait = job.processAfterUpload ? job.wait : { ...job.wait, waitForCompletion: false };
			const record = await settleRecord(ctx, recordKey, wait, job.itemIndex);
			if (job.processAfterUpload) assertNotFailed(ctx, record, job.itemIndex);
			results.push(resultOf(job, uploaded[index], index, record, 'file'));
		} catch (error) {
			results.push(withNote(error, parts > 1 ? `Part ${index + 1} of ${parts} (record ${recordKey}, file ${fileName}).` : undefined));
		}
	}
	return results;
}
