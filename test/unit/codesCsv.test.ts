import { parse } from 'csv-parse/sync';

import { DataError } from '../../nodes/Scantrust/codes/DataError';
import {
	BATCH_CSV_HEADER,
	splitCodesCsv,
	type CodesBatch,
	type CodesCsvSummary,
	type SplitCodesCsvOptions,
} from '../../nodes/Scantrust/codes/codesCsv';
import { extendedIdOf, makeCodesCsv } from '../../scripts/bench/codesArchiveFixture';

const HEADER = 'extended_id,serial_number,sequence_number,batch,url';


interface Split {
	summary: CodesCsvSummary;
	batches: CodesBatch[];
}


/** Bytes cut into pieces of `size` (the last one shorter). */
function piecesOf(bytes: Buffer, size: number): Buffer[] {
	const pieces: Buffer[] = [];
	for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
	return pieces;
}

/** Splits csv (one piece, or pieces of `pieceBytes`), codes listed unless the options say otherwise. */
async function split(csv: string | Uint8Array, options: SplitCodesCsvOptions & { pieceBytes?: number } = {}): Promise<Split> {
	const { pieceBytes, ...splitOptions } = options;
	const bytes = typeof csv === 'string' ? Buffer.from(csv, 'utf8') : Buffer.from(csv);
	const batches: CodesBatch[] = [];
	const summary = await splitCodesCsv(pieceBytes ? piecesOf(bytes, pieceBytes) : [bytes], (batch) => void batches.push(batch), {
		codes: true,
		...splitOptions,
	});
	return { summary, batches };
}

async function dataErrorOf(promise: Promise<unknown>): Promise<DataError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(DataError);
		return error as DataError;
	}
	throw new Error('expected a DataError, nothing was thrown');
}

/** The lines of a batch file after its header. */
function rowsOf(batch: CodesBatch): string[] {
	const text = batch.csv!.toString('utf8');
	expect(text.startsWith(BATCH_CSV_HEADER + '\n')).toBe(true);
	expect(text.endsWith('\n')).toBe(true);
	return text.slice(BATCH_CSV_HEADER.length + 1, -1).split('\n');
}

/** Every batch file read back by csv-parse gives the batch's codes. */
function expectFilesMatchCodes(batches: CodesBatch[]): void {
	for (const batch of batches) {
		const records = parse(batch.csv!) as string[][];
		expect(records[0]).toEqual(BATCH_CSV_HEADER.split(','));
		expect(records.slice(1).map((r) => [r[0], r[1], r[2], r[4]])).toEqual(
			batch.codes!.map((c) => [c.extendedId, c.serialNumber, c.sequenceNumber, c.url]),
		);
		expect(records.slice(1).every((r) => Number(r[3]) === batch.batch)).toBe(true);
	}
}

