// DRF LimitOffsetPagination: `?limit=&offset=`, body {count, next, previous, results}, absolute links.
import type { ResolvedOptions } from './types';

export interface Page<T> {
	count: number;
	next: string | null;
	previous: string | null;
	results: T[];
}

/** DRF's _positive_int: a bad or non-positive limit falls back to the default; a bad offset to 0. */
function positiveInt(raw: string | null, fallback: number, strict: boolean): number {
	if (raw === null || !/^\s*\d+\s*$/.test(raw)) return fallback;
	const n = Number(raw);
	return strict && n === 0 ? fallback : n;
}

/** A link to this list with limit/offset replaced; DRF re-encodes the query with keys sorted. */
function link(absolutePath: string, query: URLSearchParams, limit: number, offset: number | null): string {
	const q = new URLSearchParams(query);
	q.set('limit', String(limit));
	if (offset === null) q.delete('offset');
	else q.set('offset', String(offset));
	q.sort();
	return `${absolutePath}?${q.toString()}`;
}

/** `absolutePath` is scheme + Host header + path, as request.build_absolute_uri() gives. */
export function paginate<T>(items: T[], query: URLSearchParams, absolutePath: string, options: ResolvedOptions): Page<T> {
	const limit = Math.min(positiveInt(query.get('limit'), options.pageSizeDefault, true), options.maxPageSize);
	const offset = positiveInt(query.get('offset'), 0, false);
	const count = items.length;
	const next = offset + limit < count ? link(absolutePath, query, limit, offset + limit) : null;
	let previous: string | null = null;
	if (offset > 0) previous = link(absolutePath, query, limit, offset - limit <= 0 ? null : offset - limit);
	return { count, next, previous, results: items.slice(offset, offset + limit) };
}
