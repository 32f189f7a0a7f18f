import { randomInt } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

let lastMicros = 0;

/**
 * Django's timestamp format: ISO 8601 with microseconds and Z (`2021-03-10T08:35:39.507156Z`).
 * Without an argument it is "now", strictly increasing, so records made in one millisecond still sort by age.
 */
export function isoMicro(ms?: number): string {
	let micros: number;
	if (ms === undefined) {
		micros = Math.max(Date.now() * 1000, lastMicros + 1);
		lastMicros = micros;
	} else micros = ms * 1000;
	const iso = new Date(Math.floor(micros / 1000)).toISOString();
	return iso.replace('Z', `${String(micros % 1000).padStart(3, '0')}Z`);
}

export function randomString(length: number, alphabet: string = LOWER_ALNUM): string {
	let out = '';
	for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
	return out;
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sort order `-<date>, -id` (dates are ISO strings of one format, so they compare as text). */
export function newestFirst<T extends { id: number }>(dateOf: (item: T) => string): (a: T, b: T) => number {
	return (a, b) => {
		const da = dateOf(a);
		const db = dateOf(b);
		return da < db ? 1 : da > db ? -1 : b.id - a.id;
	};
}
