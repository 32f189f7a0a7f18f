import { parse } from 'csv-parse/sync';

import { DataError } from '../../nodes/Scantrust/codes/DataError';
import {
	MAX_REPORTED_PROBLEMS,
	buildFromFile,
	buildFromItems,
	type OwnCodesFile,
} from '../../nodes/Scantrust/codes/ownCodes';
import { detectFileType } from '../../nodes/Scantrust/actions/codeUpload/upload.operation';
import { mayRepeat } from '../../nodes/Scantrust/codes/ownCodesCore';

const noDup = { allowPostedDuplicates: false };

/** Parses every output file (csv-parse, i.e. an independent reader) and returns header + rows. */
function readAll(result: OwnCodesFile): { headers: string[][]; rows: string[][] } {
	const headers: string[][] = [];
	const rows: string[][] = [];
	for (const file of result.files) {
		const records = parse(file) as string[][];
		headers.push(records[0]);
		rows.push(...records.slice(1));
	}
	return { headers, rows };
}

function csv(text: string, opts: { allowPostedDuplicates?: boolean; maxFileBytes?: number } = {}): OwnCodesFile {
	return buildFromFile(Buffer.from(text, 'utf8'), 'csv', { allowPostedDuplicates: false, ...opts });
}

function json(value: unknown, opts: { allowPostedDuplicates?: boolean } = {}): OwnCodesFile {
	return buildFromFile(Buffer.from(JSON.stringify(value), 'utf8'), 'json', { allowPostedDuplicates: false, ...opts });
}

function errorOf(fn: () => unknown): DataError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(DataError);
		return error as DataError;
	}
	throw new Error('expected a DataError');
}

describe('buildFromItems', () => {
	const items = [
		{ code: 'abc12345', sku: 'sku1', status: 1, pallet: 'pal1', ignored: 'x' },
		{ code: 'def12345', sku: 'sku,2', status: '0', pallet: 'pal "big"' },
		{ code: 'ghi12345', sku: 'sku3' },
	];

	it('maps fields to columns, id first, missing values empty', () => {
		const result = buildFromItems(items, {
			idField: 'code',
			mapping: [
				{ field: 'sku', column: 'product' },
				{ field: 'status', column: 'activation_status' },
				{ field: 'pallet', column: 'pallet_number' },
			],
			allowPostedDuplicates: false,
		});
		expect(result.filetype).toBe('csv');
		expect(result.codeCount).toBe(3);
		expect(result.codeCounts).toEqual([3]);
		expect(result.columns).toEqual(['id', 'product', 'activation_status', 'pallet_number']);
		expect(result.files[0].toString('utf8')).toBe(
			'id,product,activation_status,pallet_number\r\n' +
				'abc12345,sku1,1,pal1\r\n' +
				'def12345,"sku,2",0,"pal ""big"""\r\n' +
				'ghi12345,sku3,,\r\n',
		);
	});

	it('without a mapping takes every other top-level scalar property under its own name', () => {
		const result = buildFromItems(
			[
				{ code: 'abc12345', id: 17, product: 'sku1', nested: { a: 1 }, list: [1], nothing: null },
				{ code: 'def12345', Activation_Status: '2', product: 'sku2', flag: true, nothing: null },
			],
			{ idField: 'code', mapping: [], allowPostedDuplicates: false },
		);
		// the database-style `id` property is left out, objects / lists / always-null properties too
		expect(result.columns).toEqual(['id', 'product', 'activation_status', 'flag']);
		expect(readAll(result).rows).toEqual([
			['abc12345', 'sku1', '', ''],
			['def12345', 'sku2', '2', 'true'],
		]);
	});

	it('accepts whole-number ids and quotes values with line breaks', () => {
		const result = buildFromItems([{ n: 12345678, note: 'a\nb' }], { idField: 'n', mapping: [], allowPostedDuplicates: false });
		expect(result.files[0].toString()).toBe('id,note\r\n12345678,"a\nb"\r\n');
	});

	it('names the item and field for each bad id', () => {
		const error = errorOf(() =>
			buildFromItems(
				[
					{ code: 'abc12345' },
					{ code: 'short' },
					{ code: 'abc 12345' },
					{ code: 'x'.repeat(101) },
					{ other: 'abc12345' },
					{ code: { a: 1 } },
				],
				{ idField: 'code', mapping: [], allowPostedDuplicates: false },
			),
		);
		expect(error.message).toMatch(/^5 problems/);
		expect(error.message).toContain('Item 1, field "code": "short" is 5 characters long; an id must be at least 8 characters of letters, digits, - or _');
		expect(error.message).toContain('Item 2, field "code": "abc 12345" contains " " (a space)');
		expect(error.message).toContain('Item 3, field "code":');
		expect(error.message).toContain('is 101 characters long; an id may have at most 100');
		expect(error.message).toContain('Item 4, field "code": missing');
		expect(error.message).toContain('Item 5, field "code": {"a":1} is not text');
		expect(error.description).toContain('Nothing was uploaded');
	});

	it('names the item and the mapped field for a bad activation status', () => {
		const error = errorOf(() =>
			buildFromItems([{ code: 'abc12345', st: 3 }, { code: 'def12345', st: 'yes' }, { code: 'ghi12345', st: ' 2 ' }], {
				idField: 'code',
				mapping: [{ field: 'st', column: 'activation_status' }],
				allowPostedDuplicates: false,
			}),
		);
		expect(error.message).toContain('2 problems');
		expect(error.message).toContain('Item 0, field "st": 3 is not a valid activation_status; it must be 0 (inactive), 1 (active) or 2 (blacklisted)');
		expect(error.message).toContain('Item 1, field "st": "yes" is not a valid activation_status');
	});

	it('reports an object value in a mapped field', () => {
		const error = errorOf(() =>
			buildFromItems([{ code: 'abc12345', p: { sku: 1 } }], {
				idField: 'code',
				mapping: [{ field: 'p', column: 'product' }],
				allowPostedDuplicates: false,
			}),
		);
		expect(error.message).toBe(
			'Item 0, field "p": is an object; only text, numbers and true/false can go in a CSV column (map a property inside it instead)',
		);
	});

	it('duplicates: an error naming both items, or kept when allowed', () => {
		const dup = [{ code: 'abc12345' }, { code: 'def12345' }, { code: 'abc12345' }];
		const error = errorOf(() => buildFromItems(dup, { idField: 'code', mapping: [], allowPostedDuplicates: false }));
		expect(error.message).toBe('Item 2, field "code": "abc12345" is a duplicate of item 0');
		const kept = buildFromItems(dup, { idField: 'code', mapping: [], allowPostedDuplicates: true });
		expect(kept.codeCount).toBe(3);
		expect(readAll(kept).rows.map((r) => r[0])).toEqual(['abc12345', 'def12345', 'abc12345']);
	});

	it('rejects no items and a bad mapping', () => {
		expect(errorOf(() => buildFromItems([], { idField: 'code', mapping: [], allowPostedDuplicates: false })).message).toMatch(/no items/);
		expect(errorOf(() => buildFromItems([{ code: 'abc12345' }], { idField: ' ', mapping: [], allowPostedDuplicates: false })).message).toMatch(
			/id field is empty/,
		);
		expect(
			errorOf(() =>
				buildFromItems([{ code: 'abc12345' }], { idField: 'code', mapping: [{ field: 'x', column: 'ID' }], allowPostedDuplicates: false }),
			).message,
		).toMatch(/reserved for the id field/);
		expect(
			errorOf(() =>
				buildFromItems([{ code: 'abc12345' }], {
					idField: 'code',
					mapping: [
						{ field: 'a', column: 'product' },
						{ field: 'b', column: 'Product' },
					],
					allowPostedDuplicates: false,
				}),
			).message,
		).toMatch(/column "product" is already used by mapping 1/);
	});
});

