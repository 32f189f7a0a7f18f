import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RequestPurpose } from './errors';
import { apiRequest, getBaseUrl, isAbsoluteLink, type ScantrustContext } from './request';

// Offset pages (`limit`/`offset`, DRF's default) and cursor pages (`page_mode=cursor`, the scan export).

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

/** What an answer that is not a page looks like, for an error (never its content, which may be large or private). */
export function describeBody(body: unknown): string {
	if (typeof body === 'string') {
		if (body.trim() === '') return 'an empty answer';
		return body.trimStart().startsWith('<') ? 'an HTML page' : 'text';
	}
	if (Array.isArray(body)) return 'a JSON list';
	if (body === null || typeof body !== 'object') return `JSON ${String(body)}`;
	const keys = Object.keys(body);
	return keys.length === 0 ? 'an empty JSON object' : `a JSON object with ${keys.slice(0, 5).join(', ')}`;
}

/** Assumed: a cursor page holds its records in `results`, as DRF's cursor pagination does (Scantrust shows only `next`). */
export const CURSOR_PAGE_RESULTS = 'results';

/** A cursor page (`page_mode=cursor`): `{next, results}`, `next` a link or null; undefined for anything else. */
function readCursorPage(body: unknown): { next: string | null; results: IDataObject[] } | undefined {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
	const { next, [CURSOR_PAGE_RESULTS]: results } = body as IDataObject;
	if (next !== null && next !== undefined && typeof next !== 'string') return undefined;
	if (!Array.isArray(results) || !results.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) return undefined;
	return { next: typeof next === 'string' && next !== '' ? next : null, results: results as IDataObject[] };
}

/**
 * Reads a list in cursor mode, one page per step: the first request with `qs`, then each `next` link exactly
 * as given until it is null (the API's links carry the position and every filter). apiRequest refuses a link on
 * another host, so the token never goes anywhere but the API. Stops with a clear error on an answer that is not
 * a page, and on a link or a page seen before: a server that repeats itself would otherwise be read forever.
 */
export async function* apiCursorPages(
	this: ScantrustContext,
	path: string,
	qs: IDataObject,
	purpose: RequestPurpose,
): AsyncGenerator<IDataObject[], void, undefined> {
	const fail = (message: string, description: string) =>
		new NodeOperationError(this.getNode(), message, { description, itemIndex: purpose.itemIndex });
	let nextPath = path;
	let nextQs: IDataObject | undefined = qs;
	const followed = new Set<string>();
	let previousPage: string | undefined;
	for (let pageNumber = 1; ; pageNumber++) {
		const body: unknown = await apiRequest.call(this, { ...purpose, method: 'GET', path: nextPath, qs: nextQs });
		const page = readCursorPage(body);
		if (!page) {
			throw fail(
				`Could not ${purpose.action}: Scantrust answered page ${pageNumber} with ${describeBody(body)} instead of a page of results`,
				`Expected a JSON object with next (a link or null) and ${CURSOR_PAGE_RESULTS} (a list); this may be a maintenance page or a proxy's answer.`,
			);
		}
		const content = JSON.stringify(page.results);
		if (page.results.length > 0 && content === previousPage) {
			throw fail(
				`Could not ${purpose.action}: Scantrust answered page ${pageNumber} with the same results as page ${pageNumber - 1}`,
				'Scantrust seems to ignore the position in its next link, so the list cannot be read past its first page.',
			);
		}
		previousPage = content;
		yield page.results;
		if (page.next === null) return;
		// A relative link resolves against the API's origin, as a browser would.
		const link = isAbsoluteLink(page.next) ? page.next : new URL(page.next, await getBaseUrl.call(this)).href;
		if (followed.has(link)) {
			throw fail(
				`Could not ${purpose.action}: Scantrust's next link after page ${pageNumber} leads to a page already read`,
				'The list would be read forever; Scantrust seems to hand out the same position again.',
			);
		}
		followed.add(link);
		nextPath = link;
		nextQs = undefined;
	}
}
