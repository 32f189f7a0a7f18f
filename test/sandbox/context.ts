import { randomBytes } from 'node:crypto';
import type { FaultRule, RecordedRequest, ResolvedOptions, SandboxState } from './types';

/** Everything a request handler may touch; one per running sandbox. */
export interface Ctx {
	options: ResolvedOptions;
	state: SandboxState;
	storageUrl: string;
	requests: RecordedRequest[];
	faults: FaultRule[];
	serverErrors: Error[];
	/** Secret for the fake S3 signatures (per sandbox, so forged forms fail). */
	signingSecret: Buffer;
	/** Request timestamps per token for the sliding-window rate limit. */
	rateHistory: Map<string, number[]>;
	timers: Timers;
}

/** setTimeout handles that close() and reset() must clear. unref'd: a forgotten sandbox never holds the process. */
export class Timers {
	private readonly handles = new Set<NodeJS.Timeout>();

	after(ms: number, fn: () => void): void {
		const handle = setTimeout(() => {
			this.handles.delete(handle);
			fn();
		}, Math.max(0, ms));
		handle.unref();
		this.handles.add(handle);
	}

	clear(): void {
		for (const handle of this.handles) clearTimeout(handle);
		this.handles.clear();
	}
}

export function newSigningSecret(): Buffer {
	return randomBytes(32);
}