describe('splitCodesCsv', () => {
	it('keeps every value as the string found, leading zeros included, and gives the batch as a CSV file', async () => {
		const csv = 'abc00001,0000042,0000007,1,HTTPS://QR2.CH/Q/abc00001\nabc00002,0000043,0000008,1,HTTPS://QR2.CH/Q/abc00002\n';
		const { summary, batches } = await split(csv);
		expect(summary).toEqual({ header: undefined, codeCount: 2, batchCount: 1 });
		expect(batches).toEqual([
			{
				batch: 1,
				batchValue: '1',
				codeCount: 2,
				firstExtendedId: 'abc00001',
				lastExtendedId: 'abc00002',
				firstSequenceNumber: '0000007',
				lastSequenceNumber: '0000008',
				csv: Buffer.from(`${BATCH_CSV_HEADER}\n${csv}`),
				codes: [
					{ extendedId: 'abc00001', serialNumber: '0000042', sequenceNumber: '0000007', url: 'HTTPS://QR2.CH/Q/abc00001' },
					{ extendedId: 'abc00002', serialNumber: '0000043', sequenceNumber: '0000008', url: 'HTTPS://QR2.CH/Q/abc00002' },
				],
			},
		]);
		// Exactly the four properties of the node's output, nothing more.
		expect(Object.keys(batches[0].codes![0])).toEqual(['extendedId', 'serialNumber', 'sequenceNumber', 'url']);
	});

	it('lists no codes unless asked, and builds no file when not asked', async () => {
		const csv = makeCodesCsv({ codes: 30, batchSize: 20 });
		const plain = await split(csv, { codes: false });
		expect(plain.batches.map((b) => [b.batch, b.codeCount, 'codes' in b])).toEqual([
			[1, 20, false],
			[2, 10, false],
		]);
		expect(Buffer.concat(plain.batches.map((b) => b.csv!.subarray(BATCH_CSV_HEADER.length + 1))).equals(csv)).toBe(true);
		const codesOnly = await split(csv, { csv: false });
		expect(codesOnly.batches.map((b) => [b.codeCount, b.codes!.length, b.csv])).toEqual([
			[20, 20, undefined],
			[10, 10, undefined],
		]);
	});

	it('detects a header row and skips it', async () => {
		const { summary, batches } = await split(`${HEADER}\nid000001,,0001,3,u1\n`);
		expect(summary.header).toEqual(['extended_id', 'serial_number', 'sequence_number', 'batch', 'url']);
		expect(batches.map((b) => [b.batch, b.batchValue, b.codes])).toEqual([
			[3, '3', [{ extendedId: 'id000001', serialNumber: '', sequenceNumber: '0001', url: 'u1' }]],
		]);
		expect(rowsOf(batches[0])).toEqual(['id000001,,0001,3,u1']);
		// Any non-numeric title in the batch column of the first row is a header.
		expect((await split('Extended ID,Serial,Sequence,Batch #,URL\nid000001,,1,1,u\n')).summary.header).toEqual([
			'Extended ID',
			'Serial',
			'Sequence',
			'Batch #',
			'URL',
		]);
	});

	it('gives the same codes and the same batch files with and without header, CRLF, BOM, trailing newline, quotes', async () => {
		const reference = await split(makeCodesCsv({ codes: 300, batchSize: 100 }));
		const variants = [
			{ header: true },
			{ lineEnding: '\r\n' as const },
			{ header: true, lineEnding: '\r\n' as const, bom: true },
			{ bom: true },
			{ trailingNewline: false },
			{ trailingNewline: false, lineEnding: '\r\n' as const },
			{ quoteAll: true },
			{ quoteAll: true, header: true, lineEnding: '\r\n' as const, bom: true },
		];
		for (const variant of variants) {
			const result = await split(makeCodesCsv({ codes: 300, batchSize: 100, ...variant }));
			expect(result.batches).toEqual(reference.batches);
			expect(result.summary.header === undefined).toBe(!('header' in variant));
		}
		expect(reference.batches.map((b) => b.codes!.length)).toEqual([100, 100, 100]);
		expect(reference.batches[0].codes![0]).toEqual({
			extendedId: extendedIdOf(0),
			serialNumber: '00000001',
			sequenceNumber: '0000001',
			url: `HTTPS://QR2.CH/Q/${extendedIdOf(0)}`,
		});
		expectFilesMatchCodes(reference.batches);
	});

	it('accepts Buffers and Uint8Arrays, from a sync or an async source', async () => {
		const csv = Buffer.from('id000001,,1,1,u\n');
		const expected = await split(csv);
		expect(await split(new Uint8Array(csv))).toEqual(expected);
		expect(await split('\uFEFF' + csv.toString())).toEqual(expected);
		async function* source() {
			yield new Uint8Array(csv.subarray(0, 5));
			yield csv.subarray(5);
		}
		const batches: CodesBatch[] = [];
		await splitCodesCsv(source(), (b) => void batches.push(b), { codes: true });
		expect(batches).toEqual(expected.batches);
	});

	it('splits 45,000 codes into batches of 20,000, 20,000 and 5,000, in order, with first and last sequence numbers', async () => {
		const csv = makeCodesCsv({ codes: 45_000, header: true });
		const { summary, batches } = await split(csv, { pieceBytes: 64 * 1024 });
		expect(summary.codeCount).toBe(45_000);
		expect(batches.map((b) => [b.batch, b.batchValue, b.codeCount, b.codes!.length, b.firstSequenceNumber, b.lastSequenceNumber])).toEqual([
			[1, '1', 20_000, 20_000, '0000001', '0020000'],
			[2, '2', 20_000, 20_000, '0020001', '0040000'],
			[3, '3', 5_000, 5_000, '0040001', '0045000'],
		]);
		expect(batches[2].lastExtendedId).toBe(extendedIdOf(44_999));
		expect(batches[2].codes![4_999].extendedId).toBe(extendedIdOf(44_999));
		const lines = csv.toString('latin1').trimEnd().split('\n').slice(1);
		expect(batches.flatMap(rowsOf)).toEqual(lines);
	});

	it('hands batches on in file order; 7 and 07 are one batch; a batch that comes back after another is refused', async () => {
		const csv = ['a0000001,,1,10,u', 'a0000002,,2,010,u', 'a0000003,,3,9,u', 'a0000004,,4,2,u'].join('\n');
		const { batches } = await split(csv);
		expect(batches.map((b) => [b.batch, b.batchValue, b.codes!.map((c) => c.sequenceNumber), rowsOf(b)])).toEqual([
			[10, '10', ['1', '2'], ['a0000001,,1,10,u', 'a0000002,,2,010,u']],
			[9, '9', ['3'], ['a0000003,,3,9,u']],
			[2, '2', ['4'], ['a0000004,,4,2,u']],
		]);
		const error = await dataErrorOf(split(`${HEADER}\na0000001,,1,1,u\na0000002,,2,2,u\na0000003,,3,01,u\n`));
		expect(error.message).toBe('codes.csv line 4: batch 1 comes again after other batches');
		expect(error.description).toContain('must follow each other');
	});

	it('keeps empty serial numbers as empty strings', async () => {
		const { batches } = await split(makeCodesCsv({ codes: 10, serialNumbers: false, lineEnding: '\r\n' }));
		for (const code of batches[0].codes!) expect(code.serialNumber).toBe('');
		expect(rowsOf(batches[0])[0]).toBe(`${extendedIdOf(0)},,0000001,1,HTTPS://QR2.CH/Q/${extendedIdOf(0)}`);
		// Also through the quoted path.
		const quoted = await split(makeCodesCsv({ codes: 10, serialNumbers: false, quoteAll: true }));
		expect(quoted.batches[0].codes!.map((c) => c.serialNumber)).toEqual(Array(10).fill(''));
		expect(quoted.batches[0].csv).toEqual(batches[0].csv);
	});

	it('skips empty and blank lines but counts them in line numbers', async () => {
		const csv = `${HEADER}\r\n\r\nid000001,,1,1,u\r\n \t\r\nid000002,,2,1\r\n`;
		expect((await dataErrorOf(split(csv))).message).toBe('codes.csv line 5: expected 5 columns but found 4: "id000002,,2,1"');
		const { summary, batches } = await split(`\n${HEADER}\n\nid000001,,1,1,u\n\n  \nid000002,,2,1,u\n\n`);
		expect(summary.codeCount).toBe(2);
		expect(rowsOf(batches[0])).toEqual(['id000001,,1,1,u', 'id000002,,2,1,u']);
	});

	it('names the line and what was found when a row has the wrong number of columns', async () => {
		const rows = makeCodesCsv({ codes: 6, header: true }).toString().split('\n');
		rows[4] += ',extra';
		const error = await dataErrorOf(split(rows.join('\n')));
		expect(error.message).toMatch(/^codes\.csv line 5: expected 5 columns but found 6: ".*,extra"$/);
		expect(error.description).toContain('extended ID, serial number, sequence number, batch number, URL');

		expect((await dataErrorOf(split('id000001,,1,1,u\nid000002\n'))).message).toBe(
			'codes.csv line 2: expected 5 columns but found 1: "id000002"',
		);
		expect((await dataErrorOf(split('extended_id,serial_number,sequence_number,batch\n'))).message).toMatch(
			/^codes\.csv line 1: expected 5 columns but found 4/,
		);
		// Long lines are shortened in the message.
		expect((await dataErrorOf(split(`id000001,,1,1,u\n${'x'.repeat(500)}\n`))).message).toBe(
			`codes.csv line 2: expected 5 columns but found 1: "${'x'.repeat(80)}..."`,
		);
	});

	it('names the line in a quoted file too', async () => {
		const csv = `"${HEADER.split(',').join('","')}"\n"id000001","","1","1","u"\n"id000002","","2","1"\n`;
		expect((await dataErrorOf(split(csv))).message).toBe('codes.csv line 3: expected 5 columns but found 4: "id000002,,2,1"');
		expect((await dataErrorOf(split('id000001,,1,1,u\n"id000002,,2,1,u\n'))).message).toBe(
			'codes.csv line 2: the quoted value in column 1 is never closed',
		);
		expect((await dataErrorOf(split('id000001,"0"7,1,1,u\n'))).message).toBe(
			'codes.csv line 1: unexpected text after the closing quote of column 2: "7,1,1,u"',
		);
	});

	it('reads quoted values holding commas, quotes and line breaks, and writes them back quoted', async () => {
		const csv = 'id000001,"00,1","0""2",1,"HTTPS://x\ny"\r\nid000002,,3,1,u\r\n';
		const { batches } = await split(csv);
		expect(batches[0].codes).toEqual([
			{ extendedId: 'id000001', serialNumber: '00,1', sequenceNumber: '0"2', url: 'HTTPS://x\ny' },
			{ extendedId: 'id000002', serialNumber: '', sequenceNumber: '3', url: 'u' },
		]);
		expect(batches[0].csv!.toString()).toBe(`${BATCH_CSV_HEADER}\nid000001,"00,1","0""2",1,"HTTPS://x\ny"\nid000002,,3,1,u\n`);
		expect([batches[0].firstSequenceNumber, batches[0].lastSequenceNumber]).toEqual(['0"2', '3']);
		// A row after a multi-line value is numbered by its physical line.
		expect((await dataErrorOf(split(csv + 'bad\r\n'))).message).toMatch(/^codes\.csv line 4:/);
		// A CR inside an unquoted value of a LF file goes into the batch file quoted.
		const stray = await split('id000001,,1,1,u\rx\nid000002,,2,1,u\n');
		expect(stray.batches[0].codes![0].url).toBe('u\rx');
		expectFilesMatchCodes(stray.batches);
	});

	it('reads old Mac line endings (CR only)', async () => {
		const { summary, batches } = await split('id000001,,1,1,u\rid000002,,2,1,u\r');
		expect(summary.codeCount).toBe(2);
		expect(rowsOf(batches[0])).toEqual(['id000001,,1,1,u', 'id000002,,2,1,u']);
	});

	it('rejects a batch number that is not a whole number, naming the line', async () => {
		expect((await dataErrorOf(split('id000001,,1,1,u\nid000002,,2,two,u\n'))).message).toBe(
			'codes.csv line 2: the batch number (column 4) "two" is not a whole number',
		);
		expect((await dataErrorOf(split('id000001,,1,,u\n'))).message).toBe('codes.csv line 1: the batch number (column 4) is empty');
		expect((await dataErrorOf(split(`${HEADER}\nid000001,,1,1.5,u\n`))).message).toBe(
			'codes.csv line 2: the batch number (column 4) "1.5" is not a whole number',
		);
	});

	it('rejects an empty extended ID, naming the line', async () => {
		expect((await dataErrorOf(split(`${HEADER}\nid000001,,1,1,u\n,,2,1,u\n`))).message).toBe(
			'codes.csv line 3: the extended ID (column 1) is empty',
		);
	});

	it('rejects an empty file and a file without codes', async () => {
		for (const empty of ['', '\n', '\r\n\r\n', '\uFEFF', '\uFEFF\n']) {
			expect((await dataErrorOf(split(empty))).message).toBe('codes.csv is empty');
		}
		expect((await dataErrorOf(split(`${HEADER}\n`))).message).toBe('codes.csv holds no codes (only a header row)');
	});

	it('rejects UTF-16', async () => {
		const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id000001,,1,1,u\n', 'utf16le')]);
		expect((await dataErrorOf(split(utf16))).message).toBe('codes.csv is encoded as UTF-16');
	});

	it.each([[undefined], [40]])('refuses bytes that are not UTF-8, naming the line (pieces of %p bytes), instead of turning them into other codes', async (pieceBytes) => {
		const lines = ['id000001,,1,1,u1', 'id000002,,2,1,u2', 'id000003,,3,1,u3', 'id00000\u00e9,,4,1,u4', 'id000005,,5,1,u5'];
		// Line 4 in Latin-1, as an editor that does not know UTF-8 would save it.
		const bytes = Buffer.concat(lines.map((line, index) => Buffer.from(`${line}\n`, index === 3 ? 'latin1' : 'utf8')));
		const error = await dataErrorOf(split(bytes, { pieceBytes }));
		expect(error.message).toBe('codes.csv line 4 is not valid UTF-8: "id00000\u00e9,,4,1,u4"');
		expect(error.description).toMatch(/Download it again from Scantrust, unchanged/);
	});

	it('decodes UTF-8 beyond ASCII, and copies its bytes into the batch file unchanged', async () => {
		const csv = 'idé00001,№7,1,1,https://exämple.com/q/é\n';
		const { batches } = await split(csv);
		expect(batches[0].codes![0]).toEqual({ extendedId: 'idé00001', serialNumber: '№7', sequenceNumber: '1', url: 'https://exämple.com/q/é' });
		expect(batches[0].firstExtendedId).toBe('idé00001');
		expect(batches[0].csv!.toString('utf8')).toBe(`${BATCH_CSV_HEADER}\n${csv}`);
		const quoted = await split('"idé00001","№,7",1,1,"https://exämple.com/q/é"\n');
		expect(quoted.batches[0].codes![0].serialNumber).toBe('№,7');
		expect(quoted.batches[0].csv!.toString('utf8')).toBe(`${BATCH_CSV_HEADER}\nidé00001,"№,7",1,1,https://exämple.com/q/é\n`);
	});

	it('gives the same result whatever the pieces the file comes in', async () => {
		const csv = makeCodesCsv({ codes: 500, batchSize: 100, header: true, lineEnding: '\r\n', bom: true });
		const whole = await split(csv);
		for (const pieceBytes of [1, 2, 3, 7, 64, 70, 71, 1000, 4096]) {
			expect(await split(csv, { pieceBytes })).toEqual(whole);
		}
		const mac = 'id000001,,1,1,u\rid000002,,2,1,u\r';
		for (const pieceBytes of [1, 2, 15, 16, 17]) expect((await split(mac, { pieceBytes })).summary.codeCount).toBe(2);
		// Line numbers carry on from piece to piece; non-ASCII pieces decode as UTF-8.
		const text = `${HEADER}\nidé00001,,1,1,u\n\nid000002,,2,1,u\nid000003,,3,1\n`;
		for (const pieceBytes of [1, 10, 20, 40]) {
			expect((await dataErrorOf(split(text, { pieceBytes }))).message).toBe('codes.csv line 5: expected 5 columns but found 4: "id000003,,3,1"');
			expect((await split(text.replace(',3,1\n', ',3,1,u'), { pieceBytes })).batches[0].codes![0].extendedId).toBe('idé00001');
		}
	});

	it('refuses a line longer than the limit instead of holding the rest of the file', async () => {
		const unclosed = `id000001,,1,1,u\n"id000002,,2,1,u\n${'id000003,,3,1,u\n'.repeat(100)}`;
		const error = await dataErrorOf(split(unclosed, { pieceBytes: 64, maxRecordBytes: 256 }));
		expect(error.message).toBe('codes.csv line 2: a quoted value is never closed, or the line is longer than 256 bytes');
		const endless = `id000001,,1,1,u\n${'x'.repeat(1000)}`;
		expect((await dataErrorOf(split(endless, { pieceBytes: 100, maxRecordBytes: 500 }))).message).toBe(
			'codes.csv line 2: the line is longer than 500 bytes',
		);
	});

	it('reads any mix of quoted and unquoted values, line ends and piece sizes (random round trip)', async () => {
		// A small deterministic generator: values with commas, quotes, CR, LF, non-ASCII; random quoting.
		let seed = 12345;
		const random = (n: number) => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed % n;
		};
		const pieces = ['a', 'Z', '0', '7', ',', '"', '\n', '\r\n', ' ', 'é', '€'];
		const value = (nasty: boolean) => {
			let v = '';
			for (let i = random(6); i > 0; i--) v += nasty ? pieces[random(pieces.length)] : pieces[random(4)];
			return v;
		};
		for (let round = 0; round < 200; round++) {
			const eol = ['\n', '\r\n'][random(2)];
			const header = random(2) === 1;
			const rows: string[][] = [];
			// Batches follow each other (their numbers in any order), each value written as found.
			const batchCount = random(4) + 1;
			for (let b = 0; b < batchCount; b++) {
				const number = String(b * 3 + random(3)).padStart(random(3) + 1, '0');
				for (let i = random(5) + 1; i > 0; i--) {
					const nasty = random(3) === 0;
					rows.push(['id' + value(false) + value(nasty), value(nasty), value(nasty), number, value(nasty)]);
				}
			}
			const field = (v: string) => (/[",\r\n]/.test(v) || random(4) === 0 ? `"${v.replace(/"/g, '""')}"` : v);
			const lines = (header ? [HEADER] : []).concat(rows.map((r) => r.map(field).join(',')));
			const text = lines.join(eol) + (random(2) ? eol : '') + (random(4) === 0 ? eol : '');
			const expected: string[][][] = [];
			for (const r of rows) {
				const last = expected[expected.length - 1];
				if (last && Number(last[0][3]) === Number(r[3])) last.push(r);
				else expected.push([r]);
			}
			for (const pieceBytes of [undefined, 1 + random(40)]) {
				const { summary, batches } = await split(text, { pieceBytes });
				expect(summary.header === undefined).toBe(!header);
				expect(batches.map((b) => b.batch)).toEqual(expected.map((rs) => Number(rs[0][3])));
				batches.forEach((b, i) => {
					expect(b.codes!.map((c) => [c.extendedId, c.serialNumber, c.sequenceNumber, c.url])).toEqual(
						expected[i].map((r) => [r[0], r[1], r[2], r[4]]),
					);
					expect([b.firstSequenceNumber, b.lastSequenceNumber]).toEqual([expected[i][0][2], expected[i][expected[i].length - 1][2]]);
					// The batch file, read back, holds each row with its batch value as found.
					expect((parse(b.csv!) as string[][]).slice(1)).toEqual(expected[i]);
				});
				// And csv-parse reads the same rows from the source.
				const records = (parse(Buffer.from(text), { relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }) as string[][]).slice(header ? 1 : 0);
				expect(records).toEqual(rows);
			}
		}
	});

	it('agrees with csv-parse on a generated file', async () => {
		const csv = makeCodesCsv({ codes: 2_500, batchSize: 1_000, lineEnding: '\r\n' });
		const rows = parse(csv) as string[][];
		const { batches } = await split(csv, { pieceBytes: 10_000 });
		expect(batches.flatMap((b) => b.codes!.map((c) => [c.extendedId, c.serialNumber, c.sequenceNumber, b.batchValue, c.url]))).toEqual(rows);
		expect(batches.flatMap((b) => (parse(b.csv!) as string[][]).slice(1))).toEqual(rows);
	});

	it('waits for each batch to be taken before reading on, and holds no more than a batch and a piece', async () => {
		const pieceBytes = 4096;
		const measure = async (codes: number) => {
			const csv = makeCodesCsv({ codes, batchSize: 1_000 });
			let pulled = 0;
			let largestAhead = 0;
			let taken = 0;
			function* source() {
				for (const piece of piecesOf(csv, pieceBytes)) {
					// Bytes read from the source and not yet handed on in a batch file: what the splitter holds.
					largestAhead = Math.max(largestAhead, pulled - taken);
					pulled += piece.length;
					yield piece;
				}
			}
			let largestFile = 0;
			await splitCodesCsv(source(), async (batch) => {
				taken += batch.csv!.length - (BATCH_CSV_HEADER.length + 1);
				largestFile = Math.max(largestFile, batch.csv!.length);
				await new Promise((resolve) => setImmediate(resolve));
			});
			return { largestAhead, largestFile, bytes: csv.length };
		};
		const small = await measure(5_000);
		const large = await measure(50_000);
		const batchBytes = large.bytes / 50;
		expect(large.largestFile).toBeLessThan(batchBytes * 1.05);
		expect(large.largestAhead).toBeLessThanOrEqual(batchBytes * 1.05 + pieceBytes);
		// The same bounds whatever the size of the file.
		expect(large.largestAhead).toBeLessThan(small.largestAhead * 1.1);
		expect(large.largestFile).toBeLessThan(small.largestFile * 1.05);
	});
});
