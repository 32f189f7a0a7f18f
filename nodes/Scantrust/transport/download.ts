import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { transferFile } from './fileTransfer';
import { apiRequestFile, getBaseUrl, onApiHost } from './request';
import { responseBytes } from './responseBytes';

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
			description: 'Scantrust gave a link (codegen_file) that cannot be downloaded. Run the node again later; if it stays so, contact Scantrust support.',
		});
	}
	return resolved;
}

/** The downloaded file's bytes, without a copy. */
function bodyBytes(body: unknown): Buffer {
	return responseBytes(body) ?? Buffer.from(typeof body === 'string' ? body : '');
}

/** A codes archive is big: allow it more time than an API answer. */
const FILE_TIMEOUT_MS = 10 * 60_000;

/**
 * Downloads a file Scantrust links to (a work order's codegen_file). A link on the API's own host goes through
 * apiRequest (the token along, the API's error messages and retries); object storage gets a plain request, so it
 * never sees the token.
 */
export async function downloadFile(this: IExecuteFunctions, url: string, what: string, itemIndex: number): Promise<Buffer> {
	const baseUrl = await getBaseUrl.call(this);
	const link = resolveLink(this, url, baseUrl, what, itemIndex);
	const onHost = onApiHost(baseUrl, link.href);
	if (onHost !== undefined) {
		const body = await apiRequestFile.call(this, {
			method: 'GET',
			path: onHost,
			action: `download ${what}`,
			permission: 'workorder_download',
			resource: { name: 'Codes archive', id: link.pathname },
			itemIndex,
			timeoutMs: FILE_TIMEOUT_MS,
		});
		return bodyBytes(body);
	}
	const response = await transferFile.call(
		this,
		{ method: 'GET', url: link.href, encoding: 'arraybuffer' },
		{
			action: `download ${what}`,
			forbiddenHint: 'The download link may have expired. Run the node again: it reads a fresh link from the work order.',
			itemIndex,
		},
	);
	return bodyBytes(response.body);
}
