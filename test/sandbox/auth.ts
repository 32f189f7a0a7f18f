// UAT token authentication and permissions, with DRF's 401/403 wording.
import type { Ctx } from './context';
import { ApiError } from './drf';

/** DRF sends `WWW-Authenticate: <keyword>` with 401s of token authentication. */
const CHALLENGE = { 'WWW-Authenticate': 'UAT' };

const unauthorized = (detail: string) => new ApiError(401, { detail }, CHALLENGE);

export const AUTH_MESSAGES = {
	notProvided: 'Authentication credentials were not provided.',
	invalid: 'Invalid token.',
	noCredentials: 'Invalid token header. No credentials provided.',
	spaces: 'Invalid token header. Token string should not contain spaces.',
	forbidden: 'You do not have permission to perform this action.',
};

/**
 * Returns the token of `Authorization: UAT <token>`. Stricter than DRF on one point: the keyword must be
 * exactly "UAT" (DRF compares it case-insensitively), because that is the documented form.
 */
export function authenticate(ctx: Ctx, header: string | undefined): string {
	const parts = (header ?? '').split(' ');
	if (parts[0] !== 'UAT') throw unauthorized(AUTH_MESSAGES.notProvided);
	if (parts.length > 2) throw unauthorized(AUTH_MESSAGES.spaces);
	if (!parts[1]) throw unauthorized(AUTH_MESSAGES.noCredentials);
	if (!Object.hasOwn(ctx.state.tokens, parts[1])) throw unauthorized(AUTH_MESSAGES.invalid);
	return parts[1];
}

export function requirePermission(ctx: Ctx, token: string, permission: string | null): void {
	if (permission === null) return;
	const granted = ctx.state.tokens[token];
	if (granted !== 'all' && !granted.includes(permission)) throw new ApiError(403, { detail: AUTH_MESSAGES.forbidden });
}
