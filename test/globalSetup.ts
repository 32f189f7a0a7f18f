/**
 * One scratch folder for the whole jest run, removed by globalTeardown: jest ends its workers without
 * an 'exit' event, so folders a worker makes for n8n-core (its user folder) are made in here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(): void {
	process.env.SCANTRUST_TEST_TMP = mkdtempSync(join(tmpdir(), 'scantrust-jest-'));
}
