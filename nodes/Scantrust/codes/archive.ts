/**
 * The work order's codes archive (a zip), read from a file: only its table of contents and the entries asked for
 * are read, so memory does not grow with the archive.
 *
 * Entries are found by FILE NAME, whatever folder they sit in: Scantrust puts them in a folder named like
 * `work order 123 abc/`, and people rename it. `__MACOSX/` resource forks and directory entries are ignored.
 * Nothing is extracted to disk; an entry is inflated only when asked for, and codes.csv (millions of lines) only
 * piece by piece, so that its unpacked size never sits in memory at once.
 *
 * The zip's central directory is read here directly (a few dozen lines) rather than through a zip library, so that
 * every check that matters sits in one place: the declared size of an entry is checked against the limit before
 * anything is allocated, inflation stops at the limit whatever the headers say (zip-bomb guard), and the inflated
 * bytes are checked against the declared size and CRC-32. Every problem is a DataError saying what is wrong and
 * what to do.
 */
import { constants as bufferConstants } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';

import { DataError } from './DataError';

/**
 * Default cap on one entry's unpacked size: 512 MiB. A 1,000,000-code work order's codes.csv unpacks to about
 * 70 MB, so this leaves room for about 7 million codes. codes.csv is unpacked as a stream, so the cap bounds the work
 * a damaged or hostile archive ("zip bomb") can cause; the small entries read at once are held in memory up to it.
 */
export const DEFAULT_MAX_ENTRY_BYTES = 512 * 1024 * 1024;

/**
 * Deflate's best case: a 258-byte match coded in 2 bits, so 1 packed byte unpacks to at most 4 * 258 = 1032 bytes
 * (RFC 1951). A stored entry unpacks to exactly its packed size.
 */
export const DEFLATE_MAX_RATIO = 1032;

/** Smallest output buffer handed to zlib (its own default is 16 KiB). */
const MIN_INFLATE_CHUNK = 64 * 1024;
/** zlib refuses output buffers below 64 bytes. */
const MIN_ZLIB_CHUNK = 64;

/** Size of the pieces codes.csv is unpacked in: big enough to keep per-piece overhead low, small beside a batch. */
const DEFAULT_STREAM_CHUNK_BYTES = 256 * 1024;
/** Size of the reads of packed bytes from the file: few, long inputs for zlib (smaller ones cost time), still small. */
const FILE_READ_BYTES = 1024 * 1024;

export interface CodesArchiveLimits {
	/** Largest unpacked size allowed for one entry, both as declared in the zip headers and as actually inflated. */
	maxEntryBytes?: number;
	/** Largest size of the pieces codesCsv() yields. */
	chunkBytes?: number;
}

export interface ArchiveEntryInfo {
	/** File name without folders, e.g. `codes.csv`. */
	name: string;
	/** Full path inside the zip, e.g. `work order 123 abc/codes.csv`. */
	path: string;
	/** Unpacked size as declared in the zip's central directory. */
	size: number;
	compressedSize: number;
}

export interface CodesArchive {
	/** The files of the archive (no directories, no `__MACOSX/` entries), in archive order. */
	readonly entries: readonly ArchiveEntryInfo[];
	/**
	 * `codes.csv` (its presence is checked when the archive is opened), unpacked piece by piece as the pieces are
	 * consumed. The size limit, the declared size and the CRC-32 are checked as the pieces come and at the end: a
	 * consumer has read good data only once the iteration has ended without an error.
	 */
	codesCsv(): AsyncIterable<Buffer>;
	/** The unpacked `manifest.json`, if the archive has one. */
	manifest(): Promise<Buffer | undefined>;
	/** The reference image: `sample_qr.tiff`, else any `sample_qr.*`. */
	sampleImage(): Promise<{ name: string; data: Buffer } | undefined>;
}

