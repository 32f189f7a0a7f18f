/**
 * CLI real-n8n benchmark (the headline is serverN8nBench.ts, n8n in server mode): Work Order > Download of a
 * 1,000,000-code work order, run headlessly in a real n8n 2.41.1 (`n8n import:*` + `n8n execute`,
 * scripts/n8n/execute.ts) with this package loaded from dist/, against the Scantrust sandbox running in this process.
 * Workflow: Manual Trigger -> Scantrust (Work Order > Download, one item per batch), with default options (each batch
 * as its CSV file) and with "Codes in JSON" on.
 *
 * Measured:
 *   - wall time of the execute step (`n8n execute`: its boot, the run, saving the execution, printing the result)
 *     and of import + execute (what the figure to beat includes); the Download node's own execution time as n8n
 *     reports it (runData executionTime);
 *   - peak RSS of the `n8n execute` process tree: VmRSS of it and its children summed, sampled every 50 ms from
 *     /proc, and the kernel's VmHWM of the n8n process itself (its last reading before it exits).
 * Figure to beat (/work/shared/n8n-runtime.md): the chain an n8n user builds without this package (HTTP Request,
 * Compression, Extract From File, Code) took 54 s and 4.1 GB for 1,000,000 codes in this real n8n (import and
 * start-up included). Target: at least 5x faster (<= 10.8 s), at most a third of the memory (<= 1.37 GB).
 *
 *   node build/scripts/bench/realN8nBench.js [--quantity 1000000] [--observe]
 *     --observe  also runs the same workflow with n8n settings changed (execution data not saved) and with node
 *                options changed (codes in JSON without attachments / archive output), to show where time and memory go.
 *                The headline figure always uses n8n's defaults.
 */
import * as fs from 'fs';
import * as path from 'path';

import { makeTempDir, missingPackageFiles, removeUserFolder, thisPackage } from '../n8n/env';
import { executeWorkflowCli } from '../n8n/execute';
import { ensureN8n, N8N_VERSION, type N8nInstallation } from '../n8n/install';
import type { WorkflowJson } from '../n8n/instance';
import { CREDENTIAL_NAME, CREDENTIAL_TYPE, nodeOutput, sandboxCredentialData } from '../n8n/scantrust';
import { startSandbox, type Sandbox } from '../../test/sandbox';

/** The figures to beat and the targets (n8n-runtime.md, "A figure to beat"): import and start-up included. */
export const CHAIN = [
	{ codes: 100_000, wallMs: 11_000, peakBytes: 1.0 * 1024 ** 3 },
	{ codes: 1_000_000, wallMs: 54_000, peakBytes: 4.1 * 1024 ** 3 },
] as const;
export const TARGET = { speedup: 5, memoryFraction: 1 / 3 };

export interface ChainFigure {
	codes: number;
	wallMs: number;
	peakBytes: number;
	/** False when interpolated (or extrapolated) linearly from the two measured points. */
	measured: boolean;
}

/** The chain's figure for `codes`: measured at 100,000 and 1,000,000 codes, linear in between and beyond. */
export function chainFigureFor(codes: number): ChainFigure {
	const exact = CHAIN.find((c) => c.codes === codes);
	if (exact) return { ...exact, measured: true };
	const [a, b] = CHAIN;
	const t = (codes - a.codes) / (b.codes - a.codes);
	return {
		codes,
		wallMs: Math.max(0, a.wallMs + t * (b.wallMs - a.wallMs)),
		peakBytes: Math.max(0, a.peakBytes + t * (b.peakBytes - a.peakBytes)),
		measured: false,
	};
}

const DOWNLOAD_NODE = 'Download codes';
const SAMPLE_MS = 50;

export interface RealN8nRun {
	label: string;
	codes: number;
	batches: number;
	/** n8n environment changed from the defaults for this run. */
	env: Record<string, string>;
	/** Download node parameters changed from the defaults. */
	nodeOptions: Record<string, unknown>;
	status: string;
	/** Wall time of `n8n execute`. */
	executeMs: number;
	/** Wall time of importing the credential and the workflow (two n8n CLI runs). */
	importMs: number;
	/** The Download node's executionTime in runData. */
	nodeMs: number;
	/** Peak of the summed VmRSS of the `n8n execute` process and its children (sampled). */
	peakTreeRssBytes: number;
	/** VmHWM of the `n8n execute` process (last reading). */
	n8nVmHwmBytes: number;
	samples: number;
	/** Size of the result n8n printed (bytes of its JSON line). */
	resultBytes: number;
}

