/** Scantrust API base URLs (SPEC section 1). */
export const PRODUCTION_BASE_URL = 'https://api.scantrust.com';
export const STAGING_BASE_URL = 'https://api.staging.scantrust.io';

export type ScantrustEnvironment = 'production' | 'staging' | 'custom';

export interface ScantrustCredentials {
	environment: ScantrustEnvironment;
	baseUrl?: string;
	token: string;
}

/** The API origin for a credential, without a trailing slash. */
export function baseUrlOf(credentials: ScantrustCredentials): string {
	if (credentials.environment === 'staging') return STAGING_BASE_URL;
	if (credentials.environment === 'custom') return String(credentials.baseUrl ?? '').replace(/\/+$/, '');
	return PRODUCTION_BASE_URL;
}
