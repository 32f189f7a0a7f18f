import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ElsewhereError } from './errors';
import { TRANSFER_LIMITS, transferFile } from './fileTransfer';
import { isReadable, readAll, type ReadBody } from './http';
import { apiRequestFile, getBaseUrl, onApiHost } from './request';
import type { RequestLimits } from './retry';

/**
 * Name prefix of the temporary files downloads are written to, in the system's temporary directory; the process id
 * follows, so that a file left behind by a crash can be told to belong to a process that is gone.
 */
export const DOWNLOAD_FILE_PREFIX = 'n8n-scantrust-download-';

/** Bytes queued for the file before the answer is paused: writes of 1 MiB keep up with the network, 16 KiB do not. */
const FILE_WRITE_BUFFER_BYTES = 1024 * 1024;

/** What is downloaded, for the messages: completes "download ...", names the permission and the file. */
export interface DownloadedFile {
	/** e.g. 'the codes of work order 12'. */
	what: string;
	/** Permission named in a 403 from the API's host. */
	permission: string;
	/** Name of the file in a 404, e.g. 'Codes archive'. */
	name: string;
	/** What to do when the storage refuses the link (403): it may have expired. */
	expiredHint: string;
}

/** The link as an absolute http(s) URL; a relative link (e.g. `/media/...`) is on the API's own host. */
function resolveLink(ctx: IExecuteFunctions, url: string, baseUrl: string, what: string, itemIndex: number): URL {
	let resolved: URL | undefined;
	try {
		resolved = new URL(url, baseUrl);
	} catch {
		resolved = undefined;
	}
	if (resolved === undefined || (resolved.protocol !== 'https:' && resolved.protocol !== 'http:')) {
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: the download link of ${what} is not a valid URL: ${JSON.stringify(url)}`, {
			itemIndex,
			description: 'Scantrust gave a link that cannot be downloaded. Run the node again later; if it stays so, contact Scantrust support.',
		});
	}
	return resolved;
}

/**
 * Fetches a file Scantrust links to. A link on the API's own host goes through apiRequest (the token along, the
 * API's error messages and retries); object storage, linked to or redirected to from the API's host, gets a plain
 * request, so it never sees the token. `readBody` decides where a body goes; the Buffer is what it kept.
 */
async function fetchLinked(
	ctx: IExecuteFunctions,
	url: string,
	file: DownloadedFile,
	itemIndex: number,
	limits: RequestLimits,
	readBody?: ReadBody,
): Promise<Buffer> {
	const { what } = file;
	const baseUrl = await getBaseUrl.call(ctx);
	let link = resolveLink(ctx, url, baseUrl, what, itemIndex);
	const onHost = onApiHost(baseUrl, link.href);
	if (onHost !== undefined) {
		const fetched = await apiRequestFile
			.call(
				ctx,
				{
					method: 'GET',
					path: onHost,
					action: `download ${what}`,
					permission: file.permission,
					resource: { name: file.name, id: link.pathname },
					itemIndex,
				},
				limits,
				readBody,
			)
			// Redirected to storage: fetched from there as a storage transfer, without the token.
			.catch((error: unknown) => {
				if (error instanceof ElsewhereError) return error.location;
				throw error;
			});
		if (Buffer.isBuffer(fetched)) return fetched;
		link = fetched;
	}
	const answer = await transferFile.call(
		ctx,
		{ method: 'GET', url: link.href },
		{
			action: `download ${what}`,
			forbiddenHint: file.expiredHint,
			itemIndex,
		},
		limits,
		readBody,
	);
	return answer.body;
}

/** A file Scantrust links to (e.g. a code data export), held in memory: for files that are read whole anyway. */
export async function downloadFile(
	this: IExecuteFunctions,
	url: string,
	file: DownloadedFile,
	itemIndex: number,
	limits: RequestLimits = TRANSFER_LIMITS,
): Promise<Buffer> {
	return await fetchLinked(this, url, file, itemIndex, limits);
}

/**
 * Writes a 2xx body to the file (emptied first, so a repeated attempt starts afresh) and keeps nothing in memory;
 * any other answer (error, redirect) is read as usual for its message. Settles only once the file is closed, so
 * that no write of an aborted attempt lands in the next one.
 */
function writeSuccessTo(path: string): ReadBody {
	return async (statusCode, body, signal) => {
		if (statusCode < 200 || statusCode >= 300) return await readAll(body, signal);
		// Readable by this user alone: the file holds the codes.
		if (!isReadable(body)) {
			await writeFile(path, await readAll(body, signal), { mode: 0o600 });
			return Buffer.alloc(0);
		}
		const file = createWriteStream(path, { mode: 0o600, highWaterMark: FILE_WRITE_BUFFER_BYTES });
		try {
			await pipeline(body, file, { signal });
		} catch (error) {
			body.destroy();
			throw signal.aborted ? signal.reason : error;
		} finally {
			if (!file.closed) {
				file.destroy();
				await new Promise<void>((resolve) => file.once('close', () => resolve()));
			}
		}
		return Buffer.alloc(0);
	};
}

export interface DownloadedPath {
	path: string;
	/** Bytes in the file. */
	size: number;
}

/**
 * Downloads a file Scantrust links to (a work order's codes archive) into a temporary file, so that memory does not
 * grow with its size, and hands it to `use`. The file is removed once `use` is done, or the download failed.
 */
export async function withDownloadedFile<T>(
	ctx: IExecuteFunctions,
	url: string,
	file: DownloadedFile,
	itemIndex: number,
	use: (downloaded: DownloadedPath) => Promise<T>,
	limits: RequestLimits = TRANSFER_LIMITS,
): Promise<T> {
	const path = join(tmpdir(), `${DOWNLOAD_FILE_PREFIX}${process.pid}-${randomUUID()}`);
	try {
		await fetchLinked(ctx, url, file, itemIndex, limits, writeSuccessTo(path));
		return await use({ path, size: (await stat(path)).size });
	} finally {
		await rm(path, { force: true });
	}
}