interface ZipEntry extends ArchiveEntryInfo {
	flags: number;
	method: number;
	crc: number;
	localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const MAX_32 = 0xffffffff;

const DOWNLOAD_AGAIN =
	'Download the work order again (the download may have been cut off). If it keeps failing, download the archive from the Scantrust portal and check that it opens; then contact Scantrust support.';

/** The zip in the file at `path` (which must stay in place while the archive is read); its table of contents is read here. */
export async function openCodesArchive(path: string, limits: CodesArchiveLimits = {}): Promise<CodesArchive> {
	const maxEntryBytes = Math.min(limits.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES, bufferConstants.MAX_LENGTH);
	const chunkBytes = Math.max(1, limits.chunkBytes ?? DEFAULT_STREAM_CHUNK_BYTES);
	const entries = await withFile(path, readCentralDirectory);

	const find = (name: string): ZipEntry | undefined => findByName(entries, name);
	const read = async (entry: ZipEntry): Promise<Buffer> => await withFile(path, async (zip) => await readEntry(zip, entry, maxEntryBytes));

	const codes = find('codes.csv');
	if (!codes) {
		const found = entries.map((e) => e.path);
		throw new DataError(
			'The codes archive has no codes.csv',
			`Expected a file named codes.csv (in any folder) in the work order's zip. ${
				found.length ? `The archive holds: ${listForHumans(found)}.` : 'The archive holds no files.'
			} Check that this is the codes archive of a work order whose codes were generated (codegen_file), not another zip.`,
		);
	}
	// Fail early, before anything is inflated, if the headers already announce too much.
	checkDeclaredSize(codes, maxEntryBytes);

	return {
		entries: entries.map(({ name, path, size, compressedSize }) => ({ name, path, size, compressedSize })),
		codesCsv: () => streamEntry(path, codes, maxEntryBytes, chunkBytes),
		async manifest() {
			const entry = find('manifest.json');
			return entry && (await read(entry));
		},
		async sampleImage() {
			const entry =
				find('sample_qr.tiff') ??
				find('sample_qr.tif') ??
				entries.find((e) => /^sample_qr\.[^.]+$/i.test(e.name));
			return entry && { name: entry.name, data: await read(entry) };
		},
	};
}

/** Exact name first, then case-insensitive; among equals the one nearest the root, then archive order. */
function findByName(entries: readonly ZipEntry[], name: string): ZipEntry | undefined {
	const lower = name.toLowerCase();
	let best: ZipEntry | undefined;
	let bestRank = Infinity;
	for (const entry of entries) {
		const exact = entry.name === name;
		if (!exact && entry.name.toLowerCase() !== lower) continue;
		const rank = depth(entry.path) + (exact ? 0 : 0x10000);
		if (rank < bestRank) {
			best = entry;
			bestRank = rank;
		}
	}
	return best;
}

function depth(path: string): number {
	let n = 0;
	for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 0x2f) n++;
	return n;
}

/** The zip file open for reading, with its size. */
interface ZipFile {
	handle: FileHandle;
	size: number;
}

async function withFile<T>(path: string, use: (zip: ZipFile) => Promise<T>): Promise<T> {
	const handle = await open(path, 'r');
	try {
		return await use({ handle, size: (await handle.stat()).size });
	} finally {
		await handle.close();
	}
}

/** `length` bytes at `position`, fewer where the file ends. */
async function readAt(zip: ZipFile, position: number, length: number): Promise<Buffer> {
	const wanted = Math.max(0, Math.min(length, zip.size - position));
	const buffer = Buffer.alloc(wanted);
	let done = 0;
	while (done < wanted) {
		const { bytesRead } = await zip.handle.read(buffer, done, wanted - done, position + done);
		if (bytesRead === 0) break;
		done += bytesRead;
	}
	return done === wanted ? buffer : buffer.subarray(0, done);
}

