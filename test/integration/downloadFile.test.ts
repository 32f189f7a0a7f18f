/**
 * A download written to a temporary file (the codes archive): the body goes to disk, not memory, under every rule of
 * the transport (token only to the API's host, deadline, retries), and the file is gone afterwards whatever happened.
 * The node's transport inside n8n-core's engine, against servers of a few lines on 127.0.0.1.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

import AdmZip from 'adm-zip';
import type { IDataObject } from 'n8n-workflow';

import { openCodesArchive } from '../../nodes/Scantrust/codes/archive';
import { DOWNLOAD_FILE_PREFIX, withDownloadedFile, type DownloadedFile } from '../../nodes/Scantrust/transport/download';
import { credentialsFor, runInNode, TOKEN, useServers } from './hostileServer';

const ARCHIVE: DownloadedFile = {
	what: 'the codes of work order 5',
	permission: 'workorder_download',
	name: 'Codes archive',
	expiredHint: 'The download link may have expired.',
};

/** The temporary download files of this process (other processes may be downloading at the same time). */
const ourFiles = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`${DOWNLOAD_FILE_PREFIX}${process.pid}-`));

const { serve } = useServers();

function codesZip(lines: number): Buffer {
	const zip = new AdmZip();
	zip.addFile('wo/codes.csv', Buffer.from(Array.from({ length: lines }, (_, i) => `id${i},,${i},1,https://q.example/${i}\n`).join('')));
	return zip.toBuffer();
}

/** Not compressible, so that a few hundred KB really are sent. */
const noise = (bytes: number) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 7919 + (i >> 8) * 31) & 0xff));

const API = 'https://api.example.com';

