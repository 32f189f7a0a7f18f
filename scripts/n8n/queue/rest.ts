/**
 * REST calls the queue-mode runtime and its tests need beyond instance.ts: activating (publishing) a workflow so its
 * triggers run in production mode on main, listing a workflow's executions, and starting a manual run without
 * waiting for it. Payloads follow n8n 2.41.1 (n8n/dist/workflows/workflows.controller.js, executions.controller.js).
 */
import type { ExecutionStatus, N8nInstance } from '../instance';

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	mode: string;
	status: ExecutionStatus;
	startedAt?: string | null;
	stoppedAt?: string | null;
	retryOf?: string | null;
}

/**
 * POST /rest/workflows/:id/activate with the workflow's current version (the editor's "Publish"): from then on main
 * runs its triggers and polls in production mode (`trigger`). Resolves once n8n has activated it (a polling trigger
 * has polled once by then).
 */
export async function activateWorkflow(n8n: N8nInstance, workflowId: string): Promise<void> {
	const wf = await n8n.rest<{ versionId?: string }>('GET', `/rest/workflows/${encodeURIComponent(workflowId)}`);
	if (!wf?.versionId) throw new Error(`workflow ${workflowId} has no versionId to publish`);
	const r = await n8n.rest<{ active?: boolean; activeVersionId?: string | null }>(
		'POST',
		`/rest/workflows/${encodeURIComponent(workflowId)}/activate`,
		{ versionId: wf.versionId },
	);
	if (!r?.active && !r?.activeVersionId) throw new Error(`n8n did not activate workflow ${workflowId}: ${JSON.stringify(r).slice(0, 300)}`);
}

/** GET /rest/executions filtered by workflow: its latest 100 executions (running ones included), newest first. */
export async function listExecutions(n8n: N8nInstance, workflowId: string): Promise<ExecutionSummary[]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const r = await n8n.rest<{ results?: Array<Record<string, unknown>> }>('GET', `/rest/executions?filter=${filter}&limit=100`);
	return (r?.results ?? []).map((e) => ({
		id: String(e.id),
		workflowId: String(e.workflowId),
		mode: String(e.mode),
		status: e.status as ExecutionStatus,
		startedAt: e.startedAt as string | null | undefined,
		stoppedAt: e.stoppedAt as string | null | undefined,
		retryOf: (e.retryOf as string | null | undefined) ?? null,
	}));
}

/** POST /rest/workflows/:id/run from `triggerName` (as runWorkflowManually), returning the execution id at once. */
export async function startManualRun(n8n: N8nInstance, workflowId: string, triggerName: string): Promise<string> {
	const r = await n8n.rest<{ executionId?: string }>('POST', `/rest/workflows/${encodeURIComponent(workflowId)}/run`, {
		triggerToStartFrom: { name: triggerName },
	});
	if (!r?.executionId) throw new Error(`workflow ${workflowId}: n8n did not start an execution (${JSON.stringify(r).slice(0, 300)})`);
	return String(r.executionId);
}

/** Resolves once `check` returns a value other than undefined/false; rejects with `what` after `timeoutMs`. */
export async function waitUntil<T>(
	what: string,
	check: () => T | undefined | false | Promise<T | undefined | false>,
	timeoutMs: number,
	intervalMs = 250,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await check();
		if (v !== undefined && v !== false) return v;
		if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}
