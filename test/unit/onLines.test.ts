import { PassThrough } from 'node:stream';

import { onLines } from '../../scripts/n8n/env';

/** n8n's output is read line by line, in chunks that cut lines anywhere. */
function linesOf(chunks: string[]): Promise<string[]> {
	const stream = new PassThrough();
	const lines: string[] = [];
	onLines(stream, (line) => lines.push(line));
	return new Promise((resolve) => {
		stream.on('end', () => resolve(lines));
		for (const chunk of chunks) stream.write(chunk);
		stream.end();
	});
}

describe('onLines', () => {
	it('joins lines cut across chunks, drops CR and empty lines, keeps a last line without newline', async () => {
		expect(await linesOf(['a\r\nb', 'c\n\nd', 'e'.repeat(3), '\nlast'])).toEqual(['a', 'bc', 'deee', 'last']);
	});

	it('reads one line of 50 MB in 64 KiB chunks whole (the result of a 1,000,000-code run is one line)', async () => {
		const line = 'x'.repeat(50 * 1024 * 1024);
		const chunks: string[] = [];
		for (let i = 0; i < line.length; i += 64 * 1024) chunks.push(line.slice(i, i + 64 * 1024));
		chunks.push('\nnext\n');
		const lines = await linesOf(chunks);
		expect(lines.map((l) => l.length)).toEqual([line.length, 4]);
	});
});
