/**
 * The floor for splitting a codes archive: the least a script can do to turn a work order's zip into batch files.
 * It finds codes.csv through the zip's central directory, inflates it as a stream with zlib, and writes every 20,000
 * lines (after the first line when it is a header) to a file of their own with a header line. No CSV parsing, no
 * checks (no CRC, no size limit, no column count), no JSON: what is left is unzip, find line breaks, write files.
 *
 * Used by archiveBench (against our splitter, same process kind) and serverN8nBench (against the node in n8n, run
 * with n8n's own Node, downloading the archive from the sandbox like the node does).
 *
 *   node build/scripts/bench/floorSplit.js --url <codegen_file> | --zip <file>   [--out <folder>] [--lines 20000]
 * prints one JSON line: {downloadMs, splitMs, totalMs, zipBytes, lines, files, peakRssGrowthBytes}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export const FLOOR_BATCH_LINES = 20_000;
const HEADER = Buffer.from('extended_id,serial_number,sequence_number,batch,url\n');

/** codes.csv's packed bytes and compression method, found through the central directory (no checks). */
function codesEntry(zip: Buffer): { data: Buffer; method: number } {
	const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	let p = zip.readUInt32LE(eocd + 16);
	for (let i = zip.readUInt16LE(eocd + 10); i > 0; i--) {
		const nameLength = zip.readUInt16LE(p + 28);
		const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
		if (name === 'codes.csv' || name.endsWith('/codes.csv')) {
			const local = zip.readUInt32LE(p + 42);
			const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
			return { data: zip.subarray(start, start + zip.readUInt32LE(p + 20)), method: zip.readUInt16LE(p + 10) };
		}
		p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
	}
	throw new Error('no codes.csv in the archive');
}

/** Unzips codes.csv and writes it as files of `batchLines` lines each into outDir; returns lines and files. */
export async function floorSplit(zip: Buffer, outDir: string, batchLines = FLOOR_BATCH_LINES): Promise<{ lines: number; files: number }> {
	const { data, method } = codesEntry(zip);
	const source: AsyncIterable<Buffer> | Iterable<Buffer> =
		method === 0
			? [data]
			: (() => {
					const inflater = zlib.createInflateRaw({ chunkSize: 256 * 1024 });
					inflater.end(data);
					return inflater;
				})();
	let parts: Buffer[] = [HEADER];
	let linesInFile = 0;
	let lines = 0;
	let files = 0;
	let header: boolean | undefined;
	let writing: Promise<void> = Promise.resolve();
	const flush = async () => {
		const file = path.join(outDir, `batch-${++files}.csv`);
		const content = Buffer.concat(parts);
		parts = [HEADER];
		linesInFile = 0;
		await writing;
		writing = fs.promises.writeFile(file, content);
	};
	for await (const piece of source) {
		let from = 0;
		if (header === undefined) {
			// The first line is a header when it has a letter where the batch number goes: skip it.
			const end = piece.indexOf(0x0a);
			header = /[A-Za-z]/.test(piece.toString('latin1', 0, end).split(',')[3] ?? '');
			if (header) from = end + 1;
		}
		let at = from;
		for (;;) {
			const nl = piece.indexOf(0x0a, at);
			if (nl < 0) break;
			at = nl + 1;
			lines++;
			if (++linesInFile === batchLines) {
				parts.push(piece.subarray(from, at));
				from = at;
				await flush();
			}
		}
		if (from < piece.length) parts.push(piece.subarray(from));
	}
	if (linesInFile > 0) await flush();
	await writing;
	return { lines, files };
}

export interface FloorMeasurement {
	downloadMs: number;
	splitMs: number;
	totalMs: number;
	zipBytes: number;
	lines: number;
	files: number;
	/** VmHWM after the run minus VmRSS before it (Linux). */
	peakRssGrowthBytes: number;
}

function procKb(field: 'VmRSS' | 'VmHWM'): number {
	try {
		const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
		return match ? Number(match[1]) : 0;
	} catch {
		return 0;
	}
}

async function main(args: string[]): Promise<void> {
	const value = (name: string) => {
		const i = args.indexOf(name);
		return i >= 0 ? args[i + 1] : undefined;
	};
	const url = value('--url');
	const zipFile = value('--zip');
	if (!url && !zipFile) throw new Error('give --url <codegen_file> or --zip <file>');
	const ownOut = !value('--out');
	const outDir = value('--out') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'scantrust-floor-'));
	try {
		try {
			fs.writeFileSync('/proc/self/clear_refs', '5'); // VmHWM from here on
		} catch {
			// not Linux: the growth figure is then the peak since start
		}
		const rssBefore = procKb('VmRSS');
		const started = performance.now();
		let zip: Buffer;
		if (url) {
			const response = await fetch(url);
			if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
			zip = Buffer.from(await response.arrayBuffer());
		} else {
			zip = fs.readFileSync(zipFile!);
		}
		const downloaded = performance.now();
		const { lines, files } = await floorSplit(zip, outDir, Number(value('--lines') ?? FLOOR_BATCH_LINES));
		const done = performance.now();
		const measurement: FloorMeasurement = {
			downloadMs: downloaded - started,
			splitMs: done - downloaded,
			totalMs: done - started,
			zipBytes: zip.length,
			lines,
			files,
			peakRssGrowthBytes: (procKb('VmHWM') - rssBefore) * 1024,
		};
		process.stdout.write(JSON.stringify(measurement) + '\n');
	} finally {
		if (ownOut) fs.rmSync(outDir, { recursive: true, force: true });
	}
}

if (require.main === module) {
	main(process.argv.slice(2)).then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}
