import { describeErrorBody, isAmbiguousFailure } from '../../nodes/Scantrust/transport/errors';
import { retryAfterSeconds } from '../../nodes/Scantrust/transport/request';
import { presignedPostBody } from '../../nodes/Scantrust/transport/s3Upload';
import { NodeApiError } from 'n8n-workflow';

describe('describeErrorBody', () => {
	it('shows a DRF detail as it is', () => {
		expect(describeErrorBody({ detail: 'Invalid record', code: 'invalid' })).toBe('Invalid record');
	});

	it('lists field errors field by field', () => {
		expect(
			describeErrorBody({ quantity: ['Ensure this value is greater than or equal to 1.'], template: ['This field is required.'] }),
		).toBe('quantity: Ensure this value is greater than or equal to 1.; template: This field is required.');
	});

	it('keeps non_field_errors without a field name and handles nesting and text', () => {
		expect(describeErrorBody({ non_field_errors: ['Bad combination.'] })).toBe('Bad combination.');
		expect(describeErrorBody({ data: { remarks: ['Too long.'] } })).toBe('data: remarks: Too long.');
		expect(describeErrorBody('  <h1>Bad Gateway</h1> ')).toBe('<h1>Bad Gateway</h1>');
		expect(describeErrorBody(undefined)).toBe('');
	});
});

describe('retryAfterSeconds', () => {
	it('prefers the Retry-After header', () => {
		expect(retryAfterSeconds({ 'retry-after': '7' }, { detail: 'Expected available in 30 seconds.' })).toBe(7);
	});

	it('reads an HTTP date in Retry-After', () => {
		const inFiveSeconds = new Date(Date.now() + 5000).toUTCString();
		expect(retryAfterSeconds({ 'retry-after': inFiveSeconds }, {})).toBeGreaterThan(3);
	});

	it('falls back to the seconds in the DRF detail, then to 1', () => {
		expect(retryAfterSeconds({}, { detail: 'Request was throttled. Expected available in 12 seconds.' })).toBe(12);
		expect(retryAfterSeconds({}, { detail: 'Request was throttled. Expected available in 1 second.' })).toBe(1);
		expect(retryAfterSeconds({}, {})).toBe(1);
	});
});

describe('isAmbiguousFailure', () => {
	const node = { id: '1', name: 'Scantrust', type: 'x', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
	it('is true for no answer and 5xx, false for 4xx and other errors', () => {
		expect(isAmbiguousFailure(new NodeApiError(node, {}, { message: 'no answer' }))).toBe(true);
		expect(isAmbiguousFailure(new NodeApiError(node, {}, { message: 'x', httpCode: '502' }))).toBe(true);
		expect(isAmbiguousFailure(new NodeApiError(node, {}, { message: 'x', httpCode: '400' }))).toBe(false);
		expect(isAmbiguousFailure(new Error('x'))).toBe(false);
	});
});

describe('presignedPostBody', () => {
	it('puts every field in order, then the file as the last part', () => {
		const { body, contentType } = presignedPostBody(
			{ url: 'https://s3.example/bucket/', fields: { key: 'ingestion/abc.csv', 'Content-Type': 'text/csv', 'x-amz-meta-nonce-1': 'n' } },
			{ content: Buffer.from('id\nabcdefgh\n'), fileName: 'codes.csv', contentType: 'text/csv' },
		);
		const boundary = /boundary=(.+)$/.exec(contentType)![1];
		const parts = body.toString('utf8').split(`--${boundary}`).slice(1, -1);
		expect(parts.map((part) => /name="([^"]+)"/.exec(part)![1])).toEqual(['key', 'Content-Type', 'x-amz-meta-nonce-1', 'file']);
		expect(parts[3]).toContain('filename="codes.csv"');
		expect(parts[3].endsWith('\r\n\r\nid\nabcdefgh\n\r\n')).toBe(true);
		expect(body.toString('utf8').endsWith(`--${boundary}--\r\n`)).toBe(true);
	});
});