export interface RealN8nBenchFigures {
	n8nVersion: string;
	workOrderId: number;
	archiveBytes: number;
	/** Default node options: each batch as its CSV file. */
	headline: RealN8nVerdict;
	/** "Codes in JSON" on: every code also as JSON in the batch items. */
	json: RealN8nVerdict;
	/** A 1,000-code run: n8n's own cost (boot, import, printing) with almost no data. */
	baseline: RealN8nRun;
	observations: RealN8nRun[];
	chain: ChainFigure;
}

/** A run against the chain, import included as in the chain's figure. */
export interface RealN8nVerdict {
	run: RealN8nRun;
	speedup: number;
	memoryFraction: number;
	pass: { time: boolean; memory: boolean };
}

function verdictOf(run: RealN8nRun, chain: ChainFigure): RealN8nVerdict {
	// The chain's 54 s include import and start-up: compare like with like (import + execute).
	const speedup = chain.wallMs / (run.importMs + run.executeMs);
	const memoryFraction = run.peakTreeRssBytes / chain.peakBytes;
	return { run, speedup, memoryFraction, pass: { time: speedup >= TARGET.speedup, memory: memoryFraction <= TARGET.memoryFraction } };
}

// ------------------------------------------------------------------------------------------------ process tree RSS

interface ProcInfo {
	ppid: number;
	rssKb: number;
	hwmKb: number;
}

function readProc(pid: number): ProcInfo | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = /VmRSS:\s+(\d+) kB/.exec(status);
		const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
		return { ppid, rssKb: rss ? Number(rss[1]) : 0, hwmKb: hwm ? Number(hwm[1]) : 0 };
	} catch {
		return undefined; // gone, or a kernel thread
	}
}

const cmdlines = new Map<number, string>();
function cmdline(pid: number): string {
	let c = cmdlines.get(pid);
	if (c === undefined) {
		try {
			c = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
		} catch {
			c = '';
		}
		cmdlines.set(pid, c);
	}
	return c;
}

/**
 * Samples, every 50 ms, the processes under this one whose top ancestor (a direct child of this process) is an
 * `n8n execute` run: the sum of their VmRSS, and the VmHWM of that n8n process.
 */
function startTreeSampler(): { stop(): { peakTreeRssBytes: number; n8nVmHwmBytes: number; samples: number } } {
	let peakKb = 0;
	let hwmKb = 0;
	let samples = 0;
	const sample = () => {
		const procs = new Map<number, ProcInfo>();
		for (const name of fs.readdirSync('/proc')) {
			if (!/^\d+$/.test(name)) continue;
			const info = readProc(Number(name));
			if (info) procs.set(Number(name), info);
		}
		const topOf = (pid: number): number | undefined => {
			for (let p = pid, guard = 0; guard < 64; guard++) {
				const info = procs.get(p);
				if (!info) return undefined;
				if (info.ppid === process.pid) return p;
				p = info.ppid;
			}
			return undefined;
		};
		let sumKb = 0;
		for (const [pid, info] of procs) {
			const top = topOf(pid);
			if (top === undefined || !/\bexecute --id=/.test(cmdline(top))) continue;
			sumKb += info.rssKb;
			if (pid === top) hwmKb = Math.max(hwmKb, info.hwmKb);
		}
		if (sumKb > 0) samples++;
		peakKb = Math.max(peakKb, sumKb);
	};
	const timer = setInterval(sample, SAMPLE_MS);
	return {
		stop() {
			clearInterval(timer);
			return { peakTreeRssBytes: peakKb * 1024, n8nVmHwmBytes: hwmKb * 1024, samples };
		},
	};
}

// ------------------------------------------------------------------------------------------------ runs

