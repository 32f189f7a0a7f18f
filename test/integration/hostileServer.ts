/**
 * Hostile servers for the transport tests: a few lines of node:http on 127.0.0.1 that echo, redirect, trickle
 * or answer nonsense, and a driver that runs a transport function inside n8n-core's real ExecuteContext.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject, IExecuteFunctions, INodeType } from 'n8n-workflow';

import { Scantrust } from '../../nodes/Scantrust/Scantrust.node';
import { NODE_TYPE, registerNodeType, runScantrustNode, type NodeRun, type SandboxCredentials } from '../helpers/n8nHarness';

/** A long token, as real UAT tokens are: redaction leaves strings too short to be a token alone. */
export const TOKEN = 'uat5b8e1f0c9d7a4e2b6c3f1a9e';

export interface Seen {
	method: string;
	/** Path and query, or the absolute URL a proxy is asked for. */
	url: string;
	host?: string;
	authorization?: string;
	body: string;
	/** When the client closed the connection (ms since the epoch). */
	closedAt?: number;
}

export interface HostileServer {
	/** http://127.0.0.1:<port> */
	url: string;
	seen: Seen[];
	close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

/**
 * For a test file: `serve` starts a server like startServer, `track` takes anything else with close(); all of them
 * are closed after each test.
 */
export function useServers(): { serve: typeof startServer; track: <T extends { close(): Promise<void> }>(server: T) => T } {
	const open: Array<{ close(): Promise<void> }> = [];
	afterEach(async () => {
		await Promise.all(open.splice(0).map((server) => server.close()));
	});
	const track = <T extends { close(): Promise<void> }>(server: T): T => {
		open.push(server);
		return server;
	};
	return { serve: async (handle) => track(await startServer(handle)), track };
}

/** Starts a server on 127.0.0.1 that records every request (with its body) before handing it to `handle`. */
export async function startServer(handle: Handler): Promise<HostileServer> {
	const seen: Seen[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const entry: Seen = {
				method: req.method ?? '',
				url: req.url ?? '',
				host: req.headers.host,
				authorization: req.headers.authorization,
				body: Buffer.concat(chunks).toString('utf8'),
			};
			seen.push(entry);
			res.on('close', () => (entry.closedAt = Date.now()));
			handle(req, res, entry);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		seen,
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export const credentialsFor = (baseUrl: string, token = TOKEN): SandboxCredentials => ({ environment: 'custom', baseUrl, token });

/** A node whose execute runs `run` in n8n-core's ExecuteContext: for limits that only a lower-level call takes. */
function driver(run: (ctx: IExecuteFunctions) => Promise<IDataObject>): INodeType {
	return {
		description: {
			displayName: 'Transport driver',
			name: 'transportDriver',
			group: ['transform'],
			version: 1,
			description: 'Runs one transport call',
			defaults: { name: 'Transport driver' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: 'scantrustApi', required: true }],
			properties: [],
		},
		async execute(this: IExecuteFunctions) {
			return [[{ json: await run(this) }]];
		},
	};
}

/** Runs `run` as the Scantrust node's execute would, in a one-node workflow; the real node is back afterwards. */
export async function runInNode(credentials: SandboxCredentials, run: (ctx: IExecuteFunctions) => Promise<IDataObject>): Promise<NodeRun> {
	registerNodeType(NODE_TYPE, driver(run));
	try {
		return await runScantrustNode({ parameters: {}, credentials });
	} finally {
		registerNodeType(NODE_TYPE, new Scantrust());
	}
}

/** Every text n8n stores or shows of an error: message, description, response, cause, messages, stack. */
export function errorSurfaces(error: (Error & IDataObject) | undefined): string {
	if (!error) return '';
	return [
		error.message,
		String(error.description),
		JSON.stringify(error.errorResponse),
		JSON.stringify(error.cause),
		JSON.stringify(error.messages),
		JSON.stringify(error.context),
		JSON.stringify(error),
		String(error.stack),
	].join('\n');
}
