import { parse } from 'csv-parse/sync';

import { DataError } from '../../nodes/Scantrust/codes/DataError';
import { BATCH_CSV_HEADER, parseCodesCsv, renderBatchCsv, type Code } from '../../nodes/Scantrust/codes/codesCsv';
import { extendedIdOf, makeCodesCsv } from '../../scripts/bench/codesArchiveFixture';

function dataErrorOf(fn: () => unknown): DataError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(DataError);
		return error as DataError;
	}
	throw new Error('expected a DataError, nothing was thrown');
}

const HEADER = 'extended_id,serial_number,sequence_number,batch,url';

describe('parseCodesCsv', () => {
	it('keeps every value as the string found, leading zeros included', () => {
		const csv = 'abc00001,0000042,0000007,1,HTTPS://QR2.CH/Q/abc00001\nabc00002,0000043,0000008,1,HTTPS://QR2.CH/Q/abc00002\n';
		const result = parseCodesCsv(Buffer.from(csv));
		expect(result.header).toBeUndefined();
		expect(result.codeCount).toBe(2);
		expect(result.batches).toEqual([
			{
				batch: 1,
				batchValue: '1',
				codes: [
					{ extendedId: 'abc00001', serialNumber: '0000042', sequenceNumber: '0000007', url: 'HTTPS://QR2.CH/Q/abc00001' },
					{ extendedId: 'abc00002', serialNumber: '0000043', sequenceNumber: '0000008', url: 'HTTPS://QR2.CH/Q/abc00002' },
				],
			},
		]);
		// Exactly the four properties of SPEC section 5, nothing more.
		expect(Object.keys(result.batches[0].codes[0])).toEqual(['extendedId', 'serialNumber', 'sequenceNumber', 'url']);
	});

	it('detects a header row and skips it', () => {
		const result = parseCodesCsv(`${HEADER}\nid000001,,0001,3,u1\n`);
		expect(result.header).toEqual(['extended_id', 'serial_number', 'sequence_number', 'batch', 'url']);
		expect(result.batches).toEqual([
			{ batch: 3, batchValue: '3', codes: [{ extendedId: 'id000001', serialNumber: '', sequenceNumber: '0001', url: 'u1' }] },
		]);
		// Any non-numeric title in the batch column of the first row is a header.
		expect(parseCodesCsv('Extended ID,Serial,Sequence,Batch #,URL\nid000001,,1,1,u\n').header).toEqual([
			'Extended ID',
			'Serial',
			'Sequence',
			'Batch #',
			'URL',
		]);
	});

	it('gives the same codes with and without header, CRLF, BOM, trailing newline', () => {
		const reference = parseCodesCsv(makeCodesCsv({ codes: 300, batchSize: 100 }));
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
			const result = parseCodesCsv(makeCodesCsv({ codes: 300, batchSize: 100, ...variant }));
			expect(result.batches).toEqual(reference.batches);
			expect(result.header === undefined).toBe(!('header' in variant));
		}
		expect(reference.batches.map((b) => b.codes.length)).toEqual([100, 100, 100]);
		expect(reference.batches[0].codes[0]).toEqual({
			extendedId: extendedIdOf(0),
			serialNumber: '00000001',
			sequenceNumber: '0000001',
			url: `HTTPS://QR2.CH/Q/${extendedIdOf(0)}`,
		});
	});

	it('accepts a string, a Buffer and a Uint8Array alike', () => {
		const csv = 'id000001,,1,1,u\n';
		const expected = parseCodesCsv(Buffer.from(csv));
		expect(parseCodesCsv(csv)).toEqual(expected);
		expect(parseCodesCsv(new Uint8Array(Buffer.from(csv)))).toEqual(expected);
		expect(parseCodesCsv('\uFEFF' + csv)).toEqual(expected);
	});

	it('splits 45,000 codes into batches of 20,000, 20,000 and 5,000, in order', () => {
		const result = parseCodesCsv(makeCodesCsv({ codes: 45_000, header: true }));
		expect(result.codeCount).toBe(45_000);
		expect(result.batches.map((b) => [b.batch, b.batchValue, b.codes.length])).toEqual([
			[1, '1', 20_000],
			[2, '2', 20_000],
			[3, '3', 5_000],
		]);
		expect(result.batches[1].codes[0].sequenceNumber).toBe('0020001');
		expect(result.batches[2].codes[4_999].sequenceNumber).toBe('0045000');
		expect(result.batches[2].codes[4_999].extendedId).toBe(extendedIdOf(44_999));
	});

	it('orders batches numerically, keeps file order inside a batch and the batch value as found', () => {
		const csv = ['a0000001,,1,10,u', 'a0000002,,2,9,u', 'a0000003,,3,10,u', 'a0000004,,4,09,u', 'a0000005,,5,2,u'].join('\n');
		const result = parseCodesCsv(csv);
		expect(result.batches.map((b) => [b.batch, b.batchValue, b.codes.map((c) => c.sequenceNumber)])).toEqual([
			[2, '2', ['5']],
			[9, '9', ['2', '4']],
			[10, '10', ['1', '3']],
		]);
	});

	it('keeps empty serial numbers as empty strings', () => {
		const result = parseCodesCsv(makeCodesCsv({ codes: 10, serialNumbers: false, lineEnding: '\r\n' }));
		for (const code of result.batches[0].codes) expect(code.serialNumber).toBe('');
		// Also through the quoted path.
		const quoted = parseCodesCsv(makeCodesCsv({ codes: 10, serialNumbers: false, quoteAll: true }));
		expect(quoted.batches[0].codes.map((c) => c.serialNumber)).toEqual(Array(10).fill(''));
	});

	it('skips empty lines but counts them in line numbers', () => {
		const csv = `${HEADER}\r\n\r\nid000001,,1,1,u\r\n\r\nid000002,,2,1\r\n`;
		const error = dataErrorOf(() => parseCodesCsv(csv));
		expect(error.message).toBe('codes.csv line 5: expected 5 columns but found 4: "id000002,,2,1"');
		expect(parseCodesCsv(`\n${HEADER}\n\nid000001,,1,1,u\n\n\n`).codeCount).toBe(1);
	});

	it('names the line and what was found when a row has the wrong number of columns', () => {
		const rows = makeCodesCsv({ codes: 6, header: true }).toString().split('\n');
		rows[4] += ',extra';
		const error = dataErrorOf(() => parseCodesCsv(rows.join('\n')));
		expect(error.message).toMatch(/^codes\.csv line 5: expected 5 columns but found 6: ".*,extra"$/);
		expect(error.description).toContain('extended ID, serial number, sequence number, batch number, URL');

		const short = dataErrorOf(() => parseCodesCsv('id000001,,1,1,u\nid000002\n'));
		expect(short.message).toBe('codes.csv line 2: expected 5 columns but found 1: "id000002"');
		const headerOnly4 = dataErrorOf(() => parseCodesCsv('extended_id,serial_number,sequence_number,batch\n'));
		expect(headerOnly4.message).toMatch(/^codes\.csv line 1: expected 5 columns but found 4/);
		// Long lines are shortened in the message.
		const long = dataErrorOf(() => parseCodesCsv(`id000001,,1,1,u\n${'x'.repeat(500)}\n`));
		expect(long.message).toBe(`codes.csv line 2: expected 5 columns but found 1: "${'x'.repeat(80)}..."`);
	});

	it('names the line in a quoted file too', () => {
		const csv = `"${HEADER.split(',').join('","')}"\n"id000001","","1","1","u"\n"id000002","","2","1"\n`;
		expect(dataErrorOf(() => parseCodesCsv(csv)).message).toBe(
			'codes.csv line 3: expected 5 columns but found 4: "id000002,,2,1"',
		);
		expect(dataErrorOf(() => parseCodesCsv('id000001,,1,1,u\n"id000002,,2,1,u\n')).message).toBe(
			'codes.csv line 2: the quoted value in column 1 is never closed',
		);
		expect(dataErrorOf(() => parseCodesCsv('id000001,"0"7,1,1,u\n')).message).toBe(
			'codes.csv line 1: unexpected text after the closing quote of column 2: "7,1,1,u"',
		);
	});

	it('reads quoted values holding commas, quotes and line breaks', () => {
		const csv = 'id000001,"00,1","0""2",1,"HTTPS://x\ny"\r\nid000002,,3,1,u\r\n';
		const result = parseCodesCsv(csv);
		expect(result.batches[0].codes).toEqual([
			{ extendedId: 'id000001', serialNumber: '00,1', sequenceNumber: '0"2', url: 'HTTPS://x\ny' },
			{ extendedId: 'id000002', serialNumber: '', sequenceNumber: '3', url: 'u' },
		]);
		// And a row after a multi-line value is numbered by its physical line.
		expect(dataErrorOf(() => parseCodesCsv(csv + 'bad\r\n')).message).toMatch(/^codes\.csv line 4:/);
	});

	it('reads old Mac line endings (CR only)', () => {
		expect(parseCodesCsv('id000001,,1,1,u\rid000002,,2,1,u\r').codeCount).toBe(2);
	});

	it('rejects a batch number that is not a whole number, naming the line', () => {
		expect(dataErrorOf(() => parseCodesCsv('id000001,,1,1,u\nid000002,,2,two,u\n')).message).toBe(
			'codes.csv line 2: the batch number (column 4) "two" is not a whole number',
		);
		expect(dataErrorOf(() => parseCodesCsv('id000001,,1,,u\n')).message).toBe(
			'codes.csv line 1: the batch number (column 4) is empty',
		);
		expect(dataErrorOf(() => parseCodesCsv(`${HEADER}\nid000001,,1,1.5,u\n`)).message).toBe(
			'codes.csv line 2: the batch number (column 4) "1.5" is not a whole number',
		);
	});

	it('rejects an empty extended ID, naming the line', () => {
		expect(dataErrorOf(() => parseCodesCsv(`${HEADER}\nid000001,,1,1,u\n,,2,1,u\n`)).message).toBe(
			'codes.csv line 3: the extended ID (column 1) is empty',
		);
	});

	it('rejects an empty file and a file without codes', () => {
		for (const empty of ['', '\n', '\r\n\r\n', '\uFEFF', '\uFEFF\n']) {
			expect(dataErrorOf(() => parseCodesCsv(empty)).message).toBe('codes.csv is empty');
		}
		expect(dataErrorOf(() => parseCodesCsv(Buffer.alloc(0))).message).toBe('codes.csv is empty');
		expect(dataErrorOf(() => parseCodesCsv(`${HEADER}\n`)).message).toBe('codes.csv holds no codes (only a header row)');
	});

	it('rejects UTF-16', () => {
		const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id000001,,1,1,u\n', 'utf16le')]);
		expect(dataErrorOf(() => parseCodesCsv(utf16)).message).toBe('codes.csv is encoded as UTF-16');
	});

	it('decodes UTF-8 beyond ASCII', () => {
		const result = parseCodesCsv('idé00001,№7,1,1,https://exämple.com/q/é\n');
		expect(result.batches[0].codes[0]).toEqual({
			extendedId: 'idé00001',
			serialNumber: '№7',
			sequenceNumber: '1',
			url: 'https://exämple.com/q/é',
		});
	});

	it('gives the same result when the file is decoded in small pieces', () => {
		const csv = makeCodesCsv({ codes: 500, batchSize: 100, header: true, lineEnding: '\r\n', bom: true });
		const whole = parseCodesCsv(csv);
		for (const chunkBytes of [1, 7, 64, 70, 71, 1000, 4096]) {
			expect(parseCodesCsv(csv, { chunkBytes })).toEqual(whole);
		}
		// Line numbers carry on from piece to piece; non-ASCII pieces decode as UTF-8.
		const text = `${HEADER}\nidé00001,,1,1,u\n\nid000002,,2,1,u\nid000003,,3,1\n`;
		for (const chunkBytes of [1, 10, 20, 40]) {
			expect(dataErrorOf(() => parseCodesCsv(text, { chunkBytes })).message).toBe(
				'codes.csv line 5: expected 5 columns but found 4: "id000003,,3,1"',
			);
			expect(parseCodesCsv(text.replace(',3,1\n', ',3,1,u'), { chunkBytes }).batches[0].codes[0].extendedId).toBe('idé00001');
		}
	});

	it('reads any mix of quoted and unquoted values, line ends and piece sizes (random round trip)', () => {
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
			for (let i = random(12) + 1; i > 0; i--) {
				const nasty = random(3) === 0;
				rows.push(['id' + value(false) + value(nasty), value(nasty), value(nasty), String(random(4)).padStart(random(3) + 1, '0'), value(nasty)]);
			}
			const field = (v: string) => (/[",\r\n]/.test(v) || random(4) === 0 ? `"${v.replace(/"/g, '""')}"` : v);
			const lines = (header ? [HEADER] : []).concat(rows.map((r) => r.map(field).join(',')));
			const text = lines.join(eol) + (random(2) ? eol : '') + (random(4) === 0 ? eol : '');
			const expected = new Map<number, string[][]>();
			for (const r of rows) expected.set(Number(r[3]), [...(expected.get(Number(r[3])) ?? []), r]);
			const wanted = [...expected.entries()].sort((a, b) => a[0] - b[0]);
			for (const chunkBytes of [undefined, 1 + random(40)]) {
				const result = parseCodesCsv(text, { chunkBytes });
				expect(result.header === undefined).toBe(!header);
				expect(result.batches.map((b) => b.batch)).toEqual(wanted.map(([n]) => n));
				result.batches.forEach((b, i) => {
					expect(b.codes.map((c) => [c.extendedId, c.serialNumber, c.sequenceNumber, b.batchValue, c.url])).toEqual(
						wanted[i][1].map((r) => [r[0], r[1], r[2], wanted[i][1][0][3], r[4]]),
					);
				});
				// And csv-parse reads the same rows.
				const records = (parse(Buffer.from(text), { relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }) as string[][]).slice(header ? 1 : 0);
				expect(records).toEqual(rows);
			}
		}
	});

	it('agrees with csv-parse on a generated file', () => {
		const csv = makeCodesCsv({ codes: 2_500, batchSize: 1_000, lineEnding: '\r\n' });
		const rows = parse(csv) as string[][];
		const codes = parseCodesCsv(csv).batches.flatMap((b) => b.codes.map((c) => [c.extendedId, c.serialNumber, c.sequenceNumber, b.batchValue, c.url]));
		expect(codes).toEqual(rows);
	});
});

describe('renderBatchCsv', () => {
	it('writes the header and one line per code, with the batch value as found', () => {
		const codes: Code[] = [
			{ extendedId: 'id000001', serialNumber: '0000042', sequenceNumber: '0000001', url: 'HTTPS://QR2.CH/Q/id000001' },
			{ extendedId: 'id000002', serialNumber: '', sequenceNumber: '0000002', url: 'HTTPS://QR2.CH/Q/id000002' },
		];
		expect(renderBatchCsv({ batch: 7, batchValue: '007', codes }).toString()).toBe(
			`${BATCH_CSV_HEADER}\nid000001,0000042,0000001,007,HTTPS://QR2.CH/Q/id000001\nid000002,,0000002,007,HTTPS://QR2.CH/Q/id000002\n`,
		);
		expect(renderBatchCsv({ batch: 7, codes }, { lineEnding: '\r\n' }).toString()).toBe(
			`${BATCH_CSV_HEADER}\r\nid000001,0000042,0000001,7,HTTPS://QR2.CH/Q/id000001\r\nid000002,,0000002,7,HTTPS://QR2.CH/Q/id000002\r\n`,
		);
	});

	it('quotes values that need it, and round-trips through parseCodesCsv', () => {
		const codes: Code[] = [
			{ extendedId: 'id000001', serialNumber: '00,1', sequenceNumber: '0"2', url: 'HTTPS://x\ny' },
			{ extendedId: 'id000002', serialNumber: '', sequenceNumber: '3', url: 'u' },
		];
		const bytes = renderBatchCsv({ batch: 1, batchValue: '1', codes });
		expect(bytes.toString()).toBe(`${BATCH_CSV_HEADER}\nid000001,"00,1","0""2",1,"HTTPS://x\ny"\nid000002,,3,1,u\n`);
		expect(parseCodesCsv(bytes).batches[0].codes).toEqual(codes);
	});

	it('round-trips every batch of a work order', () => {
		const parsed = parseCodesCsv(makeCodesCsv({ codes: 4_500, batchSize: 2_000, serialNumbers: false }));
		for (const batch of parsed.batches) {
			const again = parseCodesCsv(renderBatchCsv(batch));
			expect(again.header).toEqual(BATCH_CSV_HEADER.split(','));
			expect(again.batches).toEqual([batch]);
		}
	});
});