function downloadWorkflow(workOrderId: number, nodeOptions: Record<string, unknown>): WorkflowJson {
	return {
		name: `bench: download work order ${workOrderId}`,
		nodes: [
			{ id: 'b0a1c2d3-0000-4000-8000-000000000001', name: 'Run manually', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'b0a1c2d3-0000-4000-8000-000000000002',
				name: DOWNLOAD_NODE,
				type: 'n8n-nodes-scantrust.scantrust',
				typeVersion: 1,
				position: [220, 0],
				parameters: { resource: 'workOrder', operation: 'download', workOrderId: String(workOrderId), output: 'batches', options: {}, ...nodeOptions },
				credentials: { [CREDENTIAL_TYPE]: { id: 'bench-credential', name: CREDENTIAL_NAME } },
			},
		],
		connections: { 'Run manually': { main: [[{ node: DOWNLOAD_NODE, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

async function runOnce(
	label: string,
	o: {
		installation: N8nInstallation;
		sandbox: Sandbox;
		workOrderId: number;
		codes: number;
		env?: Record<string, string>;
		nodeOptions?: Record<string, unknown>;
		log: (line: string) => void;
	},
): Promise<RealN8nRun> {
	const tmp = makeTempDir('scantrust-realn8n-bench-');
	try {
		const file = path.join(tmp, 'workflow.json');
		fs.writeFileSync(file, JSON.stringify(downloadWorkflow(o.workOrderId, o.nodeOptions ?? {})));
		let resultBytes = 0;
		const sampler = startTreeSampler();
		let measured;
		let r;
		try {
			r = await executeWorkflowCli({
				installation: o.installation,
				workflowFile: file,
				credentialsFile: [{ id: 'benchCredential01', name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(o.sandbox) }],
				env: o.env,
				onLog: (line) => {
					if (line.length > 100_000) resultBytes = Math.max(resultBytes, Buffer.byteLength(line));
				},
			});
		} finally {
			measured = sampler.stop();
		}
		if (r.status !== 'success') {
			throw new Error(`${label}: the workflow ended with status ${r.status}: ${r.error?.message ?? ''}\n${r.logs.slice(-10).join('\n')}`);
		}
		const items = nodeOutput(r.runData, DOWNLOAD_NODE);
		const codes = o.nodeOptions?.output === 'archive' ? o.codes : items.reduce((n, i) => n + Number(i.json.codeCount ?? 0), 0);
		const run: RealN8nRun = {
			label,
			codes,
			batches: o.nodeOptions?.output === 'archive' ? 0 : items.length,
			env: o.env ?? {},
			nodeOptions: o.nodeOptions ?? {},
			status: r.status,
			executeMs: r.executeMs,
			importMs: r.importMs,
			nodeMs: Number(r.runData[DOWNLOAD_NODE]?.[0]?.executionTime ?? 0),
			...measured,
			resultBytes,
		};
		o.log(
			`${label}: execute ${sec(run.executeMs)} s (node ${sec(run.nodeMs)} s, import ${sec(run.importMs)} s), ` +
				`peak RSS ${gb(run.peakTreeRssBytes)} GB (n8n VmHWM ${gb(run.n8nVmHwmBytes)} GB), result ${mbs(run.resultBytes)} MB`,
		);
		return run;
	} finally {
		removeUserFolder(tmp);
	}
}

export async function runRealN8nBench(
	opts: { quantity?: number; observe?: boolean; log?: (line: string) => void; installation?: N8nInstallation } = {},
): Promise<RealN8nBenchFigures> {
	if (process.platform !== 'linux') throw new Error('the real-n8n benchmark reads /proc: Linux only');
	const log = opts.log ?? ((line: string) => process.stderr.write(`[real-n8n bench] ${line}\n`));
	const missing = missingPackageFiles(thisPackage());
	if (missing.length) throw new Error(`build the package first (npm run build): missing ${missing.join(', ')}`);
	const quantity = opts.quantity ?? 1_000_000;
	const installation = opts.installation ?? (await ensureN8n({ onProgress: log }));
	const sandbox = await startSandbox({ generationDelayMs: 0, ingestionDelayMs: 0, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
	try {
		const make = async (codes: number) => {
			const wo = sandbox.createWorkOrder({ template: 101, quantity: codes });
			sandbox.completeGeneration(wo.id);
			// The storage origin builds the archive on its first GET and keeps it: build it now, outside the measurement.
			const url = sandbox.state.workOrders.find((w) => w.id === wo.id)?.codegen_file;
			if (!url) throw new Error(`sandbox work order ${wo.id} has no codegen_file`);
			const res = await fetch(url);
			const bytes = (await res.arrayBuffer()).byteLength;
			if (!res.ok) throw new Error(`GET codegen_file of ${wo.id}: HTTP ${res.status}`);
			return { id: wo.id, bytes };
		};
		const small = await make(1_000);
		const big = await make(quantity);
		log(`sandbox work order ${big.id}: ${quantity.toLocaleString('en-US')} codes, archive ${mbs(big.bytes)} MB; n8n ${N8N_VERSION}`);
		const base = { installation, sandbox, log };

		const baseline = await runOnce('baseline, 1,000 codes', { ...base, workOrderId: small.id, codes: 1_000 });
		const big1 = { ...base, workOrderId: big.id, codes: quantity };
		const headline = await runOnce(`${quantity.toLocaleString('en-US')} codes, default options`, big1);
		const json = await runOnce(`${quantity.toLocaleString('en-US')} codes, "Codes in JSON" on`, {
			...big1,
			nodeOptions: { options: { codesInJson: true } },
		});
		const observations: RealN8nRun[] = [];
		if (opts.observe) {
			const variants: Array<[string, Record<string, string>, Record<string, unknown>]> = [
				['execution data not saved (EXECUTIONS_DATA_SAVE_ON_SUCCESS=none)', { EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'none' }, {}],
				['codes in JSON only, no attachments (node options)', {}, { options: { batchCsv: false, codesInJson: true, manifest: false, sampleImage: false } }],
				['output: archive (the zip only, no codes as items)', {}, { output: 'archive' }],
			];
			for (const [label, env, nodeOptions] of variants) {
				observations.push(await runOnce(label, { ...base, workOrderId: big.id, codes: quantity, env, nodeOptions }));
			}
		}
		const chain = chainFigureFor(quantity);
		return {
			n8nVersion: N8N_VERSION,
			workOrderId: big.id,
			archiveBytes: big.bytes,
			headline: verdictOf(headline, chain),
			json: verdictOf(json, chain),
			baseline,
			observations,
			chain,
		};
	} finally {
		await sandbox.close();
	}
}

// ------------------------------------------------------------------------------------------------ report

const sec = (ms: number) => (ms / 1000).toFixed(1);
const gb = (b: number) => (b / 1024 ** 3).toFixed(2);
const mbs = (b: number) => (b / 1024 ** 2).toFixed(1);

export function formatRealN8nReport(f: RealN8nBenchFigures): string {
	const rows: string[][] = [['run', 'import+execute s', 'execute s', 'node s', 'peak RSS GB', 'n8n VmHWM GB']];
	const add = (r: RealN8nRun) =>
		rows.push([r.label, sec(r.importMs + r.executeMs), sec(r.executeMs), sec(r.nodeMs), gb(r.peakTreeRssBytes), gb(r.n8nVmHwmBytes)]);
	add(f.baseline);
	add(f.headline.run);
	add(f.json.run);
	const chainLabel = `chain without this package (n8n-runtime.md${f.chain.measured ? '' : ', interpolated'})`;
	rows.push([chainLabel, sec(f.chain.wallMs), '', '', gb(f.chain.peakBytes), '']);
	rows.push(['target: 5x faster, a third of the memory', sec(f.chain.wallMs / TARGET.speedup), '', '', gb(f.chain.peakBytes * TARGET.memoryFraction), '']);
	if (f.observations.length) {
		rows.push(['observations (not the headline):', '', '', '', '', '']);
		for (const r of f.observations) add(r);
	}
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
	const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
	lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
	const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
	const judged = (name: string, v: RealN8nVerdict) => [
		`${name}: time ${v.speedup.toFixed(1)}x faster than the chain (import + execute vs its ${sec(f.chain.wallMs)} s; target >= ${TARGET.speedup}x): ${verdict(v.pass.time)}`,
		`${name}: memory ${(v.memoryFraction * 100).toFixed(0)}% of the chain's ${gb(f.chain.peakBytes)} GB (target <= 33%): ${verdict(v.pass.memory)}`,
	];
	return [
		`Real n8n ${f.n8nVersion}: Manual Trigger -> Scantrust Download (batches), ${f.headline.run.codes.toLocaleString('en-US')} codes in ${f.headline.run.batches} batches (archive ${mbs(f.archiveBytes)} MB)`,
		'',
		...lines,
		'',
		...judged('default options', f.headline),
		...judged('"Codes in JSON" on (not a target)', f.json),
		`(execute = the n8n execute process: boot, run, saving the execution, printing the result of ${mbs(f.headline.run.resultBytes)} MB ` +
			`with default options, ${mbs(f.json.run.resultBytes)} MB with codes in JSON; ` +
			`peak RSS = n8n execute and its children, VmRSS sampled every ${SAMPLE_MS} ms)`,
	].join('\n');
}

if (require.main === module) {
	const args = process.argv.slice(2);
	const qi = args.indexOf('--quantity');
	const quantity = qi >= 0 ? Number(args[qi + 1]) : undefined;
	if (quantity !== undefined && !(Number.isInteger(quantity) && quantity > 0)) {
		process.stderr.write('--quantity wants a whole number > 0\n');
		process.exit(2);
	}
	runRealN8nBench({ quantity, observe: args.includes('--observe') }).then(
		(f) => {
			process.stdout.write(formatRealN8nReport(f) + '\n');
			process.exit(f.headline.pass.time && f.headline.pass.memory ? 0 : 1);
		},
		(err: Error) => {
			process.stderr.write(`real-n8n bench failed: ${err.message}\n`);
			process.exit(2);
		},
	);
}
