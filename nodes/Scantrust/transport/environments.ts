/** Scantrust API base URLs, as Scantrust's API documentation gives them. */
export const PRODUCTION_BASE_URL = 'https://api.scantrust.com';
export const STAGING_BASE_URL = 'https://api.staging.scantrust.io';

export type ScantrustEnvironment = 'production' | 'staging' | 'custom';

export interface ScantrustCredentials {
	environment: ScantrustEnvironment;
	baseUrl?: string;
	token: string;
}

/** The API origin for a credential, without a trailing slash (see baseUrlProblem for a custom one). */
export function baseUrlOf(credentials: ScantrustCredentials): string {
	if (credentials.environment === 'staging') return STAGING_BASE_URL;
	if (credentials.environment === 'custom') return String(credentials.baseUrl ?? '').replace(/\/+$/, '');
	return PRODUCTION_BASE_URL;
}

/** What is wrong with the credential's Base URL (e.g. "api.example.com", no scheme), or undefined when it is an http(s) address. */
export function baseUrlProblem(credentials: ScantrustCredentials): string | undefined {
	const baseUrl = baseUrlOf(credentials);
	if (baseUrl.trim() === '') return 'The Scantrust API credential uses a Custom URL but has no Base URL';
	let url: URL | undefined;
	try {
		url = new URL(baseUrl);
	} catch {
		url = undefined;
	}
	if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.host === '') {
		return `The Base URL "${String(credentials.baseUrl)}" in the Scantrust API credential is not a web address: it must start with https:// (for example https://api.example.com)`;
	}
	return undefined;
}
