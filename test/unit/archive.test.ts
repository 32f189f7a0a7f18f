import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import AdmZip from 'adm-zip';

import {
	DEFAULT_MAX_ENTRY_BYTES,
	DEFLATE_MAX_RATIO,
	inflateChunkBytes,
	openCodesArchive,
	type CodesArchive,
	type CodesArchiveLimits,
} from '../../nodes/Scantrust/codes/archive';
import { DataError } from '../../nodes/Scantrust/codes/DataError';
import { makeArchiveFrom, makeCodesArchive, makeCodesCsv } from '../../scripts/bench/codesArchiveFixture';

/** The archives of these tests are written here, each to a file of its own. */
let folder: string;
let written = 0;
beforeAll(() => {
	folder = mkdtempSync(join(tmpdir(), 'archive-test-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The zip written to a file, opened from there as the node does. */
async function openZip(zip: Uint8Array, limits?: CodesArchiveLimits): Promise<CodesArchive> {
	const path = join(folder, `${++written}.zip`);
	writeFileSync(path, zip);
	return await openCodesArchive(path, limits);
}

/** The error a promise rejects with, asserting it is a DataError. */
async function dataErrorOfAsync(promise: Promise<unknown>): Promise<DataError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(DataError);
		return error as DataError;
	}
	throw new Error('expected a DataError, nothing was thrown');
}

/** codes.csv streamed to its end, the pieces joined. */
async function unpack(archive: CodesArchive): Promise<Buffer> {
	const pieces: Buffer[] = [];
	for await (const piece of archive.codesCsv()) pieces.push(piece);
	return Buffer.concat(pieces);
}

interface CentralRecord {
	/** Offset of the central directory record. */
	central: number;
	/** Offset of the local header. */
	local: number;
	/** Offset of the (compressed) data. */
	data: number;
	compressedSize: number;
}

/** Finds an entry's records in a zip by its path, reading the central directory by hand. */
function locate(zip: Buffer, path: string): CentralRecord {
	const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	let p = zip.readUInt32LE(eocd + 16);
	for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
		const nameLength = zip.readUInt16LE(p + 28);
		const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
		if (name === path) {
			const local = zip.readUInt32LE(p + 42);
			return {
				central: p,
				local,
				data: local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28),
				compressedSize: zip.readUInt32LE(p + 20),
			};
		}
		p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
	}
	throw new Error(`${path} not in zip`);
}

/** Rewrites the declared uncompressed size of an entry (central directory and local header). */
function declareSize(zip: Buffer, path: string, size: number): Buffer {
	const copy = Buffer.from(zip);
	const at = locate(copy, path);
	copy.writeUInt32LE(size, at.central + 24);
	copy.writeUInt32LE(size, at.local + 22);
	return copy;
}

/** The same files, stored without compression. */
function storedCopy(zip: Buffer): Buffer {
	const stored = new AdmZip();
	for (const entry of new AdmZip(zip).getEntries()) {
		stored.addFile(entry.entryName, entry.getData());
		stored.getEntry(entry.entryName)!.header.method = 0;
	}
	return stored.toBuffer();
}

const FOLDER = 'work order 123 9f8e7d6c5b4a';

