/**
 * The end-to-end tests load this package into n8n from `dist/` (package.json's `n8n` section). `npm test` builds it
 * before jest runs; when jest is run on its own (`npx jest test/e2e`) and `dist/` is missing or older than the
 * sources, it is built here first (`npm run build`), so a test never runs against stale or missing nodes.
 * A build that fails fails the tests with the compiler's output.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { missingPackageFiles, repoRoot, thisPackage } from '../../scripts/n8n/env';
import { ensureN8n, type N8nInstallation } from '../../scripts/n8n/install';

const SOURCE_DIRS = ['nodes', 'credentials'];

function newestMtime(dir: string, filter: (f: string) => boolean): number {
	let newest = 0;
	const walk = (d: string) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (filter(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
		}
	};
	if (fs.existsSync(dir)) walk(dir);
	return newest;
}

/** Why dist/ needs a build, or undefined when it is complete and newer than every source file. */
export function distProblem(root = repoRoot()): string | undefined {
	const missing = missingPackageFiles(thisPackage());
	if (missing.length) return `missing ${missing.join(', ')}`;
	const src = Math.max(...SOURCE_DIRS.map((d) => newestMtime(path.join(root, d), (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))));
	const built = newestMtime(path.join(root, 'dist'), (f) => f.endsWith('.js') || f.endsWith('.tsbuildinfo'));
	if (src > built) return 'sources changed since the last build';
	return undefined;
}

/** Builds dist/ (npm run build) when needed; throws with the build output when that fails or dist stays incomplete. */
export function ensurePackageBuilt(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): void {
	const root = repoRoot();
	const problem = distProblem(root);
	if (!problem) return;
	log(`[e2e] dist/ needs a build (${problem}): running npm run build`);
	const lock = path.join(root, 'dist', '.e2e-build.lock');
	fs.mkdirSync(path.dirname(lock), { recursive: true });
	// Jest may run several e2e files in parallel workers: one builds, the others wait for it.
	const deadline = Date.now() + 5 * 60_000;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			break;
		} catch {
			if (Date.now() > deadline) throw new Error(`[e2e] waited 5 minutes for another build (lock ${lock}); remove it if stale`);
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
		}
	}
	try {
		if (!distProblem(root)) return;
		const r = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', env: process.env });
		const left = missingPackageFiles(thisPackage());
		if (r.status !== 0 || left.length) {
			throw new Error(
				`[e2e] npm run build failed (exit ${r.status}${left.length ? `; still missing ${left.join(', ')}` : ''}):\n` +
					`${(r.stdout ?? '') + (r.stderr ?? '')}`.trim().split('\n').slice(-30).join('\n'),
			);
		}
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

/**
 * What every end-to-end file does first: dist/ built, then the cached real n8n (installed the first time). These
 * tests never skip: when n8n cannot be installed they fail with the installer's message.
 */
export async function prepareRealN8n(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<N8nInstallation> {
	ensurePackageBuilt(log);
	try {
		return await ensureN8n({ onProgress: log });
	} catch (err) {
		throw new Error(
			`The end-to-end tests need a real n8n, and installing it failed. They do not skip: fix the install ` +
				`(or run the other suites with \`npx jest test/unit test/integration\`).\n${(err as Error).message}`,
		);
	}
}
