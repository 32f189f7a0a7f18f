import { parse } from 'csv-parse/sync';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { downloadFile } from '../transport/download';
import { apiRequest } from '../transport/request';
import { waitFor, type WaitSettings } from './wait';

/**
 * Code data export: Scantrust makes a CSV document in the background (GET codes/download answers its key), the
 * document is polled until complete, then its download link is asked for and the CSV fetched from there.
 */

export const CODES_DOWNLOAD_PATH = '/api/v2/codes/download/';
export const EXPORT_PERMISSION = 'codes_view';

/** Unverified: Scantrust's page shows `/documents/<key>`; the /api/v2 prefix and the trailing slash are assumed. */
export const documentPath = (key: string) => `/api/v2/documents/${encodeURIComponent(key)}/`;
/** Unverified: the page shows `/documents/<key>/get-download-link`, prefixed as above. */
export const documentLinkPath = (key: string) => `${documentPath(key)}get-download-link/`;
/** Unverified: only "until the status is complete" is documented; these names also end the wait. */
export const DOCUMENT_DONE_STATUSES: readonly string[] = ['complete', 'completed', 'done', 'finished', 'ready', 'success'];
export const DOCUMENT_FAILED_STATUSES: readonly string[] = ['failed', 'error', 'failure'];
/** Unverified: the download-link answer's shape; the link is the first of these fields, or the answer if it is text. */
export const DOWNLOAD_LINK_FIELDS: readonly string[] = ['url', 'download_link', 'link', 'download_url'];

export interface ExportDocument extends IDataObject {
	key: string;
	status?: string;
}

export function documentStatus(document: IDataObject): string {
	return String(document.status ?? document.state ?? '').trim().toLowerCase();
}

function unexpected(ctx: IExecuteFunctions, what: string, answer: unknown, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: Scantrust's answer ${what} is not what its documentation shows`, {
		itemIndex,
		description: `It answered: ${JSON.stringify(answer ?? null).slice(0, 200)}. Check the Base URL of the Scantrust API credential.`,
	});
}

async function getDocument(ctx: IExecuteFunctions, key: string, itemIndex: number): Promise<ExportDocument> {
	const document = await apiRequest.call(ctx, {
		method: 'GET',
		path: documentPath(key),
		action: `read code data export ${key}`,
		permission: EXPORT_PERMISSION,
		resource: { name: 'Export document', id: key },
		itemIndex,
	});
	return { ...document, key };
}

function linkOf(answer: unknown): string | undefined {
	if (typeof answer === 'string') return answer;
	if (answer === null || typeof answer !== 'object') return undefined;
	for (const field of DOWNLOAD_LINK_FIELDS) {
		const value = (answer as IDataObject)[field];
		if (typeof value === 'string' && value !== '') return value;
	}
	return undefined;
}

/** Starts an export with these filters, waits for it and downloads the CSV (the link's host never sees the token). */
export async function exportCodes(
	ctx: IExecuteFunctions,
	qs: IDataObject,
	wait: WaitSettings,
	itemIndex: number,
): Promise<{ document: ExportDocument; csv: Buffer }> {
	const started = await apiRequest.call(ctx, {
		method: 'GET',
		path: CODES_DOWNLOAD_PATH,
		qs,
		action: 'start a code data export',
		permission: EXPORT_PERMISSION,
		itemIndex,
	});
	const key = (started.document as IDataObject | undefined)?.key;
	if (typeof key !== 'string' || key === '') throw unexpected(ctx, 'to the code data export', started, itemIndex);

	const document = await waitFor(
		wait,
		{ ...(started.document as IDataObject), key } as ExportDocument,
		(d) => DOCUMENT_DONE_STATUSES.includes(documentStatus(d)) || DOCUMENT_FAILED_STATUSES.includes(documentStatus(d)),
		async () => await getDocument(ctx, key, itemIndex),
		(last) =>
			new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: the code data export ${key} was still "${documentStatus(last)}" after ${wait.waitTimeout} seconds`, {
				itemIndex,
				description: 'Large exports take longer: raise "Wait Timeout", or narrow the filters.',
			}),
	);
	if (DOCUMENT_FAILED_STATUSES.includes(documentStatus(document))) {
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: Scantrust could not make the code data export ${key} (status "${documentStatus(document)}")`, {
			itemIndex,
			description: `Scantrust reported: ${JSON.stringify(document).slice(0, 200)}. Run it again; if it fails again, narrow the filters.`,
		});
	}
	const linkAnswer = await apiRequest.call(ctx, {
		method: 'GET',
		path: documentLinkPath(key),
		action: `get the download link of code data export ${key}`,
		permission: EXPORT_PERMISSION,
		resource: { name: 'Export document', id: key },
		itemIndex,
	});
	const link = linkOf(linkAnswer);
	if (!link) throw unexpected(ctx, `for the download link of export ${key}`, linkAnswer, itemIndex);
	const csv = await downloadFile.call(
		ctx,
		link,
		{
			what: `code data export ${key}`,
			permission: EXPORT_PERMISSION,
			name: 'Code data export file',
			expiredHint: 'The download link may have expired. Run the node again: it asks Scantrust for a fresh link.',
		},
		itemIndex,
	);
	return { document, csv };
}

/** Scantrust's export CSV as one object per code, keyed by the header's column names; values stay text. */
export function exportRows(csv: Buffer, limit?: number): IDataObject[] {
	return parse(csv, { columns: true, bom: true, skip_empty_lines: true, ...(limit !== undefined ? { to: limit } : {}) }) as IDataObject[];
}

/** Codes in an export CSV: its records after the header (line breaks inside quoted values do not count). */
export function countExportRows(csv: Buffer): number {
	let records = 0;
	let quoted = false;
	let filled = false;
	for (const byte of csv) {
		if (byte === 0x22) quoted = !quoted;
		if (byte === 0x0a && !quoted) {
			if (filled) records++;
			filled = false;
		} else if (byte !== 0x0d) filled = true;
	}
	if (filled) records++;
	return Math.max(0, records - 1);
}
