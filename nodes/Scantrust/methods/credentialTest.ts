import type { ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, INodeCredentialTestResult } from 'n8n-workflow';

import { baseUrlOf, baseUrlProblem, type ScantrustCredentials } from '../transport/environments';

/** The token check: `/me/` answers for any valid token, whatever it may do. */
const ME_PATH = '/api/v2/me/';

/** Harmless reads (one result each) that show which permissions the token has, and what needs each. */
const PERMISSION_PROBES = [
	{ permission: 'workorder_view', path: '/api/v2/workorders/', neededBy: 'templates, work orders, downloads and the trigger' },
	{ permission: 'ingestion_view', path: '/api/v2/ingestion/', neededBy: 'Code Upload' },
	{ permission: 'product_view', path: '/api/v2/products/', neededBy: 'products, and product columns in uploads' },
] as const;

const TIMEOUT_MS = 20_000;

interface Answer {
	statusCode: number;
	body: unknown;
}

/**
 * The credential's Test button: the token must be valid (`/me/`), and at least one permission the node uses must
 * be granted; permissions it lacks are listed as a warning (a printing partner's token rightly lacks some).
 */
export async function scantrustApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const credentials = credential.data as unknown as ScantrustCredentials;
	const problem = baseUrlProblem(credentials);
	if (problem) return { status: 'Error', message: problem };
	const baseUrl = baseUrlOf(credentials);
	const get = async (path: string): Promise<Answer> =>
		// The credential test context offers only this request helper.
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions
		(await this.helpers.request({
			method: 'GET',
			uri: `${baseUrl}${path}`,
			qs: path === ME_PATH ? undefined : { limit: 1 },
			headers: { Authorization: `UAT ${credentials.token}`, Accept: 'application/json' },
			json: true,
			resolveWithFullResponse: true,
			simple: false,
			// A redirect could carry the token to another host.
			followRedirect: false,
			followAllRedirects: false,
			timeout: TIMEOUT_MS,
		})) as Answer;

	let me: Answer;
	try {
		me = await get(ME_PATH);
	} catch (error) {
		return { status: 'Error', message: `No answer from ${new URL(baseUrl).origin}: ${(error as Error).message}. Check the environment or Base URL.` };
	}
	if (me.statusCode === 401) {
		return { status: 'Error', message: 'Scantrust rejected the UAT token (401). Paste the token of a user of the chosen environment (production and staging have different tokens).' };
	}
	if (me.statusCode !== 200 || me.body === null || typeof me.body !== 'object') {
		const what = me.statusCode >= 300 && me.statusCode < 400 ? `a redirect (${me.statusCode})` : me.statusCode === 200 ? 'a page that is not the Scantrust API' : `status ${me.statusCode}`;
		return { status: 'Error', message: `${new URL(baseUrl).origin} answered ${what}. Check the environment or Base URL: it must be the Scantrust API itself.` };
	}

	const granted: string[] = [];
	const missing: string[] = [];
	for (const probe of PERMISSION_PROBES) {
		const answer = await get(probe.path).catch(() => undefined);
		if (answer?.statusCode === 200) granted.push(probe.permission);
		else if (answer?.statusCode === 403) missing.push(`${probe.permission} (${probe.neededBy})`);
	}
	const user = describeUser(me.body as IDataObject);
	if (granted.length === 0 && missing.length === PERMISSION_PROBES.length) {
		return {
			status: 'Error',
			message: `The token${user} is valid but has none of the permissions this node uses: ${missing.join(', ')}. Ask your Scantrust administrator to grant them.`,
		};
	}
	const warning = missing.length > 0 ? ` Not granted, so these operations will fail: ${missing.join(', ')}.` : '';
	return { status: 'OK', message: `Connected${user}. Permissions confirmed: ${granted.join(', ') || 'none could be checked'}.${warning}` };
}

function describeUser(me: IDataObject): string {
	const name = [me.email, me.username].find((value) => typeof value === 'string' && value !== '');
	return name ? ` as ${String(name)}` : '';
}
