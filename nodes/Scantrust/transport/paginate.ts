import type { IDataObject } from 'n8n-workflow';

import type { RequestPurpose } from './errors';
import { apiRequest, getBaseUrl, isAbsoluteLink, type ScantrustContext } from './request';

/** Largest page we ask for; DRF servers cap `limit` anyway. */
export const PAGE_SIZE = 100;

interface Page {
	count: number;
	next: string | null;
	results: IDataObject[];
}

/**
 * Reads a DRF list, following `next` until it is null or `limit` results are in.
 * `next` is used as given (it already holds any path prefix of the base URL); apiRequest
 * refuses one on another host, so the token never goes anywhere but the API.
 */
export async function apiRequestAllItems(
	this: ScantrustContext,
	path: string,
	qs: IDataObject,
	purpose: RequestPurpose,
	limit?: number,
): Promise<IDataObject[]> {
	const results: IDataObject[] = [];
	let nextPath: string | undefined = path;
	let nextQs: IDataObject | undefined = { ...qs, limit: Math.min(PAGE_SIZE, limit ?? PAGE_SIZE), offset: 0 };

	while (nextPath !== undefined) {
		const page = (await apiRequest.call(this, { ...purpose, method: 'GET', path: nextPath, qs: nextQs })) as unknown as Page;
		results.push(...page.results);
		if (limit !== undefined && results.length >= limit) return results.slice(0, limit);
		if (!page.next || page.results.length === 0) break;
		// DRF links are absolute; a relative one resolves against the API's origin, as a browser would.
		nextPath = isAbsoluteLink(page.next) ? page.next : new URL(page.next, await getBaseUrl.call(this)).href;
		nextQs = undefined;
	}
	return results;
}
