/**
 * Builds codes.csv files and codes archives in the layout of SPEC section 3, for the unit tests
 * (test/unit/archive.test.ts, codesCsv.test.ts). The benchmarks take their archives from the sandbox (sandboxWorkOrder.ts).
 *
 * Row shape: `<extended id>,<serial>,<sequence>,<batch>,HTTPS://QR2.CH/Q/<extended id>`, for example
 * `k3v9q0m2x7c4b1n,00000042,0000042,1,HTTPS://QR2.CH/Q/k3v9q0m2x7c4b1n`: about 70 bytes a code.
 */
import AdmZip from 'adm-zip';

export const BATCH_SIZE = 20_000;

export interface CodesCsvOptions {
	/** Number of codes. */
	codes: number;
	/** Codes per batch (Scantrust: at most 20,000). */
	batchSize?: number;
	/** First line `extended_id,serial_number,sequence_number,batch,url`. Default false. */
	header?: boolean;
	/** Fill column 2 (zero-padded to 8 digits). Default true; false leaves it empty. */
	serialNumbers?: boolean;
	lineEnding?: '\n' | '\r\n';
	/** Start with a UTF-8 byte order mark. */
	bom?: boolean;
	/** Quote every value (`"..."`), as some CSV writers do. */
	quoteAll?: boolean;
	/** End with a line break. Default true. */
	trailingNewline?: boolean;
}

export interface CodesArchiveOptions extends CodesCsvOptions {
	workOrderId?: number;
	/** Folder the files sit in; default `work order <id> <key>`. Empty string: files at the root. */
	folder?: string;
	/** Add `__MACOSX/` resource-fork entries, as a zip re-made on a Mac holds. */
	macResourceForks?: boolean;
	/** Leave out codes.csv. */
	withoutCodes?: boolean;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The i-th extended ID (15 characters, deterministic). */
export function extendedIdOf(i: number): string {
	// xorshift seeded by the index: looks random, compresses like real IDs, same on every run.
	let x = (i + 1) * 0x9e3779b1;
	let id = '';
	for (let k = 0; k < 15; k++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		id += ALPHABET[(x >>> 0) % 36];
	}
	return id;
}

export function makeCodesCsv(options: CodesCsvOptions): Buffer {
	const { codes, batchSize = BATCH_SIZE, serialNumbers = true, lineEnding = '\n', trailingNewline = true } = options;
	const quote = options.quoteAll ? (v: string) => `"${v}"` : (v: string) => v;
	const lines: string[] = [];
	if (options.header) {
		lines.push(['extended_id', 'serial_number', 'sequence_number', 'batch', 'url'].map(quote).join(','));
	}
	for (let i = 0; i < codes; i++) {
		const id = extendedIdOf(i);
		lines.push(
			quote(id) +
				',' +
				quote(serialNumbers ? String(i + 1).padStart(8, '0') : '') +
				',' +
				quote(String(i + 1).padStart(7, '0')) +
				',' +
				quote(String(Math.floor(i / batchSize) + 1)) +
				',' +
				quote(`HTTPS://QR2.CH/Q/${id}`),
		);
	}
	const text = lines.join(lineEnding) + (trailingNewline ? lineEnding : '');
	return Buffer.concat([options.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'latin1')]);
}

/** A work order archive: codes.csv, manifest.json, parameters.txt, sample_qr.tiff, generate.exe, generate.txt. */
export function makeCodesArchive(options: CodesArchiveOptions): Buffer {
	return makeArchiveFrom(makeCodesCsv(options), options);
}

export function makeArchiveFrom(codesCsv: Buffer, options: Omit<CodesArchiveOptions, 'codes'> = {}): Buffer {
	const id = options.workOrderId ?? 123;
	const folder = options.folder ?? `work order ${id} 9f8e7d6c5b4a`;
	const prefix = folder === '' ? '' : `${folder}/`;
	const zip = new AdmZip();
	if (prefix) zip.addFile(prefix, Buffer.alloc(0)); // directory entry, as zip tools write one
	if (!options.withoutCodes) zip.addFile(`${prefix}codes.csv`, codesCsv);
	zip.addFile(`${prefix}manifest.json`, Buffer.from(JSON.stringify(manifestOf(id), null, 2)));
	zip.addFile(`${prefix}parameters.txt`, Buffer.from(`workorder=${id}\nquantity=${options.withoutCodes ? 0 : 'see codes.csv'}\n`));
	zip.addFile(`${prefix}sample_qr.tiff`, sampleTiff());
	zip.addFile(`${prefix}generate.exe`, Buffer.from('MZ\x90\x00 offline QR generator (stand-in)', 'latin1'));
	zip.addFile(`${prefix}generate.txt`, Buffer.from('Download the QR generator for Mac and Linux from the Scantrust portal.\n'));
	if (options.macResourceForks) {
		zip.addFile('__MACOSX/', Buffer.alloc(0));
		zip.addFile(`__MACOSX/${prefix}._codes.csv`, Buffer.from('\x00\x05\x16\x07 AppleDouble', 'latin1'));
		zip.addFile('__MACOSX/codes.csv', Buffer.from('not,the,codes\n'));
	}
	return zip.toBuffer();
}

function manifestOf(id: number): object {
	return {
		workorder: { id, reference: `WO-${id}`, code_type: 'sid', use_serial_number: true },
		printing: { equipment: 'HP Indigo 6900', substrate: 'white paper label', resolution_dpi: 812 },
		code: { layout: 'sg-outside', size_mm: 12, url_prefix: 'HTTPS://QR2.CH/Q/' },
	};
}

/** A minimal valid TIFF header (little endian, no image directory entries). */
function sampleTiff(): Buffer {
	return Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
}
