import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox';
import type { SandboxCredentials } from './n8nHarness';

/** Starts one sandbox for a test file and resets it before every test. */
export function useSandbox(options: SandboxOptions = {}): {
	readonly sandbox: Sandbox;
	credentials: (token?: string) => SandboxCredentials;
} {
	let sandbox: Sandbox | undefined;
	beforeAll(async () => {
		sandbox = await startSandbox({ generationDelayMs: 300, ingestionDelayMs: 300, ...options });
	});
	afterAll(async () => await sandbox?.close());
	beforeEach(() => sandbox?.reset());
	return {
		get sandbox() {
			if (!sandbox) throw new Error('sandbox not started');
			return sandbox;
		},
		credentials: (token?: string) => ({
			environment: 'custom',
			baseUrl: sandbox!.apiUrl,
			token: token ?? sandbox!.token,
		}),
	};
}

/** API requests the sandbox received, e.g. apiCalls(sandbox, 'POST', /create-from-template/). */
export function apiCalls(sandbox: Sandbox, method: string, path: RegExp) {
	return sandbox.requests.filter((r) => r.origin === 'api' && r.method === method && path.test(r.path));
}
