// Runs the sandbox on its own: `node build/test/sandbox/cli.js [--port N] [--storage-port N] [--token T]
// [--generation-delay-ms N] [--ingestion-delay-ms N]`. Prints {apiUrl, storageUrl, token} as one JSON line.
import { startSandbox, type SandboxOptions } from './index';

const FLAGS: Record<string, keyof SandboxOptions | 'token'> = {
	'--port': 'port',
	'--storage-port': 'storagePort',
	'--token': 'token',
	'--generation-delay-ms': 'generationDelayMs',
	'--ingestion-delay-ms': 'ingestionDelayMs',
};

function parseArgs(argv: string[]): SandboxOptions {
	const options: SandboxOptions = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const [flag, inline] = arg.split(/=(.*)/s, 2);
		const name = FLAGS[flag];
		const value = inline ?? argv[++i];
		if (!name || value === undefined) throw new Error(`Unknown flag or missing value: ${arg}. Flags: ${Object.keys(FLAGS).join(', ')}`);
		if (name === 'token') {
			options.tokens = { [value]: 'all' };
			continue;
		}
		const n = Number(value);
		if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got "${value}"`);
		(options as Record<string, number>)[name] = n;
	}
	return options;
}

async function main(): Promise<void> {
	const sandbox = await startSandbox(parseArgs(process.argv.slice(2)));
	process.stdout.write(`${JSON.stringify({ apiUrl: sandbox.apiUrl, storageUrl: sandbox.storageUrl, token: sandbox.token })}\n`);
	const shutdown = () => {
		sandbox.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.once('SIGINT', shutdown);
	process.once('SIGTERM', shutdown);
}

main().catch((err: Error) => {
	process.stderr.write(`${err.message}\n`);
	process.exit(1);
});
