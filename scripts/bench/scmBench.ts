/**
 * Benchmark of Code > Update: 100,000 codes activated through the real operation (the Scantrust node inside
 * n8n-core's WorkflowExecute, test/helpers/n8nHarness) against the sandbox in this process, over real HTTP, with the
 * sandbox's `scm_update` scope at Scantrust's published 10 requests per second.
 *
 * The floor is what the rate limit allows: ceil(codes / 1,000) calls at 10 a second. PASS when the whole run (node
 * start to node end, reading and checking 100,000 items included) takes at most 1.2x that floor, every code was
 * confirmed as updated, and no second saw more than 10 calls at the sandbox (from the sandbox's request log).
 *
 * Standalone: npx tsc -p scripts/bench && node build/scripts/bench/scmBench.js [--codes 100000]
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { runScantrustNode } from '../../test/helpers/n8nHarness';
import { busiestSecond, extendedIdFor, startSandbox } from '../../test/sandbox';
import { numberArg, seconds } from './measure';

export interface ScmBenchReport {
	codes: number;
	calls: number;
	/** Node start to node end. */
	totalMs: number;
	/** Node start to the first SCM call at the sandbox: reading and checking every item. */
	checkMs: number;
	/** First to last SCM call at the sandbox. */
	sendMs: number;
	/** ceil(codes / 1,000) calls at 10 a second. */
	floorMs: number;
	ratio: number;
	busiestSecond: number;
	confirmed: number;
	pass: boolean;
}

const CODES_PER_CALL = 1000;
const CALLS_PER_SECOND = 10;
const TARGET_RATIO = 1.2;

export async function runScmBench(options: { codes?: number; print?: boolean } = {}): Promise<ScmBenchReport> {
	const codes = options.codes ?? 100_000;
	const log = (line: string) => {
		if (options.print ?? true) console.log(line);
	};
	const sandbox = await startSandbox({ generationDelayMs: 0, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
	try {
		const workOrder = sandbox.createWorkOrder({ template: 102, quantity: codes });
		sandbox.completeGeneration(workOrder.id);
		const input: INodeExecutionData[] = Array.from({ length: codes }, (_, i) => ({ json: { extendedId: extendedIdFor(workOrder.id, i + 1) } }));
		sandbox.requests.length = 0;
		log(`activating ${codes.toLocaleString('en-US')} codes of work order ${workOrder.id} (Code > Update, Code ID {{ $json.extendedId }})`);

		const started = Date.now();
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'code', operation: 'update', codeKey: 'extended_id', codeId: '={{ $json.extendedId }}', updateFields: { activationStatus: 1 } },
			credentials: { environment: 'custom', baseUrl: sandbox.apiUrl, token: sandbox.token },
			input,
		});
		const finished = Date.now();
		if (error) throw error;

		const calls = sandbox.requests.filter((r) => r.origin === 'api' && r.method === 'POST' && r.path === '/api/v2/scm/upload/');
		const floorMs = (Math.ceil(codes / CODES_PER_CALL) / CALLS_PER_SECOND) * 1000;
		const totalMs = finished - started;
		const confirmed = output.filter((item) => item.json.updated === true).length;
		const busiest = busiestSecond(calls);
		const ratio = totalMs / floorMs;
		const report: ScmBenchReport = {
			codes,
			calls: calls.length,
			totalMs,
			checkMs: calls[0].at - started,
			sendMs: calls[calls.length - 1].at - calls[0].at,
			floorMs,
			ratio,
			busiestSecond: busiest,
			confirmed,
			pass: ratio <= TARGET_RATIO && confirmed === codes && busiest <= CALLS_PER_SECOND,
		};
		log(
			`${codes.toLocaleString('en-US')} codes in ${seconds(totalMs)} s (floor ${seconds(floorMs)} s: ${report.calls} calls at ${CALLS_PER_SECOND}/s; ` +
				`${ratio.toFixed(2)}x): check ${seconds(report.checkMs)} s, calls ${seconds(report.sendMs)} s; busiest second ${busiest} calls; ` +
				`${confirmed.toLocaleString('en-US')} confirmed updated`,
		);
		return report;
	} finally {
		await sandbox.close();
	}
}

if (require.main === module) {
	runScmBench({ codes: numberArg(process.argv.slice(2), '--codes') }).then(
		(report) => {
			console.log(`${report.pass ? 'PASS' : 'FAIL'}  SCM update time: ${report.ratio.toFixed(2)}x the rate limit's floor (limit ${TARGET_RATIO})`);
			process.exit(report.pass ? 0 : 1);
		},
		(error) => {
			console.error(error);
			process.exit(2);
		},
	);
}
