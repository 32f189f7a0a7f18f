// Per-token sliding-window throttle (published limit: 3000 authenticated requests per minute).
import type { Ctx } from './context';
import { ApiError } from './drf';

/** DRF's Throttled message, with the "code" field SPEC shows. Singular for 1, as DRF words it. */
export function throttled(seconds: number, withHeader = true): ApiError {
	const unit = seconds === 1 ? 'second' : 'seconds';
	return new ApiError(
		429,
		{ detail: `Request was throttled. Expected available in ${seconds} ${unit}.`, code: 'throttled' },
		withHeader ? { 'Retry-After': String(seconds) } : {},
	);
}

export function checkRateLimit(ctx: Ctx, token: string): void {
	throttle(ctx, token, ctx.options.rateLimit);
}

/** A sliding window of `limit` requests per `windowMs` for one history key (a token, or a scope and a token). */
export function throttle(ctx: Ctx, key: string, { limit, windowMs }: { limit: number; windowMs: number }): void {
	const now = Date.now();
	const history = (ctx.rateHistory.get(key) ?? []).filter((t) => t > now - windowMs);
	ctx.rateHistory.set(key, history);
	if (history.length >= limit) throw throttled(Math.max(1, Math.ceil((history[0] + windowMs - now) / 1000)));
	history.push(now);
}
