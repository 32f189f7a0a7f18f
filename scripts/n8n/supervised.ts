/**
 * A server process started here (n8n, an n8n worker, Redis, PostgreSQL): its own process group, its last output
 * lines, its exit, and a bounded stop. One place, so that every process these scripts start is stopped the same way.
 */
import { spawn, type ChildProcess } from 'child_process';

import { killGroup, onLines, trackForShutdown } from './env';

export interface ExitState {
	code: number | null;
	signal: NodeJS.Signals | null;
}

export interface Supervised {
	child: ChildProcess;
	/** How it ended, or undefined while it runs. */
	exited(): ExitState | undefined;
	exitPromise: Promise<void>;
	/** Its last output lines (stdout and stderr). */
	logs: string[];
}

const KEPT_LINES = 500;

export function spawnSupervised(
	name: string,
	cmd: string,
	args: string[],
	o: { cwd: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; onLine?: (line: string, stream: 'stdout' | 'stderr') => void },
): Supervised {
	const child = spawn(cmd, args, {
		cwd: o.cwd,
		env: o.env ?? process.env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
		uid: o.uid,
		gid: o.gid,
	});
	const logs: string[] = [];
	const line = (l: string, stream: 'stdout' | 'stderr') => {
		logs.push(l);
		if (logs.length > KEPT_LINES) logs.shift();
		o.onLine?.(l, stream);
	};
	onLines(child.stdout!, (l) => line(l, 'stdout'));
	onLines(child.stderr!, (l) => line(l, 'stderr'));
	let exited: ExitState | undefined;
	const exitPromise = new Promise<void>((resolve) => {
		child.on('exit', (code, signal) => {
			exited = { code, signal };
			resolve();
		});
		child.on('error', (err) => {
			line(`cannot start ${name} (${cmd}): ${err.message}`, 'stderr');
			exited = { code: -1, signal: null };
			resolve();
		});
	});
	return { child, exited: () => exited, exitPromise, logs };
}

/**
 * Stops its process group: `signal`, then SIGKILL after `graceMs`; resolves once it has exited. A last SIGKILL to the
 * group ends what it started and left behind (n8n's task runner).
 */
export async function stopSupervised(p: Supervised, signal: NodeJS.Signals, graceMs: number): Promise<void> {
	if (!p.exited()) {
		killGroup(p.child.pid, signal);
		const timer = setTimeout(() => killGroup(p.child.pid, 'SIGKILL'), graceMs);
		await p.exitPromise;
		clearTimeout(timer);
	}
	killGroup(p.child.pid, 'SIGKILL');
}

/**
 * The one way to end a supervised process, whichever comes first: `stop()` (signal, grace, SIGKILL), `kill()`
 * (SIGKILL at once), Ctrl-C (stop with `shutdownGraceMs`) or the end of this process (SIGKILL). `after` runs once it
 * is gone (e.g. removes its folder).
 */
export function stopper(
	p: Supervised,
	o: { signal: NodeJS.Signals; graceMs: number; shutdownGraceMs?: number; after?: () => void },
): { stop(graceMs?: number): Promise<void>; kill(): Promise<void> } {
	let ending: Promise<void> | undefined;
	const end = (how: () => Promise<void>) =>
		(ending ??= (async () => {
			await how();
			untrack();
			o.after?.();
		})());
	const stop = (graceMs = o.graceMs) => end(() => stopSupervised(p, o.signal, graceMs));
	const kill = () => end(() => stopSupervised(p, 'SIGKILL', 0));
	const untrack = trackForShutdown({ kill: () => killGroup(p.child.pid, 'SIGKILL'), cleanup: () => stop(o.shutdownGraceMs ?? o.graceMs) });
	return { stop, kill };
}
