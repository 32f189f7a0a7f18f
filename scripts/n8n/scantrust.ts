/**
 * What `npm start`, `npm run demo`, the end-to-end tests and the real-n8n benchmark share about this package in a
 * real n8n: the `Scantrust API` credential (sandbox or a real Scantrust environment), the example workflows of
 * `examples/` and how to adapt them (Settings values, node parameters), the file access n8n 2.x needs for the
 * Read/Write Files from Disk node, and reading a node's output from an execution.
 */
import * as fs from 'fs';
import * as path from 'path';

import { repoRoot } from './env';
import type { NodeItem, RunData, WorkflowJson } from './instance';

/** Name and type the example workflows reference the credential by. */
export const CREDENTIAL_NAME = 'Scantrust API';
export const CREDENTIAL_TYPE = 'scantrustApi';

/** The folder the examples write CSV files to unless their Settings say otherwise. */
export const DEFAULT_OUTPUT_FOLDER = '/tmp/scantrust-codes';

/** n8n 2.x's own default of N8N_RESTRICT_FILE_ACCESS_TO, kept in the list when folders are added. */
const N8N_DEFAULT_FILE_ACCESS = '~/.n8n-files';

/** Node names in the example workflows that the scripts and tests rely on. */
export const EXAMPLE = {
	orderCsv: {
		file: '01-order-codes-csv-per-batch.json',
		trigger: 'Run manually',
		settings: 'Settings',
		create: 'Create work order',
		download: 'Download codes per batch',
		write: 'Write batch CSV',
	},
	codesReadyEmail: {
		file: '02-codes-ready-email-per-batch.json',
		trigger: 'When codes are ready',
		download: 'Download codes per batch',
		email: 'Send batch by e-mail',
	},
	uploadOwnCodes: {
		file: '03-upload-own-codes-from-spreadsheet.json',
		trigger: 'Run manually',
		rows: 'Spreadsheet rows',
		upload: 'Upload codes',
		process: 'Process and wait',
	},
	scanAlert: {
		file: '04-alert-on-counterfeit-scans.json',
		trigger: 'When a flagged scan arrives',
		format: 'Format alert',
		email: 'Send alert e-mail',
	},
	activateAfterPrinting: {
		file: '05-activate-codes-after-printing.json',
		trigger: 'Run manually',
		settings: 'Settings',
		download: 'Download codes',
		update: 'Activate codes',
		summary: 'Summarize',
		email: 'Send summary e-mail',
	},
	lostPallet: {
		file: '06-blacklist-a-lost-pallet.json',
		trigger: 'Run manually',
		rows: 'Spreadsheet rows',
		update: 'Blacklist codes',
		report: 'Report',
	},
} as const;

export function examplesDir(): string {
	return path.join(repoRoot(), 'examples');
}

/** The example workflow files (`examples/*.json`), sorted. */
export function exampleFiles(): string[] {
	const dir = examplesDir();
	return fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => path.join(dir, f));
}

/** An example workflow, parsed (a fresh copy each call). */
export function loadExample(file: string): WorkflowJson {
	const full = path.isAbsolute(file) ? file : path.join(examplesDir(), file);
	const wf = JSON.parse(fs.readFileSync(full, 'utf8')) as WorkflowJson;
	if (!Array.isArray(wf.nodes)) throw new Error(`${full} is not an n8n workflow (no "nodes")`);
	return wf;
}

function findNode(wf: WorkflowJson, name: string) {
	const node = wf.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`workflow "${wf.name}" has no node "${name}" (nodes: ${wf.nodes.map((n) => n.name).join(', ')})`);
	return node;
}

/** Sets values of a Set node (n8n-nodes-base.set v3.3+, manual mode) named `nodeName` (default "Settings"). */
export function withSettings(wf: WorkflowJson, values: Record<string, string | number | boolean>, nodeName = 'Settings'): WorkflowJson {
	const node = findNode(wf, nodeName);
	const params = node.parameters as { assignments?: { assignments?: Array<{ name: string; value: unknown; type: string }> } };
	const list = params.assignments?.assignments;
	if (!list) throw new Error(`node "${nodeName}" of "${wf.name}" is not a Set node with assignments`);
	for (const [name, value] of Object.entries(values)) {
		const a = list.find((x) => x.name === name);
		if (!a) throw new Error(`node "${nodeName}" of "${wf.name}" has no field "${name}"`);
		a.value = value;
	}
	return wf;
}

/** Merges `parameters` into the parameters of node `nodeName`. */
export function withNodeParameters(wf: WorkflowJson, nodeName: string, parameters: Record<string, unknown>): WorkflowJson {
	const node = findNode(wf, nodeName);
	node.parameters = { ...((node.parameters as Record<string, unknown>) ?? {}), ...parameters };
	return wf;
}

/** Writes a workflow object to `dir/<name>.json` (for `n8n import:workflow` / executeWorkflowCli). */
export function writeWorkflowFile(wf: WorkflowJson, dir: string, baseName: string): string {
	fs.mkdirSync(dir, { recursive: true });
	const file = path.join(dir, `${baseName.replace(/\.json$/, '')}.json`);
	fs.writeFileSync(file, JSON.stringify(wf, null, 2));
	return file;
}