describe('buildFromFile: CSV', () => {
	it('writes a plain comma file back as it was (columns and line breaks kept)', () => {
		const text = 'id,product,activation_status,pallet_number\nabc12345,sku1,1,pal1\ndef12345,sku1,,pal2\n';
		const data = Buffer.from(text);
		const result = buildFromFile(data, 'csv', noDup);
		expect(result.files).toHaveLength(1);
		expect(result.files[0].toString()).toBe(text);
		expect(result.codeCount).toBe(2);
		expect(result.columns).toEqual(['id', 'product', 'activation_status', 'pallet_number']);
	});

	it('tolerates BOM, CRLF, blank lines, a missing final line break and quoted values', () => {
		const result = csv('\uFEFFID , Product\r\n"abc12345","sku, ""one"""\r\n\r\ndef12345,"two\r\nlines"\r\nghi12345,x');
		expect(result.columns).toEqual(['id', 'product']);
		const out = result.files[0].toString();
		expect(out.startsWith('id,product\r\n')).toBe(true); // normalised header, BOM gone
		expect(readAll(result).rows).toEqual([
			['abc12345', 'sku, "one"'],
			['def12345', 'two\r\nlines'],
			['ghi12345', 'x'],
		]);
	});

	it('skips rows of only empty values (spreadsheet artefacts)', () => {
		const result = csv('id,product\nabc12345,a\n,\n"",""\ndef12345,b\n,\n');
		expect(result.codeCount).toBe(2);
		expect(readAll(result).rows).toEqual([
			['abc12345', 'a'],
			['def12345', 'b'],
		]);
	});

	it('counts lines from the header (first data row is line 2), also after quoted line breaks and blank lines', () => {
		const error = errorOf(() => csv('id,note\nabc12345,"multi\nline"\n\nbad!,x\n'));
		expect(error.message).toBe('Line 5, field "id": "bad!" contains "!"; an id must be at least 8 characters of letters, digits, - or _');
	});

	it('reports every problem at once: first 10 listed plus the total', () => {
		const rows = ['id,activation_status'];
		for (let i = 0; i < 15; i++) rows.push(`bad${i},1`);
		const error = errorOf(() => csv(rows.join('\n')));
		expect(error.message).toMatch(/^15 problems in the codes to upload \(the first 10 are listed\): Line 2, field "id": "bad0"/);
		expect(error.message).toContain('Line 11, field "id": "bad9"');
		expect(error.message).not.toContain('"bad10"');
		expect(error.description?.split('\n').filter((l) => l.startsWith('- Line'))).toHaveLength(MAX_REPORTED_PROBLEMS);
		expect(error.description).toContain('and 5 more');
	});

	it.each([
		['short id', 'id\nabc1234\n', 'Line 2, field "id": "abc1234" is 7 characters long; an id must be at least 8 characters of letters, digits, - or _'],
		['bad character', 'id\nabc.12345\n', 'Line 2, field "id": "abc.12345" contains "."'],
		['non-ASCII character', 'id\nabcé12345\n', 'Line 2, field "id": "abcé12345" contains "é"'],
		['over 100 characters', `id\n${'a'.repeat(101)}\n`, 'Line 2, field "id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" is 101 characters long; an id may have at most 100'],
		['empty id', 'id,product\n,sku\n', 'Line 2, field "id": the id is empty'],
		['bad activation status', 'id,activation_status\nabc12345,3\n', 'Line 2, field "activation_status": "3" is not a valid activation_status; it must be 0 (inactive), 1 (active) or 2 (blacklisted)'],
		['spaced activation status', 'id,activation_status\nabc12345, 1\n', 'Line 2, field "activation_status": " 1" is not a valid activation_status'],
		['column count', 'id,product\nabc12345,a,b\n', 'Line 2: has 3 values but the header has 2 columns'],
		['stray quote', 'id,product\nabc12345,12" pipe\n', 'Line 2, field "product": a quote (") inside a value that is not in quotes'],
		['duplicate', 'id\nabc12345\ndef12345\nabc12345\n', 'Line 4, field "id": "abc12345" is a duplicate of line 2'],
	])('%s', (_name, text, expected) => {
		expect(errorOf(() => csv(text)).message).toContain(expected);
	});

	it('accepts exactly 8 and exactly 100 characters, and empty activation status', () => {
		const result = csv(`id,activation_status\nA-b_1234,\n${'z'.repeat(100)},2\n`);
		expect(result.codeCount).toBe(2);
	});

	it('keeps duplicates when allowed', () => {
		const result = csv('id\nabc12345\nabc12345\n', { allowPostedDuplicates: true });
		expect(result.codeCount).toBe(2);
		expect(result.files[0].toString()).toBe('id\nabc12345\nabc12345\n');
	});

	it('no id column: lists the columns found, with a hint for pipes and headerless files', () => {
		const error = errorOf(() => csv('code,product\nabc12345,sku\n'));
		expect(error.message).toBe('The file has no "id" column (line 1, the header, has the columns "code", "product")');
		expect(errorOf(() => csv('id|product\nabc12345|sku\n')).description).toMatch(/separated by "\|"/);
		expect(errorOf(() => csv('abc12345,sku\n')).description).toMatch(/looks like data/);
	});

	it('empty input', () => {
		expect(errorOf(() => csv('')).message).toMatch(/empty/);
		expect(errorOf(() => csv('\uFEFF\r\n\r\n')).message).toMatch(/empty/);
		expect(errorOf(() => csv('id,product\r\n\r\n')).message).toBe('The file has a header but no codes: add one row per code below the header');
	});

	it('broken quoting and wrong types', () => {
		expect(errorOf(() => csv('id,product\nabc12345,"open\n')).message).toBe('Line 2: the quoted value in column 2 is never closed (a closing " is missing)');
		expect(errorOf(() => csv('id,product\nabc12345,"a"b\n')).message).toBe('Line 2: unexpected text after the closing quote of column 2');
		expect(errorOf(() => csv('[{"id": "abc12345"}]')).message).toMatch(/declared as CSV but looks like JSON/);
		expect(errorOf(() => buildFromFile(Buffer.from('PK\x03\x04rest', 'latin1'), 'csv', noDup)).message).toMatch(/Excel workbook/);
		expect(errorOf(() => buildFromFile(Buffer.from('\xff\xfei\x00d\x00', 'latin1'), 'csv', noDup)).message).toMatch(/UTF-16/);
		expect(errorOf(() => buildFromFile(Buffer.from('id\nabc12345\n', 'utf16le'), 'csv', noDup)).message).toMatch(/UTF-16/);
		expect(errorOf(() => buildFromFile(Buffer.from('id\nabc\x0012345\n', 'latin1'), 'csv', noDup)).message).toMatch(
			/not a CSV text file: it contains binary data \(line 2\)/,
		);
		expect(errorOf(() => buildFromFile(Buffer.from('id\nabc12345\ncaf\xe9\n', 'latin1'), 'csv', noDup)).message).toMatch(
			/^Line 3 of the CSV file is not valid UTF-8/,
		);
	});

	it('an id header is found in any case and rewritten in lower case', () => {
		const result = csv('ID,Activation_Status,Pallet_Number\nabc12345,1,p\n');
		expect(result.files[0].toString()).toBe('id,activation_status,Pallet_Number\nabc12345,1,p\n');
	});

	it('rejects a header with an empty or repeated column', () => {
		expect(errorOf(() => csv('id,product,\nabc12345,a,\n')).message).toBe('Line 1 (the header): column 3 has no name');
		expect(errorOf(() => csv('id,product,Product\nabc12345,a,b\n')).message).toMatch(/"product" appears twice \(columns 2 and 3\)/);
	});

	it('reads bare CR line breaks and writes CRLF', () => {
		const result = csv('id,product\rabc12345,"a,b"\rdef12345,c\r');
		expect(result.files[0].toString()).toBe('id,product\r\nabc12345,"a,b"\r\ndef12345,c\r\n');
		expect(errorOf(() => csv('id,product\rabc12345,a\rbad,b\r')).message).toContain('Line 3, field "id": "bad"');
	});

	it('splits over maxFileBytes: header in every file, every id exactly once, in order', () => {
		const ids = Array.from({ length: 200 }, (_, i) => `code${String(i).padStart(6, '0')}`);
		const text = `id,product,pallet_number\r\n${ids.map((id, i) => `${id},sku${i % 3},"pal, ${i}"`).join('\r\n')}\r\n`;
		const result = csv(text, { maxFileBytes: 1000 });
		expect(result.files.length).toBeGreaterThan(5);
		for (const file of result.files) {
			expect(file.length).toBeLessThanOrEqual(1000);
			expect(file.toString().startsWith('id,product,pallet_number\r\n')).toBe(true);
		}
		const { rows } = readAll(result);
		expect(rows.map((r) => r[0])).toEqual(ids);
		expect(result.codeCounts.reduce((a, b) => a + b, 0)).toBe(200);
		expect(result.codeCount).toBe(200);
	});

	it('the duplicate check spans all split files', () => {
		const ids = Array.from({ length: 100 }, (_, i) => `code${String(i).padStart(6, '0')}`);
		ids.push(ids[0]);
		const error = errorOf(() => csv(`id\n${ids.join('\n')}\n`, { maxFileBytes: 200 }));
		expect(error.message).toBe('Line 102, field "id": "code000000" is a duplicate of line 2');
	});

	it('splits items output too and rejects a row larger than the limit', () => {
		const items = Array.from({ length: 50 }, (_, i) => ({ code: `item${String(i).padStart(6, '0')}`, note: 'n,"q"' }));
		const result = buildFromItems(items, { idField: 'code', mapping: [], allowPostedDuplicates: false, maxFileBytes: 300 });
		expect(result.files.length).toBeGreaterThan(1);
		expect(readAll(result).rows.map((r) => r[0])).toEqual(items.map((i) => i.code));
		expect(readAll(result).headers.every((h) => h.join() === 'id,note')).toBe(true);
		expect(errorOf(() => csv(`id,note\nabc12345,${'x'.repeat(100)}\n`, { maxFileBytes: 50 })).message).toMatch(
			/^Line 2 is 110 bytes; with the 8-byte header it does not fit in one upload file of at most 50 bytes/,
		);
	});

	it('handles 100,000 rows; duplicates are found with the line of their first occurrence', () => {
		const lines = ['id,product,activation_status,pallet_number'];
		for (let i = 0; i < 100_000; i++) lines.push(`ST${String(i).padStart(10, '0')},sku${i % 7},${i % 3},pal${i >> 8}`);
		const data = Buffer.from(`${lines.join('\n')}\n`);
		const result = buildFromFile(data, 'csv', noDup);
		expect(result.codeCount).toBe(100_000);
		expect(result.files[0].equals(data)).toBe(true);
		const dup = Buffer.concat([data, Buffer.from(`${lines[50_000].split(',')[0]},x,1,p\nST${'9'.repeat(10)},x,1,p\n${lines[1].split(',')[0]},x,1,p\n`)]);
		const error = errorOf(() => buildFromFile(dup, 'csv', noDup));
		expect(error.message).toBe(
			`2 problems in the codes to upload: Line 100002, field "id": "${lines[50_000].split(',')[0]}" is a duplicate of line 50001; ` +
				`Line 100004, field "id": "${lines[1].split(',')[0]}" is a duplicate of line 2`,
		);
	});
});

