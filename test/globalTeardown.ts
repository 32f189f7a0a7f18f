import { rmSync } from 'node:fs';

/** Removes the run's scratch folder (see globalSetup.ts). */
export default function globalTeardown(): void {
	const folder = process.env.SCANTRUST_TEST_TMP;
	if (folder) rmSync(folder, { recursive: true, force: true });
}