describe('openCodesArchive', () => {
	const csv = makeCodesCsv({ codes: 50, header: true });
	const zip = makeArchiveFrom(csv);

	it('finds the entries by file name inside a folder whose name has spaces', async () => {
		const archive = await openZip(zip);
		expect((await unpack(archive)).equals(csv)).toBe(true);
		expect(JSON.parse((await archive.manifest())!.toString('utf8')).workorder.id).toBe(123);
		const image = (await archive.sampleImage())!;
		expect(image.name).toBe('sample_qr.tiff');
		expect(image.data.subarray(0, 4)).toEqual(Buffer.from([0x49, 0x49, 0x2a, 0x00]));
		expect(archive.entries.map((e) => e.path).sort()).toEqual([
			`${FOLDER}/codes.csv`,
			`${FOLDER}/generate.exe`,
			`${FOLDER}/generate.txt`,
			`${FOLDER}/manifest.json`,
			`${FOLDER}/parameters.txt`,
			`${FOLDER}/sample_qr.tiff`,
		]);
		expect(archive.entries.find((e) => e.name === 'codes.csv')).toEqual({
			name: 'codes.csv',
			path: `${FOLDER}/codes.csv`,
			size: csv.length,
			compressedSize: expect.any(Number),
		});
	});

	it('finds entries at the root and in nested folders, whatever the folder is called', async () => {
		for (const folder of ['', 'renamed by the printer', 'outer/work order 9 x y']) {
			expect((await unpack(await openZip(makeArchiveFrom(csv, { folder })))).equals(csv)).toBe(true);
		}
	});

	it('ignores __MACOSX/ entries and directory entries', async () => {
		const archive = await openZip(makeArchiveFrom(csv, { folder: 'a/b', macResourceForks: true }));
		// __MACOSX/codes.csv sits nearer the root than a/b/codes.csv, and must still be ignored.
		expect((await unpack(archive)).equals(csv)).toBe(true);
		expect(archive.entries.some((e) => e.path.includes('__MACOSX') || e.path.endsWith('/'))).toBe(false);
	});

	it('matches file names case-insensitively, preferring the exact name', async () => {
		const z = new AdmZip();
		z.addFile('WO/CODES.CSV', Buffer.from('upper'));
		z.addFile('WO/sub/codes.csv', Buffer.from('exact'));
		expect((await unpack(await openZip(z.toBuffer()))).toString()).toBe('exact');
		const only = new AdmZip();
		only.addFile('WO/Codes.csv', Buffer.from('only'));
		only.addFile('WO/Sample_QR.png', Buffer.from('png'));
		const archive = await openZip(only.toBuffer());
		expect((await unpack(archive)).toString()).toBe('only');
		expect((await archive.sampleImage())!.name).toBe('Sample_QR.png');
		expect(await archive.manifest()).toBeUndefined();
	});

	it('reads stored (uncompressed) entries', async () => {
		const stored = storedCopy(zip);
		expect(locate(stored, `${FOLDER}/codes.csv`).compressedSize).toBe(csv.length);
		expect((await unpack(await openZip(stored))).equals(csv)).toBe(true);
	});

	it('rejects a zip without codes.csv, listing what it holds', async () => {
		const error = await dataErrorOfAsync(openZip(makeCodesArchive({ codes: 1, withoutCodes: true })));
		expect(error.message).toBe('The codes archive has no codes.csv');
		expect(error.description).toContain(`${FOLDER}/manifest.json`);
		expect(error.description).toContain('codegen_file');
	});

	it('rejects bytes that are not a zip', async () => {
		const html = Buffer.from('<html><body>403 Forbidden</body></html>');
		const error = await dataErrorOfAsync(openZip(html));
		expect(error.message).toBe('The codes archive is not a zip file');
		expect(error.description).toContain('<html><body>403 Forbidden');
		expect(error.description).toContain('Download the work order again');
		expect((await dataErrorOfAsync(openZip(Buffer.alloc(0)))).message).toBe('The codes archive is empty (0 bytes)');
		expect((await dataErrorOfAsync(openZip(csv))).message).toBe('The codes archive is not a zip file');
	});

	it('rejects a truncated zip', async () => {
		for (const length of [zip.length - 1, zip.length - 30, Math.floor(zip.length / 2), 10]) {
			const error = await dataErrorOfAsync(openZip(zip.subarray(0, length)));
			expect(error.message).toBe('The codes archive is incomplete: the zip file is cut off before its end');
			expect(error.description).toContain('Download the work order again');
		}
	});

	it('rejects a zip whose table of contents points outside the file', async () => {
		const broken = Buffer.from(zip);
		const eocd = broken.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
		broken.writeUInt32LE(broken.length, eocd + 16);
		expect((await dataErrorOfAsync(openZip(broken))).message).toMatch(/^The codes archive is damaged: /);
	});

	it('rejects corrupted compressed data (inflate error or CRC mismatch)', async () => {
		const at = locate(zip, `${FOLDER}/codes.csv`);
		// Flip bytes at several places of the deflated data: each must be caught (inflate error, size or CRC mismatch).
		for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9]) {
			const corrupted = Buffer.from(zip);
			const i = at.data + Math.floor(at.compressedSize * fraction);
			corrupted[i] ^= 0xff;
			corrupted[i + 1] ^= 0x55;
			const archive = await openZip(corrupted); // the directory is intact
			expect((await dataErrorOfAsync(unpack(archive))).message).toMatch(/^The codes archive is damaged: .*codes\.csv/);
		}
		// Not deflate data at all (reserved block type): zlib's error, named.
		const garbage = Buffer.from(zip);
		garbage[at.data] = 0x07;
		expect((await dataErrorOfAsync(unpack(await openZip(garbage)))).message).toMatch(
			/^The codes archive is damaged: "work order 123 9f8e7d6c5b4a\/codes\.csv" cannot be unpacked \(.*invalid block type.*\)$/,
		);
		// Data intact, checksum wrong.
		const badCrc = Buffer.from(zip);
		badCrc.writeUInt32LE(badCrc.readUInt32LE(at.central + 16) ^ 1, at.central + 16);
		expect((await dataErrorOfAsync(unpack(await openZip(badCrc)))).message).toBe(
			`The codes archive is damaged: the checksum (CRC-32) of "${FOLDER}/codes.csv" does not match its content`,
		);
	});

	it('rejects an entry whose local header is missing', async () => {
		const broken = Buffer.from(zip);
		broken[locate(broken, `${FOLDER}/codes.csv`).local] = 0;
		expect((await dataErrorOfAsync(unpack(await openZip(broken)))).message).toBe(
			`The codes archive is damaged: the header of "${FOLDER}/codes.csv" is missing`,
		);
	});

	it('catches a flipped byte in a stored entry through the CRC', async () => {
		const stored = storedCopy(zip);
		const at = locate(stored, `${FOLDER}/codes.csv`);
		stored[at.data + 100] ^= 0x01;
		const error = await dataErrorOfAsync(unpack(await openZip(stored)));
		expect(error.message).toBe(
			`The codes archive is damaged: the checksum (CRC-32) of "${FOLDER}/codes.csv" does not match its content`,
		);
	});

	it('rejects an entry whose declared size exceeds the limit, before inflating anything', async () => {
		const error = await dataErrorOfAsync(openZip(zip, { maxEntryBytes: 1000 }));
		expect(error.message).toBe(
			`The file "${FOLDER}/codes.csv" in the codes archive is too large: it declares an unpacked size of ${csv.length.toLocaleString('en-US')} bytes, the limit is 1,000 bytes`,
		);
		expect(error.description).toContain('zip bombs');
		// A declared 4 GB is refused with the default limit.
		const huge = declareSize(zip, `${FOLDER}/codes.csv`, 0xfffffff0);
		expect((await dataErrorOfAsync(openZip(huge))).message).toMatch(/declares an unpacked size of 4,294,967,280 bytes/);
		// The limit applies to every entry, when it is read.
		const tiny = await openZip(makeArchiveFrom(Buffer.from('id,,1,1,url\n')), { maxEntryBytes: 100 });
		expect((await unpack(tiny)).toString()).toBe('id,,1,1,url\n');
		expect((await dataErrorOfAsync(tiny.manifest())).message).toMatch(/"work order 123 9f8e7d6c5b4a\/manifest.json" .* too large/);
	});

	it('stops inflating at the limit when the header under-declares the size (zip bomb)', async () => {
		const bomb = new AdmZip();
		bomb.addFile('wo/codes.csv', Buffer.alloc(5_000_000, 0x41)); // 5 MB of "A" deflates to a few KB
		const lying = declareSize(bomb.toBuffer(), 'wo/codes.csv', 100);
		const archive = await openZip(lying, { maxEntryBytes: 64 * 1024, chunkBytes: 16 * 1024 });
		// The stream hands on no more than the limit, then fails.
		let handedOn = 0;
		const error = await dataErrorOfAsync(
			(async () => {
				for await (const piece of archive.codesCsv()) handedOn += piece.length;
			})(),
		);
		expect(error.message).toBe(
			'The file "wo/codes.csv" in the codes archive is too large: it unpacks to more than 65,536 bytes, the limit is 65,536 bytes',
		);
		expect(error.description).toContain('zip bombs');
		expect(handedOn).toBeLessThanOrEqual(64 * 1024);
		// Under the limit, the lie is still caught: the unpacked size differs from the declared one.
		const small = new AdmZip();
		small.addFile('wo/codes.csv', Buffer.alloc(1000, 0x41));
		const error2 = await dataErrorOfAsync(unpack(await openZip(declareSize(small.toBuffer(), 'wo/codes.csv', 10))));
		expect(error2.message).toBe('The codes archive is damaged: "wo/codes.csv" unpacks to 1000 bytes but its header says 10');
		// The same limit for the small entries read at once.
		const manifestBomb = new AdmZip();
		manifestBomb.addFile('wo/codes.csv', Buffer.from('id,,1,1,u\n'));
		manifestBomb.addFile('wo/manifest.json', Buffer.alloc(5_000_000, 0x20));
		const lyingManifest = await openZip(declareSize(manifestBomb.toBuffer(), 'wo/manifest.json', 100), { maxEntryBytes: 64 * 1024 });
		expect((await dataErrorOfAsync(lyingManifest.manifest())).message).toBe(
			'The file "wo/manifest.json" in the codes archive is too large: it unpacks to more than 65,536 bytes, the limit is 65,536 bytes',
		);
	});

	it('unpacks codes.csv piece by piece: pieces of at most chunkBytes, never far ahead of the reader', async () => {
		const MB = 1024 * 1024;
		const z = new AdmZip();
		z.addFile('wo/codes.csv', makeCodesCsv({ codes: 600_000 })); // about 40 MB unpacked
		const zipped = z.toBuffer();
		const unpacked = (await openZip(zipped)).entries[0].size;
		expect(unpacked).toBeGreaterThan(30 * MB);
		const archive = await openZip(zipped, { chunkBytes: 64 * 1024 });
		const before = process.memoryUsage().arrayBuffers;
		const pieces = archive.codesCsv()[Symbol.asyncIterator]();
		const first = await pieces.next();
		expect(first.value.length).toBe(64 * 1024);
		// A reader that takes its time: the inflater waits instead of unpacking the rest into memory.
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * MB);
		let largest = first.value.length;
		let total = first.value.length;
		for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
			largest = Math.max(largest, next.value.length);
			total += next.value.length;
		}
		expect(largest).toBe(64 * 1024);
		expect(total).toBe(unpacked);
	});

	it('stops inflating when the reader stops early', async () => {
		const z = new AdmZip();
		z.addFile('wo/codes.csv', makeCodesCsv({ codes: 100_000 }));
		const archive = await openZip(z.toBuffer(), { chunkBytes: 64 * 1024 });
		let pieces = 0;
		for await (const piece of archive.codesCsv()) {
			expect(piece.length).toBeGreaterThan(0);
			if (++pieces === 2) break;
		}
		// Opened again, it starts from the beginning.
		const again = await unpack(archive);
		expect(again.equals(makeCodesCsv({ codes: 100_000 }))).toBe(true);
	});

	it('sizes the inflate buffer by what the packed bytes can produce, not by the declared size', () => {
		const MB = 1024 * 1024;
		// A 200-byte entry declaring 900 MB gets at most 200 * 1032 bytes (+1), not 900 MB.
		expect(inflateChunkBytes({ size: 900 * MB, compressedSize: 200 }, DEFAULT_MAX_ENTRY_BYTES)).toBe(200 * DEFLATE_MAX_RATIO + 1);
		// An honest entry gets one buffer of its size (+1): no second buffer, no concatenation.
		expect(inflateChunkBytes({ size: 70 * MB, compressedSize: 12 * MB }, DEFAULT_MAX_ENTRY_BYTES)).toBe(70 * MB + 1);
		// Never more than the limit, never less than 64 KiB.
		expect(inflateChunkBytes({ size: 900 * MB, compressedSize: 100 * MB }, 10 * MB)).toBe(10 * MB + 1);
		expect(inflateChunkBytes({ size: 10, compressedSize: 5 }, DEFAULT_MAX_ENTRY_BYTES)).toBe(64 * 1024);
	});

	it('does not reserve the memory a lying header declares', async () => {
		const small = new AdmZip();
		small.addFile('wo/codes.csv', Buffer.alloc(1000, 0x41));
		small.addFile('wo/manifest.json', Buffer.alloc(1000, 0x20));
		const declared = 400 * 1024 * 1024; // under the default limit, so only the real inflate stands in the way
		const lying = declareSize(declareSize(small.toBuffer(), 'wo/codes.csv', declared), 'wo/manifest.json', declared);
		const archive = await openZip(lying);
		const before = process.memoryUsage().arrayBuffers;
		const error = await dataErrorOfAsync(unpack(archive));
		const manifestError = await dataErrorOfAsync(archive.manifest());
		const grown = process.memoryUsage().arrayBuffers - before;
		expect(error.message).toBe(`The codes archive is damaged: "wo/codes.csv" unpacks to 1000 bytes but its header says ${declared}`);
		expect(manifestError.message).toBe(`The codes archive is damaged: "wo/manifest.json" unpacks to 1000 bytes but its header says ${declared}`);
		expect(grown).toBeLessThan(16 * 1024 * 1024);
	});

	it('reads an entry packed at close to the best deflate ratio', async () => {
		const z = new AdmZip();
		const content = Buffer.alloc(5_000_000, 0x41);
		z.addFile('wo/codes.csv', content);
		const zipped = z.toBuffer();
		expect(locate(zipped, 'wo/codes.csv').compressedSize).toBeLessThan(content.length / 500);
		expect((await unpack(await openZip(zipped))).equals(content)).toBe(true);
	});

	it('rejects an entry whose actual size exceeds the limit although it declares less', async () => {
		const z = new AdmZip();
		z.addFile('wo/codes.csv', Buffer.alloc(300_000, 0x41));
		const lying = declareSize(z.toBuffer(), 'wo/codes.csv', 1000);
		expect((await dataErrorOfAsync(unpack(await openZip(lying, { maxEntryBytes: 100_000 })))).message).toBe(
			'The file "wo/codes.csv" in the codes archive is too large: it unpacks to more than 100,000 bytes, the limit is 100,000 bytes',
		);
	});

	it('has a default limit of 512 MiB per entry', async () => {
		expect(DEFAULT_MAX_ENTRY_BYTES).toBe(512 * 1024 * 1024);
		const big = declareSize(zip, `${FOLDER}/codes.csv`, DEFAULT_MAX_ENTRY_BYTES + 1);
		expect((await dataErrorOfAsync(openZip(big))).message).toMatch(/declares an unpacked size of 536,870,913 bytes, the limit is 536,870,912 bytes/);
	});

	it('rejects a stored entry larger than the limit', async () => {
		const z = new AdmZip();
		z.addFile('wo/codes.csv', Buffer.alloc(5000, 0x41));
		const stored = declareSize(storedCopy(z.toBuffer()), 'wo/codes.csv', 10);
		expect((await dataErrorOfAsync(unpack(await openZip(stored, { maxEntryBytes: 1000 })))).message).toMatch(
			/too large: it unpacks to 5,000 bytes, the limit is 1,000 bytes/,
		);
	});

	it('rejects password-protected entries and unknown compression methods', async () => {
		const encrypted = Buffer.from(zip);
		const at = locate(encrypted, `${FOLDER}/codes.csv`);
		encrypted.writeUInt16LE(encrypted.readUInt16LE(at.central + 8) | 1, at.central + 8);
		expect((await dataErrorOfAsync(unpack(await openZip(encrypted)))).message).toMatch(/password-protected/);
		const bzip2 = Buffer.from(zip);
		bzip2.writeUInt16LE(12, at.central + 10);
		expect((await dataErrorOfAsync(unpack(await openZip(bzip2)))).message).toMatch(
			/unsupported compression method \(12\)/,
		);
	});

	it('reads an empty entry', async () => {
		const z = new AdmZip();
		z.addFile('wo/codes.csv', Buffer.from('x'));
		z.addFile('wo/manifest.json', Buffer.alloc(0));
		expect((await (await openZip(z.toBuffer())).manifest())!.length).toBe(0);
	});
});