async function readCentralDirectory(zip: ZipFile): Promise<ZipEntry[]> {
	if (zip.size === 0) {
		throw new DataError('The codes archive is empty (0 bytes)', DOWNLOAD_AGAIN);
	}
	// The end record, its comment and the ZIP64 locator before it all sit in the file's last 64 KiB and a bit.
	const tailStart = Math.max(0, zip.size - EOCD_SIZE - 0xffff - 20);
	const tail = await readAt(zip, tailStart, zip.size - tailStart);
	const end = findEndOfCentralDirectory(tail);
	if (end < 0) {
		const head = await readAt(zip, 0, 40);
		const zipStart = head.length >= 4 && head.readUInt32LE(0) === SIG_LOCAL;
		throw new DataError(
			zipStart ? 'The codes archive is incomplete: the zip file is cut off before its end' : 'The codes archive is not a zip file',
			zipStart
				? DOWNLOAD_AGAIN
				: `The file does not start or end like a zip archive${describeStart(head)}. Check that the download returned the work order's codes archive (codegen_file) and not an error page. ${DOWNLOAD_AGAIN}`,
		);
	}
	let count = tail.readUInt16LE(end + 10);
	let size = tail.readUInt32LE(end + 12);
	let offset = tail.readUInt32LE(end + 16);
	if (count === 0xffff || size === MAX_32 || offset === MAX_32) {
		// ZIP64: the real figures are in the ZIP64 end record, found through its locator just before.
		const locator = end - 20;
		if (locator >= 0 && tail.readUInt32LE(locator) === SIG_EOCD64_LOCATOR) {
			const end64 = readUInt64(tail, locator + 8);
			const record = await readAt(zip, end64, 56);
			if (record.length < 56 || record.readUInt32LE(0) !== SIG_EOCD64) {
				throw damaged('its ZIP64 end record is missing');
			}
			count = readUInt64(record, 32);
			size = readUInt64(record, 40);
			offset = readUInt64(record, 48);
		}
	}
	if (offset + size > zip.size || count * CENTRAL_SIZE > size) {
		throw damaged('its table of contents lies outside the file');
	}

	// From the table of contents to the end of the file: a record may run past the declared size, not past the file.
	const directory = await readAt(zip, offset, zip.size - offset);
	const entries: ZipEntry[] = [];
	let p = 0;
	for (let i = 0; i < count; i++) {
		if (p + CENTRAL_SIZE > directory.length || directory.readUInt32LE(p) !== SIG_CENTRAL) {
			throw damaged(`entry ${i + 1} of its table of contents is unreadable`);
		}
		const flags = directory.readUInt16LE(p + 8);
		const nameLength = directory.readUInt16LE(p + 28);
		const extraLength = directory.readUInt16LE(p + 30);
		const commentLength = directory.readUInt16LE(p + 32);
		const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
		if (next > directory.length) throw damaged(`entry ${i + 1} of its table of contents is cut off`);
		// Bit 11: name in UTF-8. Otherwise CP437, identical to UTF-8 for the ASCII names we look for.
		const path = directory.toString('utf8', p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength).replace(/\\/g, '/');
		const entry: ZipEntry = {
			name: path.slice(path.lastIndexOf('/') + 1),
			path,
			flags,
			method: directory.readUInt16LE(p + 10),
			crc: directory.readUInt32LE(p + 16),
			compressedSize: directory.readUInt32LE(p + 20),
			size: directory.readUInt32LE(p + 24),
			localHeaderOffset: directory.readUInt32LE(p + 42),
		};
		readZip64Extra(directory, p + CENTRAL_SIZE + nameLength, extraLength, entry);
		p = next;
		if (entry.name === '' || /(^|\/)__MACOSX\//.test(path)) continue; // directory or macOS resource fork
		entries.push(entry);
	}
	return entries;
}

/** In the file's tail: the last end-of-central-directory record whose comment length matches the end of the file. */
function findEndOfCentralDirectory(tail: Buffer): number {
	for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
		if (tail[i] === 0x50 && tail.readUInt32LE(i) === SIG_EOCD) {
			if (i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) return i;
		}
	}
	// Tolerate trailing bytes after the record (some tools pad), as long as a record exists at all.
	const loose = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	return loose >= 0 && loose + EOCD_SIZE <= tail.length ? loose : -1;
}