describe('a download to a temporary file', () => {
	it('hands the file over with the whole body, readable by this user only, and removes it afterwards', async () => {
		const body = noise(300_000);
		const storage = await serve((req, res) => res.writeHead(200, { 'Content-Type': 'application/zip' }).end(body));
		const before = ourFiles();
		let seen: { path: string; size: number; mode: number; same: boolean; listed: string[] } | undefined;
		const { output, error } = await runInNode(credentialsFor(API), async (ctx) =>
			await withDownloadedFile(ctx, `${storage.url}/bucket/codes.zip?X-Amz-Signature=abc`, ARCHIVE, 0, async ({ path, size }) => {
				seen = { path, size, mode: statSync(path).mode & 0o777, same: readFileSync(path).equals(body), listed: ourFiles() };
				return { size } as IDataObject;
			}),
		);
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ size: body.length });
		expect(seen).toMatchObject({ size: body.length, mode: 0o600, same: true });
		expect(seen!.path.startsWith(tmpdir())).toBe(true);
		expect(seen!.listed).toHaveLength(before.length + 1);
		expect(ourFiles()).toEqual(before);
		expect(storage.seen.map((request) => request.authorization)).toEqual([undefined]);
	});

	it('takes a file on the API host with the token, and one it redirects to elsewhere without it', async () => {
		const zip = codesZip(100);
		const storage = await serve((req, res) => res.writeHead(200, { 'Content-Type': 'application/zip' }).end(zip));
		const api = await serve((req, res) => res.writeHead(302, { Location: `${storage.url}/bucket/codes.zip` }).end());
		const { output, error } = await runInNode(credentialsFor(api.url), async (ctx) =>
			await withDownloadedFile(ctx, '/media/workorders/5/codes.zip', ARCHIVE, 0, async ({ path }) => {
				const archive = await openCodesArchive(path);
				let lines = 0;
				for await (const piece of archive.codesCsv()) lines += piece.toString('latin1').split('\n').length - 1;
				return { lines };
			}),
		);
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ lines: 100 });
		expect(api.seen.map((request) => request.authorization)).toEqual([`UAT ${TOKEN}`]);
		expect(storage.seen.map((request) => request.authorization)).toEqual([undefined]);
		expect(ourFiles()).toEqual([]);
	});

	it('removes the file when the archive turns out damaged', async () => {
		const zip = codesZip(5000);
		const data = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28);
		for (let i = data + 200; i < data + 260; i++) zip[i] ^= 0x5a;
		const storage = await serve((req, res) => res.writeHead(200, { 'Content-Type': 'application/zip' }).end(zip));
		let during: string[] = [];
		const { error } = await runInNode(credentialsFor(API), async (ctx) =>
			await withDownloadedFile(ctx, `${storage.url}/codes.zip`, ARCHIVE, 0, async ({ path }) => {
				during = ourFiles();
				for await (const piece of (await openCodesArchive(path)).codesCsv()) void piece;
				return {};
			}),
		);
		expect(error?.message).toMatch(/^The codes archive is damaged: .*"wo\/codes\.csv"/);
		expect(during).toHaveLength(1);
		expect(ourFiles()).toEqual([]);
	});

	it('removes the part already written when the answer is cut off at its deadline, and closes the connection', async () => {
		const storage = await serve((req, res) => {
			res.writeHead(200, { 'Content-Type': 'application/zip' });
			res.write(noise(200_000));
			const timer = setInterval(() => res.write(' '), 300);
			res.on('close', () => clearInterval(timer));
		});
		const once = { maxAttempts: 1, maxWaitSeconds: 60, maxTotalWaitSeconds: 120, backoffSeconds: () => 0 };
		let midway: { name: string; size: number }[] = [];
		setTimeout(() => (midway = ourFiles().map((name) => ({ name, size: statSync(`${tmpdir()}/${name}`).size }))), 900);
		const started = Date.now();
		let used = false;
		const { error } = await runInNode(credentialsFor(API), async (ctx) =>
			await withDownloadedFile(
				ctx,
				`${storage.url}/codes.zip`,
				ARCHIVE,
				0,
				async () => {
					used = true;
					return {};
				},
				{ retry: once, deadlineMs: 1500 },
			),
		);
		expect(error?.message).toBe(`Could not download the codes of work order 5: no complete answer from ${storage.url} within 1.5 s`);
		expect(Date.now() - started).toBeLessThan(4000);
		expect(used).toBe(false);
		// The body was being written to the file ...
		expect(midway).toHaveLength(1);
		expect(midway[0].size).toBeGreaterThanOrEqual(200_000);
		// ... which is gone, and the connection closed.
		expect(ourFiles()).toEqual([]);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(storage.seen[0].closedAt).toBeDefined();
	}, 15_000);

	it('starts the file afresh when an attempt is cut off and repeated', async () => {
		const body = noise(400_000);
		const storage = await serve((req, res) => {
			res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': String(body.length) });
			if (storage.seen.length > 1) res.end(body);
			// First attempt: half of the body, then the connection drops.
			else res.write(body.subarray(0, 250_000), () => setTimeout(() => res.destroy(), 100));
		});
		const twice = { maxAttempts: 2, maxWaitSeconds: 60, maxTotalWaitSeconds: 120, backoffSeconds: () => 0 };
		const { output, error } = await runInNode(credentialsFor(API), async (ctx) =>
			await withDownloadedFile(
				ctx,
				`${storage.url}/codes.zip`,
				ARCHIVE,
				0,
				async ({ path, size }) => ({ size, same: readFileSync(path).equals(body) }),
				{ retry: twice, deadlineMs: 10_000 },
			),
		);
		expect(error).toBeUndefined();
		expect(storage.seen).toHaveLength(2);
		expect(output[0].json).toEqual({ size: body.length, same: true });
		expect(ourFiles()).toEqual([]);
	});

	it('leaves no file behind when the link is refused (403), and says the link may have expired', async () => {
		const storage = await serve((req, res) =>
			res.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'),
		);
		const { error } = await runInNode(credentialsFor(API), async (ctx) => await withDownloadedFile(ctx, `${storage.url}/codes.zip`, ARCHIVE, 0, async () => ({})));
		expect(error?.message).toBe('Could not download the codes of work order 5: the server answered 403: AccessDenied: Request has expired');
		expect(String(error?.description)).toBe('The download link may have expired.');
		expect(ourFiles()).toEqual([]);
	});
});
