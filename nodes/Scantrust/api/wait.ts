import { sleep } from 'n8n-workflow';

export interface WaitSettings {
	waitForCompletion: boolean;
	/** Seconds. */
	waitTimeout: number;
	/** Seconds. */
	pollInterval: number;
}

/**
 * Calls `check` every poll interval until it reports done or the time-out passes.
 * `current` is the first state already read; `timedOut` builds the error from the last state seen.
 */
export async function waitFor<T>(
	settings: WaitSettings,
	current: T,
	isDone: (state: T) => boolean,
	check: () => Promise<T>,
	timedOut: (last: T) => Error,
): Promise<T> {
	const deadline = Date.now() + settings.waitTimeout * 1000;
	let state = current;
	while (!isDone(state)) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) throw timedOut(state);
		await sleep(Math.min(settings.pollInterval * 1000, remaining));
		state = await check();
	}
	return state;
}
