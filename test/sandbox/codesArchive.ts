// The codes archive a work order's codegen_file points at (seed 000, SPEC section 3).
import AdmZip from 'adm-zip';
import { BATCH_SIZE, forEachCode } from './codes';
import { sampleTiff } from './tiff';
import type { ArchiveOptions, WorkOrder, WorkOrderExtra } from './types';

/** Header names used when a test asks for a header row (the real file's header, if any, is undocumented). */
export const CODES_CSV_HEADER = ['Extended ID', 'Serial Number', 'Sequence Number', 'Batch Number', 'Full URL'];

const SAMPLE_TIFF = sampleTiff();

const GENERATE_TXT = [
	'Scantrust offline QR code generator',
	'',
	'generate.exe is the Windows version. Other platforms:',
	'  macOS: https://downloads.sandbox.scantrust.test/generator/generate-macos.zip',
	'  Linux: https://downloads.sandbox.scantrust.test/generator/generate-linux.tar.gz',
	'',
	'Usage: generate --manifest manifest.json --codes codes.csv --out <folder>',
	'',
].join('\n');

/** codes.csv as one Buffer, built per batch as one string each (string concatenation is the fast path in V8). */
export function buildCodesCsv(wo: WorkOrder, extra: WorkOrderExtra, opts: ArchiveOptions = {}): Buffer {
	const eol = opts.crlf ? '\r\n' : '\n';
	const chunks: Buffer[] = [];
	if (opts.bom) chunks.push(Buffer.from([0xef, 0xbb, 0xbf]));
	if (opts.header) chunks.push(Buffer.from(CODES_CSV_HEADER.join(',') + eol));
	// Extended IDs never need quoting, so only a URL prefix with a comma or quote can make a URL need it.
	const quoteUrls = /[",\r\n]/.test(wo.url_prefix);
	let text = '';
	let rows = 0;
	forEachCode(wo, extra, (extendedId, serial, sequence, batch, url) => {
		text += extendedId + ',' + serial + ',' + sequence + ',' + batch + ',' + (quoteUrls ? quoted(url) : url) + eol;
		if (++rows % BATCH_SIZE === 0) {
			chunks.push(Buffer.from(text));
			text = '';
		}
	});
	if (text) chunks.push(Buffer.from(text));
	return Buffer.concat(chunks);
}

const quoted = (value: string) => `"${value.replace(/"/g, '""')}"`;

function manifest(wo: WorkOrder, extra: WorkOrderExtra): string {
	return JSON.stringify(
		{
			version: 1,
			workorder: {
				id: wo.id,
				reference: wo.reference,
				quantity: wo.quantity,
				batches: Math.ceil(wo.quantity / BATCH_SIZE),
				batch_size: BATCH_SIZE,
				creation_date: wo.creation_date,
				use_serial_number: wo.use_serial_number,
				url_prefix: wo.url_prefix,
			},
			code_type: extra.kind === 'sid' ? 'SID' : 'SSC',
			code_layout: wo.code_layout,
			extended_id_style: wo.extended_id_style,
			printing_equipment: wo.equipment,
			substrate: wo.substrate,
			printing_partner: wo.printing_partner,
			files: { codes: 'codes.csv', sample: 'sample_qr.tiff' },
		},
		null,
		2,
	);
}

function parameters(wo: WorkOrder, extra: WorkOrderExtra): string {
	const rows: [string, unknown][] = [
		['workorder_id', wo.id],
		['reference', wo.reference],
		['quantity', wo.quantity],
		['code_type', extra.kind.toUpperCase()],
		['code_layout', wo.code_layout],
		['use_serial_number', wo.use_serial_number],
		['batch_size', BATCH_SIZE],
		['url_prefix', wo.url_prefix],
	];
	return rows.map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n';
}

export function buildArchive(wo: WorkOrder, extra: WorkOrderExtra): Buffer {
	const opts = extra.archiveOptions;
	const folder = opts.folderName ?? `work order ${wo.id} ${extra.key}`;
	const prefix = folder === '' ? '' : `${folder}/`;
	const zip = new AdmZip();
	if (prefix) zip.addFile(prefix, Buffer.alloc(0));
	if (!opts.omitCodesCsv) zip.addFile(`${prefix}codes.csv`, buildCodesCsv(wo, extra, opts));
	zip.addFile(`${prefix}manifest.json`, Buffer.from(manifest(wo, extra)));
	zip.addFile(`${prefix}parameters.txt`, Buffer.from(parameters(wo, extra)));
	zip.addFile(`${prefix}sample_qr.tiff`, SAMPLE_TIFF);
	zip.addFile(`${prefix}generate.txt`, Buffer.from(GENERATE_TXT));
	if (opts.extraEntry) zip.addFile(opts.extraEntry.name, opts.extraEntry.content);
	const bytes = zip.toBuffer();
	if (opts.declaredCodesCsvSize !== undefined) declareSize(bytes, 'codes.csv', opts.declaredCodesCsvSize);
	// Cut before the central directory: the start looks like a zip, but no reader can open it.
	return opts.corrupt ? bytes.subarray(0, Math.max(4, Math.floor(bytes.length / 2))) : bytes;
}

/** Rewrites the unpacked size an entry's local and central headers declare (zip format offsets). */
function declareSize(zip: Buffer, fileName: string, size: number): void {
	const centralSignature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
	for (let at = zip.indexOf(centralSignature); at !== -1 && at + 46 <= zip.length; at = zip.indexOf(centralSignature, at + 4)) {
		const nameLength = zip.readUInt16LE(at + 28);
		const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
		if (!name.endsWith(`/${fileName}`) && name !== fileName) continue;
		zip.writeUInt32LE(size, at + 24);
		zip.writeUInt32LE(size, zip.readUInt32LE(at + 42) + 22);
	}
}

/** The archive, built once per work order and option set. */
export function archiveFor(wo: WorkOrder, extra: WorkOrderExtra): Buffer {
	extra.zip ??= buildArchive(wo, extra);
	return extra.zip;
}
