/**
 * Queue-mode benchmark (`npm run start:queue -- --bench`): five Work Order > Download runs of 100,000 codes each,
 * started at once, on one worker and then on two (each a fresh queue-mode setup: Redis, PostgreSQL, main, workers),
 * against the Scantrust sandbox running in this process. Download with its default options (one item per batch,
 * each batch as a CSV file in binary data, which queue mode keeps in PostgreSQL).
 *
 * The work orders and their archives are made once, first. Per setup: one round to warm up (each worker loads the
 * node), then `runs` timed rounds; a round's time is n8n's own, from the first of the five executions created (main,
 * on the start request) to the last one stopped (worker), read from PostgreSQL; the median is reported.
 */
import type { Sandbox } from '../../../test/sandbox';
import { startBenchSandbox } from '../../bench/sandboxWorkOrder';
import type { N8nInstallation } from '../install';
import type { PreparedWorkflow, WorkflowJson } from '../instance';
import { CREDENTIAL_NAME, CREDENTIAL_TYPE, nodeOutput, sandboxCredentialData } from '../scantrust';
import { startQueueCluster } from './cluster';

export interface QueueBenchOptions {
	installation: N8nInstallation;
	log?: (line: string) => void;
	/** Codes per work order (default 100,000). */
	codes?: number;
	/** Downloads started at once (default 5). */
	concurrent?: number;
	/** Timed rounds per setup (default 3). */
	runs?: number;
	/** Worker counts to compare (default [1, 2]). */
	workerCounts?: number[];
	/** Every line the processes print (default: dropped). */
	onLog?: (source: string, line: string) => void;
}

export interface QueueBenchFigure {
	workers: number;
	/** Wall time of each timed round (ms). */
	roundsMs: number[];
	medianMs: number;
	/** How many executions each worker ran over the timed rounds. */
	perWorker: Record<string, number>;
}

export async function measureQueueDownloads(o: QueueBenchOptions): Promise<QueueBenchFigure[]> {
	const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
	const codes = o.codes ?? 100_000;
	const concurrent = o.concurrent ?? 5;
	const runs = o.runs ?? 3;
	const figures: QueueBenchFigure[] = [];
	// The work orders and their archives are made once, before anything is timed (the sandbox runs in this process).
	const bench = await startBenchSandbox(log);
	try {
		const orders: number[] = [];
		for (let i = 0; i < concurrent; i++) orders.push((await bench.addWorkOrder(codes)).id);
		for (const workers of o.workerCounts ?? [1, 2]) figures.push(await measureSetup(o, bench.sandbox, orders, workers, codes, runs, log));
	} finally {
		await bench.close();
	}
	return figures;
}

async function measureSetup(
	o: QueueBenchOptions,
	sandbox: Sandbox,
	orders: number[],
	workers: number,
	codes: number,
	runs: number,
	log: (line: string) => void,
): Promise<QueueBenchFigure> {
	const cluster = await startQueueCluster({ installation: o.installation, workers, onProgress: log, onLog: o.onLog });
	try {
		const n8n = cluster.main;
		await n8n.setupOwner();
		const cred = await n8n.createCredential({ name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: sandboxCredentialData(sandbox) });
		const workflows: PreparedWorkflow[] = [];
		for (const id of orders) workflows.push(await n8n.createWorkflow(downloadWorkflow(id, cred.id)));
		const round = async () => {
			const results = await Promise.all(workflows.map((w) => n8n.runWorkflowManually(w.id, 'Start', { timeoutMs: 600_000 })));
			for (const [i, r] of results.entries()) {
				const total = nodeOutput(r.runData, 'Download').reduce((sum, b) => sum + Number(b.json.codeCount), 0);
				if (r.status !== 'success' || total !== codes) {
					throw new Error(`download of work order ${orders[i]} ended ${r.status} with ${total} codes: ${r.error?.message ?? ''}`);
				}
			}
			const ids = results.map((r) => Number(r.executionId));
			if (ids.some((id) => !Number.isInteger(id))) throw new Error(`unexpected execution ids ${ids.join(', ')}`);
			const span = await cluster.postgres.query(
				`SELECT extract(epoch from max("stoppedAt") - min("createdAt")) * 1000 FROM execution_entity WHERE id IN (${ids.join(',')})`,
			);
			return { ms: Math.round(Number(span.trim())), ids: ids.map(String) };
		};
		log(`[bench] ${workers} worker(s): warm-up round`);
		await round();
		const roundsMs: number[] = [];
		const perWorker: Record<string, number> = {};
		for (let i = 0; i < runs; i++) {
			const r = await round();
			roundsMs.push(r.ms);
			for (const id of r.ids) {
				const w = cluster.workerOf(id) ?? 'unknown';
				perWorker[w] = (perWorker[w] ?? 0) + 1;
			}
			log(`[bench] ${workers} worker(s): round ${i + 1}: ${(r.ms / 1000).toFixed(1)} s`);
		}
		const sorted = [...roundsMs].sort((a, b) => a - b);
		return { workers, roundsMs, medianMs: sorted[Math.floor(sorted.length / 2)], perWorker };
	} finally {
		await cluster.stop();
	}
}

export function formatQueueBench(figures: QueueBenchFigure[], codes = 100_000, concurrent = 5): string {
	const lines = [
		`${concurrent} concurrent downloads of ${codes.toLocaleString('en-US')} codes each (n8n queue mode, default Download options)`,
		'workers  median   rounds                 executions per worker',
	];
	for (const f of figures) {
		lines.push(
			`${String(f.workers).padEnd(8)} ${`${(f.medianMs / 1000).toFixed(1)} s`.padEnd(8)} ${f.roundsMs.map((ms) => (ms / 1000).toFixed(1)).join(', ').padEnd(22)} ${Object.entries(f.perWorker)
				.map(([w, n]) => `${w}: ${n}`)
				.join(', ')}`,
		);
	}
	return lines.join('\n');
}

export async function runQueueBench(o: QueueBenchOptions): Promise<string> {
	return formatQueueBench(await measureQueueDownloads(o), o.codes, o.concurrent);
}

/** Manual Trigger -> Scantrust Work Order > Download of `workOrderId` (one item per batch, default options). */
export function downloadWorkflow(workOrderId: number, credentialId: string): WorkflowJson {
	return {
		name: `Download work order ${workOrderId}`,
		nodes: [
			{ id: `download-${workOrderId}-1`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: `download-${workOrderId}-2`,
				name: 'Download',
				type: 'n8n-nodes-scantrust.scantrust',
				typeVersion: 1,
				position: [200, 0],
				parameters: { resource: 'workOrder', operation: 'download', workOrderId, output: 'batches', options: {} },
				credentials: { [CREDENTIAL_TYPE]: { id: credentialId, name: CREDENTIAL_NAME } },
			},
		],
		connections: { Start: { main: [[{ node: 'Download', type: 'main', index: 0 }]] } },
	};
}