/** ZIP64 extended information (header id 1): 64-bit values for the 32-bit fields that hold 0xFFFFFFFF. */
function readZip64Extra(zip: Buffer, start: number, length: number, entry: ZipEntry): void {
	let p = start;
	const end = start + length;
	while (p + 4 <= end) {
		const id = zip.readUInt16LE(p);
		const size = zip.readUInt16LE(p + 2);
		if (id === 0x0001) {
			let q = p + 4;
			const fieldEnd = Math.min(q + size, end);
			if (entry.size === MAX_32 && q + 8 <= fieldEnd) {
				entry.size = readUInt64(zip, q);
				q += 8;
			}
			if (entry.compressedSize === MAX_32 && q + 8 <= fieldEnd) {
				entry.compressedSize = readUInt64(zip, q);
				q += 8;
			}
			if (entry.localHeaderOffset === MAX_32 && q + 8 <= fieldEnd) {
				entry.localHeaderOffset = readUInt64(zip, q);
			}
			return;
		}
		p += 4 + size;
	}
}

/** Where the packed bytes of an entry lie in the file, after the checks that need no inflating. */
async function packedRange(zip: ZipFile, entry: ZipEntry, maxEntryBytes: number): Promise<{ start: number; end: number }> {
	checkDeclaredSize(entry, maxEntryBytes);
	if (entry.flags & 0x0001) {
		throw new DataError(
			`The file "${entry.path}" in the codes archive is password-protected`,
			'Encrypted archives cannot be read. Use the archive exactly as Scantrust delivers it.',
		);
	}
	const local = await readAt(zip, entry.localHeaderOffset, LOCAL_SIZE);
	if (local.length < LOCAL_SIZE || local.readUInt32LE(0) !== SIG_LOCAL) {
		throw damaged(`the header of "${entry.path}" is missing`);
	}
	const start = entry.localHeaderOffset + LOCAL_SIZE + local.readUInt16LE(26) + local.readUInt16LE(28);
	const end = start + entry.compressedSize;
	if (end > zip.size) throw damaged(`"${entry.path}" is cut off`);
	if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
		throw new DataError(
			`The file "${entry.path}" in the codes archive uses an unsupported compression method (${entry.method})`,
			'Only stored and deflated zip entries can be read (what Scantrust and all common zip tools produce). Use the archive exactly as Scantrust delivers it.',
		);
	}
	if (entry.method === METHOD_STORED && entry.compressedSize > maxEntryBytes) {
		throw tooLarge(entry, maxEntryBytes, 'unpacks to', entry.compressedSize);
	}
	return { start, end };
}

/** A small entry (manifest, sample image), unpacked at once. */
async function readEntry(zip: ZipFile, entry: ZipEntry, maxEntryBytes: number): Promise<Buffer> {
	const { start, end } = await packedRange(zip, entry, maxEntryBytes);
	if (entry.size === 0 && entry.compressedSize <= 2) return Buffer.alloc(0); // empty file (stored, or an empty deflate stream)
	const packed = await readAt(zip, start, end - start);
	const data = entry.method === METHOD_STORED ? packed : inflate(packed, entry, maxEntryBytes);
	checkUnpacked(entry, data.length, crc32(data));
	return data;
}

/**
 * An entry unpacked piece by piece as the file is read: at most one piece ahead of the consumer (the file and zlib's
 * streams wait while their output is not read), so memory stays at a piece or two whatever the entry's size.
 * Inflation stops at the limit whatever the headers say; size and CRC-32 are checked once the last piece is out.
 */
async function* streamEntry(path: string, entry: ZipEntry, maxEntryBytes: number, chunkBytes: number): AsyncGenerator<Buffer> {
	const { start, end } = await withFile(path, async (zip) => await packedRange(zip, entry, maxEntryBytes));
	const packed = () => createReadStream(path, { start, end: end - 1, highWaterMark: entry.method === METHOD_STORED ? chunkBytes : FILE_READ_BYTES });
	let size = 0;
	let crc = 0;
	if (entry.method === METHOD_STORED) {
		if (end > start) {
			const source = packed();
			try {
				for await (const piece of source as AsyncIterable<Buffer>) {
					size += piece.length;
					crc = crc32(piece, crc);
					yield piece;
				}
			} finally {
				source.destroy();
			}
		}
	} else if (!(entry.size === 0 && entry.compressedSize <= 2)) {
		const inflater = zlib.createInflateRaw({ chunkSize: Math.max(MIN_ZLIB_CHUNK, chunkBytes) });
		const source = end > start ? packed() : undefined;
		if (source) {
			source.once('error', (error) => inflater.destroy(error));
			source.pipe(inflater);
		} else {
			inflater.end();
		}
		try {
			for await (const piece of inflater as AsyncIterable<Buffer>) {
				size += piece.length;
				if (size > maxEntryBytes) break;
				crc = crc32(piece, crc);
				yield piece;
			}
		} catch (error) {
			throw damaged(`"${entry.path}" cannot be unpacked (${(error as Error).message})`);
		} finally {
			source?.destroy();
			inflater.destroy();
		}
		// Whatever the headers say, never inflate more than the limit.
		if (size > maxEntryBytes) throw tooLarge(entry, maxEntryBytes, 'unpacks to more than', maxEntryBytes);
	}
	checkUnpacked(entry, size, crc);
}