/**
 * Environment that lets Read/Write Files from Disk use `folders` (n8n 2.x only allows N8N_RESTRICT_FILE_ACCESS_TO,
 * by default `~/.n8n-files`; the folders must exist, n8n does not create them). The user folder's `.n8n` stays
 * blocked (N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES), so never point an output folder inside it.
 */
export function fileAccessEnv(folders: string[]): Record<string, string> {
	const list = [...folders.map((f) => path.resolve(f)), N8N_DEFAULT_FILE_ACCESS];
	return { N8N_RESTRICT_FILE_ACCESS_TO: [...new Set(list)].join(';') };
}

/** Data of the `Scantrust API` credential (credential type fields: environment, baseUrl, token). */
export type ScantrustCredentialData = { environment: 'production' | 'staging' | 'custom'; baseUrl?: string; token: string };

/** Credential data for the local sandbox (`environment: custom`, the sandbox's API origin). */
export function sandboxCredentialData(sandbox: { apiUrl: string; token: string }): ScantrustCredentialData {
	return { environment: 'custom', baseUrl: sandbox.apiUrl, token: sandbox.token };
}

export interface RealScantrust {
	data: ScantrustCredentialData;
	/** What to print (never the token). */
	label: string;
}

/**
 * A real Scantrust environment from the environment variables, or undefined when SCANTRUST_TOKEN is not set:
 * SCANTRUST_TOKEN (a UAT token), and SCANTRUST_BASE_URL (any API address, without /api/v2) or
 * SCANTRUST_ENVIRONMENT (`production`, the default, or `staging`). Throws on contradictory or invalid values.
 */
export function realScantrustFromEnv(env: NodeJS.ProcessEnv = process.env): RealScantrust | undefined {
	const token = (env.SCANTRUST_TOKEN ?? '').trim();
	const baseUrl = (env.SCANTRUST_BASE_URL ?? '').trim();
	const environment = (env.SCANTRUST_ENVIRONMENT ?? '').trim().toLowerCase();
	if (!token) {
		if (baseUrl || environment) {
			throw new Error(
				`SCANTRUST_${baseUrl ? 'BASE_URL' : 'ENVIRONMENT'} is set but SCANTRUST_TOKEN is not: set SCANTRUST_TOKEN to a UAT ` +
					'token of that environment (or unset both to use the local sandbox).',
			);
		}
		return undefined;
	}
	if (baseUrl) {
		if (environment && environment !== 'custom') {
			throw new Error('set either SCANTRUST_BASE_URL or SCANTRUST_ENVIRONMENT, not both');
		}
		let u: URL;
		try {
			u = new URL(baseUrl);
		} catch {
			throw new Error(`SCANTRUST_BASE_URL is not a URL: ${JSON.stringify(baseUrl)}`);
		}
		if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('SCANTRUST_BASE_URL must start with https://');
		const clean = baseUrl.replace(/\/+$/, '').replace(/\/api\/v2$/, '');
		return { data: { environment: 'custom', baseUrl: clean, token }, label: `Scantrust API at ${clean}` };
	}
	const env2 = environment || 'production';
	if (env2 !== 'production' && env2 !== 'staging') {
		throw new Error(`SCANTRUST_ENVIRONMENT must be production or staging (or use SCANTRUST_BASE_URL), got ${JSON.stringify(environment)}`);
	}
	return { data: { environment: env2, token }, label: `Scantrust ${env2}` };
}

/** Items of the first output of the last run of `nodeName` (empty when it did not run). */
export function nodeOutput(runData: RunData, nodeName: string): NodeItem[] {
	const runs = runData[nodeName];
	const last = runs?.[runs.length - 1];
	return last?.data?.main?.[0] ?? [];
}

/** One line per batch of a Download (batches output): `{workOrderId, batch, codeCount, first, last}`. */
export interface BatchSummary {
	workOrderId: number;
	batch: number;
	codeCount: number;
	firstExtendedId: string;
	lastExtendedId: string;
}

export function summarizeBatches(items: NodeItem[]): BatchSummary[] {
	return items.map((item) => {
		const j = item.json as { workOrderId: number; batch: number; codeCount: number; firstExtendedId?: string; lastExtendedId?: string };
		return {
			workOrderId: j.workOrderId,
			batch: j.batch,
			codeCount: j.codeCount,
			firstExtendedId: j.firstExtendedId ?? '',
			lastExtendedId: j.lastExtendedId ?? '',
		};
	});
}

/** The batch summary as a small text table. */
export function formatBatchTable(rows: BatchSummary[]): string {
	const head = ['batch', 'codes', 'first extended id', 'last extended id'];
	const body = rows.map((r) => [String(r.batch), r.codeCount.toLocaleString('en-US'), r.firstExtendedId, r.lastExtendedId]);
	const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
	const line = (cells: string[]) =>
		cells.map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
	return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
