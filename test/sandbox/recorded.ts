import type { RecordedRequest } from './types';

/** The most recorded requests that arrived within any one second: what a per-second rate limit bounds. */
export function busiestSecond(requests: RecordedRequest[]): number {
	const times = requests.map((r) => r.at).sort((a, b) => a - b);
	let most = 0;
	for (let first = 0, last = 0; last < times.length; last++) {
		while (times[last] - times[first] >= 1000) first++;
		most = Math.max(most, last - first + 1);
	}
	return most;
}
