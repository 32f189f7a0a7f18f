/**
 * The scan walk of the newScan trigger (pure: pages in, scans out) and the cursor rules for newScan.
 * Pages are plain arrays handed to the walk, as the export's cursor pages would arrive.
 */
import type { IDataObject } from 'n8n-workflow';

import { advanceCursor, queryFingerprint, timeKey } from '../../nodes/Scantrust/trigger/cursor';
import { walkScans } from '../../nodes/Scantrust/trigger/walkScans';
import { MAX_ROWS_PER_POLL } from '../../nodes/Scantrust/trigger/walkList';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const QUERY = queryFingerprint({ campaign_id: 21, flags: ['counterfeit'] });
const fail = (message: string, description: string) => Object.assign(new Error(message), { description });

/** A scan record made `t` seconds after NOW. */
const scanAt = (uuid: string, t: number): IDataObject => ({ scan: { uuid, datetime: new Date(NOW + t * 1000).toISOString(), flags: ['counterfeit'] }, code: { extended_id: `code-${uuid}` } });

async function* pagesOf(pages: IDataObject[][], read: number[] = []) {
	for (const [index, page] of pages.entries()) {
		read.push(index);
		yield page;
	}
}

describe('walkScans', () => {
	it('reads pages only while asked to, keeps a scan met twice once, newest first', async () => {
		const read: number[] = [];
		const pages = [[scanAt('a', 0), scanAt('b', -1)], [scanAt('b', -1), scanAt('c', -2)], [scanAt('d', -3)]];
		const listed = await walkScans({ pages: pagesOf(pages, read), needsNextPage: (last) => last.id !== 'c', fail });
		expect(listed.map((s) => s.id)).toEqual(['a', 'b', 'c']);
		expect(read).toEqual([0, 1]);
		expect(listed[0]).toMatchObject({ created: timeKey(new Date(NOW).toISOString()), position: 0, json: pages[0][0] });
	});

	it('scans of one time may come in any order; a newer scan after an older one fails', async () => {
		const sameTime = [scanAt('b', 0), scanAt('a', 0), scanAt('c', 0)];
		expect((await walkScans({ pages: pagesOf([sameTime]), needsNextPage: () => true, fail })).map((s) => s.id)).toEqual(['b', 'a', 'c']);
		await expect(walkScans({ pages: pagesOf([[scanAt('a', -5)], [scanAt('b', 0)]]), needsNextPage: () => true, fail })).rejects.toThrow(
			/^Scantrust listed the scans in an unexpected order: scan a \(.+\) came before the newer scan b/,
		);
	});

	it('a scan without uuid or readable datetime fails, naming what it got', async () => {
		await expect(walkScans({ pages: pagesOf([[{ scan: { uuid: 'x', datetime: 'yesterday' } }]]), needsNextPage: () => true, fail })).rejects.toThrow(
			'Scantrust listed a scan without a uuid or a readable datetime (scan.uuid "x", scan.datetime "yesterday")',
		);
		await expect(walkScans({ pages: pagesOf([[{ uuid: 'flat', datetime: '2026-01-01T00:00:00Z' }]]), needsNextPage: () => true, fail })).rejects.toThrow(/scan\.uuid null/);
	});

	it(`stops with a clear error past maxRows (${MAX_ROWS_PER_POLL} by default) rather than read on`, async () => {
		const read: number[] = [];
		const pages = Array.from({ length: 10 }, (_, p) => Array.from({ length: 3 }, (__, i) => scanAt(`${p}-${i}`, -(p * 3 + i))));
		await expect(walkScans({ pages: pagesOf(pages, read), needsNextPage: () => true, fail, maxRows: 7 })).rejects.toThrow('More than 7 scans to read in one poll');
		expect(read).toEqual([0, 1, 2]);
	});
});

describe('cursor rules for newScan', () => {
	const listed = (...items: IDataObject[]) =>
		items.map((json, position) => ({ id: String((json.scan as IDataObject).uuid), created: timeKey((json.scan as IDataObject).datetime)!, position, json }));

	it('the first poll emits nothing; later, new scans once, oldest first, and nothing is kept pending', () => {
		const first = advanceCursor('newScan', QUERY, undefined, listed(scanAt('a', -10)), NOW);
		expect(first.emit).toEqual([]);
		expect(first.cursor).toMatchObject({ event: 'newScan', seen: [{ id: 'a' }], pending: [] });
		const second = advanceCursor('newScan', QUERY, first.cursor, listed(scanAt('c', 20), scanAt('b', 10), scanAt('a', -10)), NOW + 30_000);
		expect(second.emit.map((s) => s.id)).toEqual(['b', 'c']);
		expect(second.cursor.pending).toEqual([]);
		const third = advanceCursor('newScan', QUERY, second.cursor, listed(scanAt('c', 20), scanAt('b', 10), scanAt('a', -10)), NOW + 40_000);
		expect(third.emit).toEqual([]);
		expect(third.cursor).toEqual(second.cursor);
	});
});
