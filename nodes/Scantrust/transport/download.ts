import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ElsewhereError } from './errors';
import { TRANSFER_LIMITS, transferFile } from './fileTransfer';
import { apiRequestFile, getBaseUrl, onApiHost } from './request';
import type { RequestLimits } from './retry';

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
 * Downloads a file Scantrust links to (a work order's codegen_file, a code data export). A link on the API's own host goes through
 * apiRequest (the token along, the API's error messages and retries); object storage, linked to or redirected to
 * from the API's host, gets a plain request, so it never sees the token.
 */
export async function downloadFile(
	this: IExecuteFunctions,
	url: string,
	file: DownloadedFile,
	itemIndex: number,
	limits: RequestLimits = TRANSFER_LIMITS,
): Promise<Buffer> {
	const { what } = file;
	const baseUrl = await getBaseUrl.call(this);
	let link = resolveLink(this, url, baseUrl, what, itemIndex);
	const onHost = onApiHost(baseUrl, link.href);
	if (onHost !== undefined) {
		const fetched = await apiRequestFile
			.call(
				this,
				{
					method: 'GET',
					path: onHost,
					action: `download ${what}`,
					permission: file.permission,
					resource: { name: file.name, id: link.pathname },
					itemIndex,
				},
				limits,
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
		this,
		{ method: 'GET', url: link.href },
		{
			action: `download ${what}`,
			forbiddenHint: file.expiredHint,
			itemIndex,
		},
		limits,
	);
	return answer.body;
}
