import type { IExecuteFunctions } from 'n8n-workflow';

import { transferFile } from './fileTransfer';
import { getBaseUrl } from './request';

/**
 * Downloads a file Scantrust links to (a work order's codegen_file). The UAT token goes along only
 * when the link is on the API's own origin; object storage gets a plain request, so it never sees the token.
 */
export async function downloadFile(this: IExecuteFunctions, url: string, what: string, itemIndex: number): Promise<Buffer> {
	const onApiOrigin = new URL(url).origin === new URL(await getBaseUrl.call(this)).origin;
	const response = await transferFile.call(
		this,
		{ method: 'GET', url, encoding: 'arraybuffer' },
		{
			action: `download ${what}`,
			forbiddenHint: 'The download link may have expired. Run the node again: it reads a fresh link from the work order.',
			authenticated: onApiOrigin,
			itemIndex,
		},
	);
	return Buffer.from(response.body as ArrayBuffer);
}