describe("buildFromFile: people's CSV dialects", () => {
	const status = (text: string) => errorOf(() => csv(text)).message;

	it.each([
		['semicolon (Excel in much of Europe)', 'id;product;weight;pallet_number\nabc12345;sku 1;1,5;"pal; 1"\ndef12345;sku2;2;p2\n'],
		['tab (a database dump)', 'id\tproduct\tweight\tpallet_number\nabc12345\tsku 1\t1,5\tpal; 1\ndef12345\tsku2\t2\tp2\n'],
		['comma', 'id,product,weight,pallet_number\nabc12345,sku 1,"1,5",pal; 1\ndef12345,sku2,2,p2\n'],
	])('%s: columns and values, written back with commas', (_name, text) => {
		const result = csv(text);
		expect(result.columns).toEqual(['id', 'product', 'weight', 'pallet_number']);
		expect(result.codeCount).toBe(2);
		expect(result.files[0].toString()).toBe('id,product,weight,pallet_number\nabc12345,sku 1,"1,5",pal; 1\ndef12345,sku2,2,p2\n');
	});

	it('takes the delimiter that gives an id column, not just the most columns', () => {
		expect(csv('id,name;other\nabc12345,a;b\n').columns).toEqual(['id', 'name;other']);
		expect(csv('code,x;id;y\n1,2;abc12345;z\n').columns).toEqual(['code,x', 'id', 'y']);
	});

	it('quoted values: delimiters, doubled quotes and line breaks inside quotes', () => {
		const result = csv('id;note;product\r\n"abc12345";"a;b ""c"", d";"two\r\nlines"\r\n');
		expect(readAll(result).rows).toEqual([['abc12345', 'a;b "c", d', 'two\r\nlines']]);
		expect(result.files[0].toString()).toBe('id,note,product\r\nabc12345,"a;b ""c"", d","two\r\nlines"\r\n');
	});

	it.each([
		['CRLF', '\r\n', '\r\n'],
		['LF', '\n', '\n'],
		['bare CR', '\r', '\r\n'],
	])('%s line breaks: ids and values read, rows written with the same break (CRLF for bare CR)', (_name, eol, written) => {
		const result = csv(['id;product', 'abc12345;sku1', '', 'def12345;sku2', ''].join(eol));
		expect(result.columns).toEqual(['id', 'product']);
		expect(result.files[0].toString()).toBe(['id,product', 'abc12345,sku1', 'def12345,sku2', ''].join(written));
	});

	it('mixed line breaks still count lines right', () => {
		expect(csv('id\r\nabc12345\ndef12345\rghi12345').codeCount).toBe(3);
		expect(status('id\r\nabc12345\ndef12345\rbad\r\n')).toBe('Line 4, field "id": "bad" is 3 characters long; an id must be at least 8 characters of letters, digits, - or _');
	});

	it.each([
		['semicolon, CRLF', '\uFEFFid;product\r\nabc12345;sku1\r\n', 'id,product\r\nabc12345,sku1\r\n'],
		['tab, LF', '\uFEFFid\tproduct\nabc12345\tsku1\n', 'id,product\nabc12345,sku1\n'],
		['quoted header', '\uFEFF"id","product"\nabc12345,sku1\n', 'id,product\nabc12345,sku1\n'],
	])('a UTF-8 BOM at the start is dropped silently (%s)', (_name, text, written) => {
		const result = csv(text);
		expect(result.columns).toEqual(['id', 'product']);
		expect(result.files[0].toString()).toBe(written);
	});

	it('a problem names the line and the field (lines inside quoted values and blank lines count)', () => {
		expect(status('id;activation_status\nabc12345;1\n\ndef12345;5\n')).toBe(
			'Line 4, field "activation_status": "5" is not a valid activation_status; it must be 0 (inactive), 1 (active) or 2 (blacklisted), or empty',
		);
		expect(status('id,note\r\nabc12345,"a\r\nb\r\nc"\r\nbad!,x\r\n')).toMatch(/^Line 5, field "id": "bad!" contains "!"/);
		expect(status('id,note\r\nabc12345,"a\r\nb"\r\ndef12345,"x"y\r\n')).toBe('Line 4: unexpected text after the closing quote of column 2');
		expect(status('id\tnote\nabc12345\tsay "hi"\n')).toMatch(/^Line 2, field "note": a quote \("\) inside a value that is not in quotes/);
		expect(status('id;note\nabc12345;x\nabc12345;y\n')).toBe('Line 3, field "id": "abc12345" is a duplicate of line 2');
	});

	it('more than ten problems: the first ten are listed, with the total', () => {
		const rows = ['id\tactivation_status'];
		for (let i = 0; i < 12; i++) rows.push(`bad${i}\t${i % 2 === 0 ? 1 : 7}`);
		const error = errorOf(() => csv(rows.join('\r\n')));
		expect(error.message).toMatch(/^18 problems in the codes to upload \(the first 10 are listed\): Line 2, field "id": "bad0" is 4 characters long/);
		expect(error.message).toContain('Line 3, field "activation_status": "7" is not a valid activation_status');
		expect(error.message.split('; Line ')).toHaveLength(MAX_REPORTED_PROBLEMS);
		expect(error.description).toContain('- … and 8 more');
	});
});

describe('a CSV that rewriting would not change is uploaded as it is', () => {
	it.each([
		['LF', '\n'],
		['CRLF', '\r\n'],
	])('%s, commas, no quotes: the upload file is the input itself', (_name, eol) => {
		const data = Buffer.from(['id,product,pallet_number', 'abc12345,sku 1,P1', 'def12345,sku2,', ''].join(eol));
		const result = csv(data.toString());
		expect(result.files[0].equals(data)).toBe(true);
		expect(result.codeCounts).toEqual([2]);
	});

	it.each([
		['semicolons', ';'],
		['tabs', '\t'],
	])('%s, no quotes, no commas in values: the file with commas for delimiters, characters of any script untouched', (_name, delimiter) => {
		const text = [['id', 'product', 'pallet_number'], ['abc12345', 'crème brûlée 東京', 'P1'], ['def12345', '', 'P2']].map((row) => row.join(delimiter)).join('\r\n');
		expect(csv(text).files[0].toString()).toBe(`${text.split(delimiter).join(',')}\r\n`);
		expect(csv(text.replace('P1', 'P,1')).files[0].toString()).toContain('"P,1"'); // a comma in a value: written with quotes
	});

	it('a last row without a line break gets one, like every written row', () => {
		expect(csv('id,product\r\nabc12345,sku1').files[0].toString()).toBe('id,product\r\nabc12345,sku1\r\n');
	});

	it.each([
		['a header in capitals', 'ID,Product\nabc12345,sku1\n', 'id,product\nabc12345,sku1\n'],
		['a blank line', 'id,product\nabc12345,sku1\n\ndef12345,sku2\n', 'id,product\nabc12345,sku1\ndef12345,sku2\n'],
		['a row of empty values', 'id,product\nabc12345,sku1\n,\n', 'id,product\nabc12345,sku1\n'],
		['quotes that are not needed', 'id,product\n"abc12345","sku1"\n', 'id,product\nabc12345,sku1\n'],
		['CRLF rows and an LF row', 'id,product\r\nabc12345,sku1\ndef12345,sku2\r\n', 'id,product\r\nabc12345,sku1\r\ndef12345,sku2\r\n'],
	])('with %s it is written back', (_name, text, written) => {
		expect(csv(text).files[0].toString()).toBe(written);
	});

	it('a file over the size limit is still split, each part with the header', () => {
		const rows = Array.from({ length: 30 }, (_, i) => `code${String(i).padStart(6, '0')},sku`);
		const result = buildFromFile(Buffer.from(['id,product', ...rows, ''].join('\n')), 'csv', { ...noDup, maxFileBytes: 200 });
		expect(result.files.length).toBeGreaterThan(1);
		expect(result.files.every((file) => file.length <= 200 && file.toString().startsWith('id,product\n'))).toBe(true);
		expect(readAll(result).rows.map((row) => row[0])).toEqual(rows.map((row) => row.split(',')[0]));
	});
});

describe('duplicates are found exactly, also among ids whose hashes collide', () => {
	// 32-bit FNV-1a, written again here: two ids with the same hash are what the builder's quick pre-check cannot tell apart.
	const fnv1a = (text: string) => [...text].reduce((hash, ch) => Math.imul(hash ^ ch.charCodeAt(0), 0x01000193), 0x811c9dc5) >>> 0;
	const seen = new Map<number, string>();
	let colliding: [string, string] | undefined;
	for (let n = 0; colliding === undefined; n++) {
		const id = `code${n.toString(36).padStart(8, '0')}`;
		const other = seen.get(fnv1a(id));
		if (other !== undefined) colliding = [other, id];
		seen.set(fnv1a(id), id);
	}
	const [a, b] = colliding;

	it('two different ids with the same hash are both kept', () => {
		expect(mayRepeat([a, 'zzzz1111', b])(2)).toBe(true);
		expect(mayRepeat([a, 'zzzz1111', b])(1)).toBe(false);
		expect(readAll(csv(`id\n${a}\nzzzz1111\n${b}\n`)).rows).toEqual([[a], ['zzzz1111'], [b]]);
	});

	it('a real duplicate among them names the line of its first occurrence', () => {
		expect(errorOf(() => csv(`id\n${a}\n${b}\nzzzz1111\n${b}\n`)).message).toBe(`Line 5, field "id": "${b}" is a duplicate of line 3`);
	});
});

describe('invisible characters are shown escaped', () => {
	it.each([
		['zero-width space', 'ABC\u200B12345', '"ABC\\u{200B}12345" contains the invisible character U+200B (zero-width space)'],
		['BOM inside a value', 'ABC\uFEFF12345', '"ABC\\u{FEFF}12345" contains the invisible character U+FEFF (byte order mark)'],
		['no-break space', 'ABC\u00A012345', '"ABC\\u{A0}12345" contains the invisible character U+00A0 (no-break space)'],
		['soft hyphen', 'ABC\u00AD12345', '"ABC\\u{AD}12345" contains the invisible character U+00AD'],
		['control character', 'ABC\u000712345', '"ABC\\u000712345" contains the control character U+0007'],
		['C1 control character', 'ABC\u008512345', '"ABC\\u{85}12345" contains the control character U+0085'],
	])('%s in an id', (_name, id, expected) => {
		expect(status(`id,product\nABCDEFGH,x\n${id},y\n`)).toBe(`Line 3, field "id": ${expected}; an id must be at least 8 characters of letters, digits, - or _`);
		expect(errorOf(() => buildFromItems([{ code: id }], { idField: 'code', mapping: [], allowPostedDuplicates: false })).message).toBe(
			`Item 0, field "code": ${expected}; an id must be at least 8 characters of letters, digits, - or _`,
		);
	});

	it('a BOM that is not at the start of the file, and invisible characters in column names', () => {
		expect(status('id\nabc12345\n\uFEFFdef12345\n')).toMatch(/^Line 3, field "id": "\\u\{FEFF\}def12345" contains the invisible character U\+FEFF/);
		expect(status('i\u200Bd,product\nabc12345,x\n')).toBe('The file has no "id" column (line 1, the header, has the columns "i\\u{200B}d", "product")');
		// a plain space stays a space
		expect(status('id\nabc 12345\n')).toBe('Line 2, field "id": "abc 12345" contains " " (a space); an id must be at least 8 characters of letters, digits, - or _');
	});

	function status(text: string): string {
		return errorOf(() => csv(text)).message;
	}
});

describe('allowed posted duplicates in a split upload', () => {
	// Scantrust ignores a duplicate only within one file; in a later file it is an existing_id_error, after the
	// earlier file already created codes. Rows are `<8-character id>,<occurrence>`; the limits fit 4 rows per file.
	const rows = ['codeAAAA,1', 'codeBBBB,1', 'codeAAAA,2', 'codeCCCC,1', 'codeCCCC,2', 'codeDDDD,1', 'codeAAAA,3', 'codeEEEE,1', 'codeFFFF,1', 'codeGGGG,1', 'codeHHHH,1', 'codeCCCC,3', 'codeHHHH,2'];
	// File 1 keeps its own duplicate (A2); C2 no longer fits there, so it would open file 2: dropped, as are A3 and C3.
	const expected = [['codeAAAA,1', 'codeBBBB,1', 'codeAAAA,2', 'codeCCCC,1'], ['codeDDDD,1', 'codeEEEE,1', 'codeFFFF,1', 'codeGGGG,1'], ['codeHHHH,1', 'codeHHHH,2']];

	function rowsPerFile(result: OwnCodesFile): string[][] {
		return result.files.map((file) => (parse(file) as string[][]).slice(1).map((r) => r.join(',')));
	}

	function expectNoIdInTwoFiles(result: OwnCodesFile): void {
		const owner = new Map<string, number>();
		rowsPerFile(result).forEach((fileRows, index) => {
			for (const row of fileRows) {
				const id = row.split(',')[0];
				expect(owner.get(id) ?? index).toBe(index);
				owner.set(id, index);
			}
		});
	}

	it.each([
		['CSV with LF', () => csv(`id,n\n${rows.join('\n')}\n`, { allowPostedDuplicates: true, maxFileBytes: 5 + 4 * 11 })],
		['CSV with bare CR', () => csv(`id,n\r${rows.join('\r')}\r`, { allowPostedDuplicates: true, maxFileBytes: 6 + 4 * 12 })],
		[
			'items',
			() =>
				buildFromItems(
					rows.map((r) => ({ id: r.split(',')[0], n: r.split(',')[1] })),
					{ idField: 'id', mapping: [], allowPostedDuplicates: true, maxFileBytes: 6 + 4 * 12 },
				),
		],
		[
			'JSON',
			() =>
				buildFromFile(Buffer.from(JSON.stringify(rows.map((r) => ({ id: r.split(',')[0], n: r.split(',')[1] })))), 'json', {
					allowPostedDuplicates: true,
					maxFileBytes: 6 + 4 * 12,
				}),
		],
	])('%s: a duplicate stays in the file of its first occurrence and is left out of later files', (_source, build) => {
		const result = build();
		expect(rowsPerFile(result)).toEqual(expected);
		expectNoIdInTwoFiles(result);
		expect(result.droppedDuplicates).toBe(3);
		expect(result.codeCounts).toEqual([4, 4, 2]);
		expect(result.codeCount).toBe(rows.length);
	});

	it('drops nothing when everything fits in one file', () => {
		const data = Buffer.from(`id,n\n${rows.join('\n')}\n`);
		const result = buildFromFile(data, 'csv', { allowPostedDuplicates: true });
		expect(result.droppedDuplicates).toBe(0);
		expect(result.files).toHaveLength(1);
		expect(rowsPerFile(result)[0]).toEqual(rows);
	});

	it('keeps every row of a split upload without duplicates', () => {
		const ids = Array.from({ length: 200 }, (_, i) => `code${String(i).padStart(6, '0')}`);
		const result = csv(`id\n${ids.join('\n')}\n`, { allowPostedDuplicates: true, maxFileBytes: 200 });
		expect(result.files.length).toBeGreaterThan(5);
		expect(result.droppedDuplicates).toBe(0);
		expect(rowsPerFile(result).flat()).toEqual(ids);
	});

	it('finds a duplicate of an early file (40,000 rows)', () => {
		const ids = Array.from({ length: 40_000 }, (_, i) => `ST${String(i).padStart(10, '0')}`);
		const last = ids[ids.length - 1];
		const result = csv(`id\n${ids.join('\n')}\n${ids[3]}\n${last}\n`, { allowPostedDuplicates: true, maxFileBytes: 64 * 1024 });
		expect(result.files.length).toBeGreaterThan(5);
		expect(result.droppedDuplicates).toBe(1); // ids[3] is in file 1; the last id shares the last file
		const written = result.files.map((file) => file.toString('latin1').slice('id\n'.length)).join('');
		expect(written).toBe(`${ids.join('\n')}\n${last}\n`);
	});
});

describe('buildFromFile: JSON', () => {
	it('converts an array of objects to CSV, id first, columns in first-seen order', () => {
		const result = json([
			{ product: 'sku1', id: 'abc12345', activation_status: 1 },
			{ id: 'def12345', pallet_number: 'p,1', product: null },
		]);
		expect(result.filetype).toBe('csv');
		expect(result.columns).toEqual(['id', 'product', 'activation_status', 'pallet_number']);
		expect(result.files[0].toString()).toBe('id,product,activation_status,pallet_number\r\nabc12345,sku1,1,\r\ndef12345,,,"p,1"\r\n');
	});

	it('names the array index and field', () => {
		const error = errorOf(() =>
			json([{ id: 'abc12345' }, { id: 'short' }, { product: 'x' }, { id: 'abc12345', activation_status: '7' }, 'text', { id: 'ghi12345', scm: { a: 1 } }]),
		);
		expect(error.message).toMatch(/^6 problems/);
		expect(error.message).toContain('Array index 1, field "id": "short" is 5 characters long');
		expect(error.message).toContain('Array index 2, field "id": missing');
		expect(error.message).toContain('Array index 3, field "id": "abc12345" is a duplicate of array index 0');
		expect(error.message).toContain('Array index 3, field "activation_status": "7" is not a valid activation_status');
		expect(error.message).toContain('Array index 4: is a string, not an object with an id');
		expect(error.message).toContain('Array index 5, field "scm": is an object');
	});

	it('keeps duplicates when allowed', () => {
		expect(json([{ id: 'abc12345' }, { id: 'abc12345' }], { allowPostedDuplicates: true }).codeCount).toBe(2);
	});

	it('unparsable, not an array, empty, wrong type', () => {
		const bad = errorOf(() => buildFromFile(Buffer.from('[\n{"id": "abc12345",}\n]'), 'json', noDup));
		expect(bad.message).toMatch(/^The JSON file could not be read \(line 2, column 19\): /);
		expect(errorOf(() => json({ codes: [{ id: 'abc12345' }] })).description).toMatch(/property "codes" is a list/);
		expect(errorOf(() => json([])).message).toMatch(/empty array/);
		expect(errorOf(() => buildFromFile(Buffer.from('id,product\nabc12345,x\n'), 'json', noDup)).message).toMatch(
			/declared as JSON but does not start with "\[": it starts with "id,product"/,
		);
	});
});

describe('detectFileType', () => {
	it.each([
		[undefined, 'text/csv', 'csv'],
		['codes.txt', 'text/csv; charset=utf-8', 'csv'],
		[undefined, 'application/json', 'json'],
		['codes.CSV', 'application/vnd.ms-excel', 'csv'],
		['codes.json', 'application/octet-stream', 'json'],
		['codes.json', undefined, 'json'],
		['codes.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', undefined],
		[undefined, undefined, undefined],
	])('%s / %s -> %s', (name, mime, expected) => {
		expect(detectFileType(name, mime)).toBe(expected);
	});
});
