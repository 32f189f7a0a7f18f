/**
 * `npm run demo`: the example workflow "order codes and save one CSV per batch" (examples/01-…) run headlessly in a
 * real n8n (`n8n execute`, no editor) against the local Scantrust sandbox: create a work order, wait for its codes,
 * download them split per batch, write one CSV per batch. Prints one line per batch (batch, code count, first and
 * last extended id) and where the CSV files are.
 *
 *   npm run demo [-- --quantity N] [--output DIR]
 */
import * as fs from 'fs';
import * as path from 'path';

import { startSandbox, type Sandbox } from '../test/sandbox';
import { makeTempDir, missingPackageFiles, removeUserFolder, thisPackage } from './n8n/env';
import { executeWorkflowCli } from './n8n/execute';
import { ensureN8n, N8N_VERSION, type N8nInstallation } from './n8n/install';
import {
	CREDENTIAL_NAME,
	CREDENTIAL_TYPE,
	DEFAULT_OUTPUT_FOLDER,
	EXAMPLE,
	fileAccessEnv,
	formatBatchTable,
	loadExample,
	nodeOutput,
	sandboxCredentialData,
	summarizeBatches,
	withNodeParameters,
	withSettings,
	writeWorkflowFile,
	type BatchSummary,
} from './n8n/scantrust';

export interface DemoOptions {
	/** Codes to order (default 45,000: three batches of 20,000, 20,000 and 5,000). */
	quantity?: number;
	/** Folder for the CSV files (created; default /tmp/scantrust-codes). */
	outputFolder?: string;
	/** A running sandbox to use (default: one started and stopped here). */
	sandbox?: Sandbox;
	installation?: N8nInstallation;
	/** Progress lines (default: stderr). */
	log?: (line: string) => void;
}

export interface DemoResult {
	workOrderId: number;
	batches: BatchSummary[];
	/** CSV files written, one per batch. */
	files: string[];
	/** Wall time of `n8n execute` and of the imports before it. */
	executeMs: number;
	importMs: number;
	totalMs: number;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
	const t0 = Date.now();
	const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
	const missing = missingPackageFiles(thisPackage());
	if (missing.length) throw new Error(`the package is not built (missing ${missing.join(', ')}): run \`npm run build\``);

	const quantity = opts.quantity ?? 45_000;
	const outputFolder = path.resolve(opts.outputFolder ?? DEFAULT_OUTPUT_FOLDER);
	fs.mkdirSync(outputFolder, { recursive: true });
	const installation = opts.installation ?? (await ensureN8n({ onProgress: log }));
	const sandbox = opts.sandbox ?? (await startSandbox({ generationDelayMs: 1000, ingestionDelayMs: 500 }));
	const tmp = makeTempDir('scantrust-demo-');
	try {
		const e = EXAMPLE.orderCsv;
		const wf = withSettings(loadExample(e.file), { quantity, outputFolder });
		// the sandbox generates in about a second: ask for the codes every second instead of every 3
		withNodeParameters(wf, e.create, { pollInterval: 1 });
		const file = writeWorkflowFile(wf, tmp, 'demo-workflow');
		log(`running "${wf.name}" in n8n ${N8N_VERSION} (n8n execute) against the sandbox ${sandbox.apiUrl}: ${quantity.toLocaleString('en-US')} codes…`);
		const r = await executeWorkflowCli({
			installation,
			workflowFile: file,
			credentialsFile: [
				{ id: 'scantrustSandbox1', name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(sandbox) },
			],
			env: fileAccessEnv([outputFolder]),
		});
		if (r.status !== 'success') {
			const where = r.error?.node ? ` in node "${r.error.node}"` : '';
			throw new Error(
				`the workflow ended with status ${r.status}${where}: ${r.error?.message ?? 'no error message'}` +
					(r.error?.description ? `\n  ${r.error.description}` : '') +
					`\nn8n's last output:\n${r.logs.slice(-15).map((l) => '    ' + l).join('\n')}`,
			);
		}
		const batches = summarizeBatches(nodeOutput(r.runData, e.download));
		const files = nodeOutput(r.runData, e.write).map((i) => String(i.json.fileName));
		return {
			workOrderId: batches[0]?.workOrderId ?? Number(nodeOutput(r.runData, e.create)[0]?.json.id),
			batches,
			files,
			executeMs: r.executeMs,
			importMs: r.importMs,
			totalMs: Date.now() - t0,
		};
	} finally {
		removeUserFolder(tmp);
		if (!opts.sandbox) await sandbox.close();
	}
}

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	const opts: DemoOptions = {};
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split(/=(.*)/s, 2);
		const value = inline ?? argv[++i];
		if (flag === '--quantity' && Number.isInteger(Number(value)) && Number(value) > 0) opts.quantity = Number(value);
		else if (flag === '--output' && value) opts.outputFolder = value;
		else throw new Error(`unknown option or bad value: ${argv[i]} (options: --quantity N, --output DIR)`);
	}
	const r = await runDemo(opts);
	const codes = r.batches.reduce((n, b) => n + b.codeCount, 0);
	process.stdout.write(
		[
			'',
			`Work order ${r.workOrderId}: ${codes.toLocaleString('en-US')} codes in ${r.batches.length} batch${r.batches.length === 1 ? '' : 'es'}`,
			'',
			formatBatchTable(r.batches),
			'',
			`CSV files (one per batch):`,
			...r.files.map((f) => `  ${f}`),
			'',
			`n8n execute ${(r.executeMs / 1000).toFixed(1)} s (plus ${(r.importMs / 1000).toFixed(1)} s importing the credential and workflow); ` +
				`${(r.totalMs / 1000).toFixed(1)} s in all.`,
			'',
		].join('\n'),
	);
}

if (require.main === module) {
	main().then(
		() => process.exit(0),
		(err: Error) => {
			process.stderr.write(`\nnpm run demo failed: ${err.message}\n`);
			process.exit(1);
		},
	);
}
