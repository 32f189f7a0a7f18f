import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { OwnCodesFile } from '../codes/ownCodes';
import { apiRequest } from '../transport/request';
import { uploadToPresignedPost, type PresignedPost } from '../transport/s3Upload';
import type { WaitSettings } from './wait';
import { assertNotFailed, GET_POST_DATA_PATH, processOnce, settleRecord, type ProcessOptions } from './ingestion';

/**
 * The upload of checked code files: for every file an ingestion record and its storage upload, then
 * (optionally) processing, then reading / waiting. Each phase is done for all files before the next starts,
 * so a failed storage upload leaves nothing processed.
 */

export interface UploadJob {
	built: OwnCodesFile;
	/** File name without extension, e.g. 'codes'; parts get '-part-2-of-3'. */
	baseName: string;
	processAfterUpload: boolean;
	process: ProcessOptions;
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
	record: IDataObject;
}

interface Uploaded {
	recordKey: string;
	fileName: string;
	codeCount: number;
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

function readPostData(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): { post: PresignedPost; recordKey: string } {
	const postData = body.post_data as IDataObject | undefined;
	const url = postData?.url;
	const fields = postData?.fields;
	const recordKey = body.record_key;
	if (typeof url !== 'string' || !fields || typeof fields !== 'object' || Array.isArray(fields) || typeof recordKey !== 'string' || !recordKey) {
		throw new NodeOperationError(ctx.getNode(), 'Scantrust did not hand out an upload form (post_data.url, post_data.fields, record_key)', {
			itemIndex,
			description: `Scantrust answered: ${JSON.stringify(body).slice(0, 300)}`,
		});
	}
	const copied: Record<string, string> = {};
	for (const [name, value] of Object.entries(fields as IDataObject)) copied[name] = String(value);
	return { post: { url, fields: copied }, recordKey };
}

async function uploadOne(ctx: IExecuteFunctions, job: UploadJob, index: number): Promise<Uploaded> {
	const { itemIndex } = job;
	const response = await apiRequest.call(ctx, {
		method: 'POST',
		path: GET_POST_DATA_PATH,
		body: { filetype: job.built.filetype },
		action: 'create an ingestion record for the codes file',
		permission: 'ingestion_code_create',
		itemIndex,
	});
	const { post, recordKey } = readPostData(ctx, response, itemIndex);
	const fileName = fileNameOf(job, index);
	await uploadToPresignedPost.call(
		ctx,
		post,
		{ content: job.built.files[index], fileName, contentType: post.fields['Content-Type'] ?? 'text/csv' },
		itemIndex,
	);
	return { recordKey, fileName, codeCount: job.built.codeCounts[index] };
}

/**
 * Runs the job. Failures before processing throw (nothing was processed). After processing has started,
 * each file's outcome is its own: a result, or the error of that file (its record ended in `error`,
 * the wait timed out, ...).
 */
export async function uploadCodes(ctx: IExecuteFunctions, job: UploadJob): Promise<Array<UploadResult | Error>> {
	const parts = job.built.files.length;
	const uploaded: Uploaded[] = [];
	for (let index = 0; index < parts; index++) {
		try {
			uploaded.push(await uploadOne(ctx, job, index));
		} catch (error) {
			throw withNote(error, uploaded.length === 0 ? undefined : `Uploaded but not processed (harmless, Scantrust keeps them as "uploading"): ${uploaded.map((u) => u.recordKey).join(', ')}.`);
		}
	}

	if (job.processAfterUpload) {
		for (let index = 0; index < parts; index++) {
			try {
				await processOnce(ctx, uploaded[index].recordKey, job.process, job.itemIndex);
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
		const { recordKey, fileName, codeCount } = uploaded[index];
		try {
			const wait = job.processAfterUpload ? job.wait : { ...job.wait, waitForCompletion: false };
			const record = await settleRecord(ctx, recordKey, wait, job.itemIndex);
			if (job.processAfterUpload) assertNotFailed(ctx, record, job.itemIndex);
			results.push({
				recordKey,
				status: String(record.status),
				processed: job.processAfterUpload,
				codeCount,
				columns: [...job.built.columns],
				part: index + 1,
				parts,
				fileName,
				droppedDuplicates: job.built.droppedDuplicates,
				record,
			});
		} catch (error) {
			results.push(withNote(error, parts > 1 ? `Part ${index + 1} of ${parts} (record ${recordKey}, file ${fileName}).` : undefined));
		}
	}
	return results;
}
