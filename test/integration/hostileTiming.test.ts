/**
 * Servers that trickle their answer, and 5xx answers that say when to come back: every attempt has an
 * overall deadline, and a Retry-After on a retryable 5xx is honoured. API requests and storage transfers alike.
 */
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { ScantrustTrigger } from '../../nodes/Scantrust/ScantrustTrigger.node';
import { transferFile } from '../../nodes/Scantrust/transport/fileTransfer';
import { apiRequest } from '../../nodes/Scantrust/transport/request';
import { makePollContext, registerNodeType, runScantrustNode, TRIGGER_TYPE } from '../helpers/n8nHarness';
import { credentialsFor, json, runInNode, startServer, useServers, type HostileServer } from './hostileServer';

/** One attempt, no back-off: the deadline alone decides. */
const ONCE = { maxAttempts: 1, maxWaitSeconds: 60, maxTotalWaitSeconds: 120, backoffSeconds: () => 0 };
const SHORT = { retry: ONCE, deadlineMs: 1500 };

registerNodeType(TRIGGER_TYPE, new ScantrustTrigger());

const { track } = useServers();

/** 200 JSON headers at once, then one byte of body every 300 ms, for ever: each byte re-arms an idle timeout. */
async function trickle(): Promise<HostileServer> {
	const server = await startServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.write('{"id": 5, "pad": "');
		const timer = setInterval(() => res.write(' '), 300);
		res.on('close', () => clearInterval(timer));
	});
	track(server);
	return server;
}

const getFive = (ctx: IExecuteFunctions | ReturnType<typeof makePollContext>) =>
	apiRequest.call(ctx, { method: 'GET', path: '/api/v2/workorders/5/', action: 'get work order 5' }, SHORT);

describe('an API answer that trickles for ever', () => {
	it('is cut off at the deadline in a node run, and its connection closed', async () => {
		const server = await trickle();
		const started = Date.now();
		const { error } = await runInNode(credentialsFor(server.url), getFive);
		const elapsed = Date.now() - started;
		expect(error?.message).toBe(`Could not get work order 5: no complete answer from ${server.url} within 1.5 s`);
		expect(elapsed).toBeGreaterThanOrEqual(1400);
		expect(elapsed).toBeLessThan(4000);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(server.seen[0].closedAt).toBeDefined();
		expect(server.seen[0].closedAt! - started).toBeLessThan(4000);
	}, 15_000);

	it('is cut off at the deadline in a trigger poll', async () => {
		const server = await trickle();
		const ctx = makePollContext({ parameters: {}, credentials: credentialsFor(server.url), mode: 'manual', staticData: {} });
		const started = Date.now();
		await expect(getFive(ctx)).rejects.toThrow(`Could not get work order 5: no complete answer from ${server.url} within 1.5 s`);
		expect(Date.now() - started).toBeLessThan(4000);
	}, 15_000);

	it('counts as "may have taken effect" for a POST: not retried', async () => {
		const server = await trickle();
		const { error } = await runInNode(credentialsFor(server.url), async (ctx) =>
			await apiRequest.call(
				ctx,
				{ method: 'POST', path: '/api/v2/workorders/create-from-template/', body: { template: 1, quantity: 1 }, action: 'create a work order' },
				{ retry: { ...ONCE, maxAttempts: 4 }, deadlineMs: 1000 },
			),
		);
		expect(error?.message).toBe(`Could not create a work order: no complete answer from ${server.url} within 1 s`);
		expect(server.seen).toHaveLength(1);
	}, 15_000);
});

describe('headers that trickle for ever', () => {
	it('are cut off at the deadline', async () => {
		const sockets = new Set<Socket>();
		let closedAt: number | undefined;
		const tcp = createTcpServer((socket) => {
			sockets.add(socket);
			socket.on('data', () => undefined);
			socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ');
			const timer = setInterval(() => socket.write('a'), 300);
			socket.on('close', () => {
				closedAt = Date.now();
				clearInterval(timer);
			});
			socket.on('error', () => undefined);
		});
		await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
		track({
			close: async () => {
				for (const socket of sockets) socket.destroy();
				await new Promise((resolve) => tcp.close(resolve));
			},
		});
		const url = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
		const started = Date.now();
		const { error } = await runInNode(credentialsFor(url), getFive);
		expect(error?.message).toBe(`Could not get work order 5: no complete answer from ${url} within 1.5 s`);
		expect(Date.now() - started).toBeLessThan(4000);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(closedAt).toBeDefined();
		expect(closedAt! - started).toBeLessThan(3000);
	}, 15_000);
});

describe('a storage transfer that trickles for ever', () => {
	it('is cut off at its deadline', async () => {
		const server = await trickle();
		const started = Date.now();
		const { error } = await runInNode(credentialsFor('https://api.example.com'), async (ctx) => {
			const response = await transferFile.call(
				ctx,
				{ method: 'GET', url: `${server.url}/bucket/codes.zip`, encoding: 'arraybuffer' },
				{ action: 'download the codes', forbiddenHint: 'Run again.', itemIndex: 0 },
				SHORT,
			);
			return { status: response.statusCode };
		});
		expect(error?.message).toBe(`Could not download the codes: no complete answer from ${server.url} within 1.5 s`);
		expect(Date.now() - started).toBeLessThan(4000);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(server.seen[0].closedAt).toBeDefined();
	}, 15_000);
});

describe('Retry-After on a retryable 5xx', () => {
	/** 503 with Retry-After: 0 twice, then the answer. */
	async function busyTwice(answer: (res: Parameters<Parameters<typeof startServer>[0]>[1]) => void): Promise<HostileServer> {
		const server = await startServer((req, res) => {
			if (server.seen.length <= 2) return json(res, 503, { detail: 'Busy.' }, { 'Retry-After': '0' });
			answer(res);
		});
		track(server);
		return server;
	}

	it('API: a GET is repeated as soon as the server says', async () => {
		const server = await busyTwice((res) => json(res, 200, { id: 5, state: 'new' }));
		const started = Date.now();
		const { output, error } = await runScantrustNode({
			parameters: { resource: 'workOrder', operation: 'get', workOrderId: '5' },
			credentials: credentialsFor(server.url),
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ id: 5, state: 'new' });
		expect(server.seen).toHaveLength(3);
		expect(Date.now() - started).toBeLessThan(900);
	});

	it('storage: a transfer is repeated as soon as the server says', async () => {
		const server = await busyTwice((res) => res.writeHead(200, { 'Content-Type': 'application/zip' }).end('PK'));
		const started = Date.now();
		const { output, error } = await runInNode(credentialsFor('https://api.example.com'), async (ctx) => {
			const response = await transferFile.call(
				ctx,
				{ method: 'GET', url: `${server.url}/bucket/codes.zip`, encoding: 'arraybuffer' },
				{ action: 'download the codes', forbiddenHint: 'Run again.', itemIndex: 0 },
			);
			return { status: response.statusCode, body: Buffer.from(response.body as Buffer).toString() } as IDataObject;
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ status: 200, body: 'PK' });
		expect(server.seen).toHaveLength(3);
		expect(server.seen.every((request) => request.authorization === undefined)).toBe(true);
		expect(Date.now() - started).toBeLessThan(900);
	});
});