function checkUnpacked(entry: ZipEntry, size: number, crc: number): void {
	if (size !== entry.size) throw damaged(`"${entry.path}" unpacks to ${size} bytes but its header says ${entry.size}`);
	if (crc !== entry.crc) throw damaged(`the checksum (CRC-32) of "${entry.path}" does not match its content`);
}

/**
 * The first output buffer for inflating an entry: its declared size (+1, so that zlib needs no second buffer to
 * learn it is done: no chunk list, no concatenation copy), but never more than the packed bytes can produce nor the
 * limit. The declared size is only a claim: a 200-byte entry declaring 400 MB gets a few hundred KB, and zlib adds
 * buffers of that size should the data really be larger.
 */
export function inflateChunkBytes(entry: { size: number; compressedSize: number }, maxEntryBytes: number): number {
	const producible = entry.compressedSize * DEFLATE_MAX_RATIO;
	return Math.max(MIN_INFLATE_CHUNK, Math.min(entry.size, producible, maxEntryBytes) + 1);
}

function inflate(packed: Buffer, entry: ZipEntry, maxEntryBytes: number): Buffer {
	try {
		return zlib.inflateRawSync(packed, {
			chunkSize: inflateChunkBytes(entry, maxEntryBytes),
			// Whatever the headers say, never inflate more than the limit.
			maxOutputLength: Math.max(1, maxEntryBytes),
		});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
			throw tooLarge(entry, maxEntryBytes, 'unpacks to more than', maxEntryBytes);
		}
		throw damaged(`"${entry.path}" cannot be unpacked (${(error as Error).message})`);
	}
}

function checkDeclaredSize(entry: ZipEntry, maxEntryBytes: number): void {
	if (entry.size > maxEntryBytes) throw tooLarge(entry, maxEntryBytes, 'declares an unpacked size of', entry.size);
}

function tooLarge(entry: ZipEntry, maxEntryBytes: number, what: string, bytes: number): DataError {
	return new DataError(
		`The file "${entry.path}" in the codes archive is too large: it ${what} ${formatBytes(bytes)}, the limit is ${formatBytes(maxEntryBytes)}`,
		'The limit protects the memory of n8n against damaged or malicious archives ("zip bombs"). A work order of 1,000,000 codes unpacks to about 70 MB. Check that the archive comes from Scantrust; if it does, contact Scantrust support.',
	);
}

function damaged(detail: string): DataError {
	return new DataError(`The codes archive is damaged: ${detail}`, DOWNLOAD_AGAIN);
}

function describeStart(start: Buffer): string {
	const head = start.toString('latin1', 0, Math.min(start.length, 40)).replace(/[^\x20-\x7e]/g, '.');
	return ` (it starts with "${head}")`;
}

function formatBytes(bytes: number): string {
	return `${bytes.toLocaleString('en-US')} bytes`;
}

function listForHumans(items: string[]): string {
	const shown = items.slice(0, 10).join(', ');
	return items.length > 10 ? `${shown} and ${items.length - 10} more` : shown;
}

function readUInt64(buf: Buffer, offset: number): number {
	return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * 0x100000000;
}

/** CRC-32 of data, continuing from the CRC of the bytes before it (0 for none); zlib has it from Node 20.15 on. */
function crc32(data: Uint8Array, previous = 0): number {
	return zlib.crc32(data, previous);
}
