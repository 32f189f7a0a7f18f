/**
 * Runs our nodes inside n8n-core's own execution engine (WorkflowExecute, ExecuteContext, PollContext),
 * so every helper the node calls (httpRequestWithAuthentication, prepareBinaryData, getNodeParameter,
 * continueOnFail, sleep ...) is n8n's real implementation and requests go over real HTTP.
 * Only what a server would hold is provided here: the credential store and the node type registry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

if (!process.env.N8N_USER_FOLDER) {
	// n8n-core keeps binary data and settings under the user folder: one per process, removed at exit
	// (or with the run's scratch folder, test/globalTeardown.ts, when jest ends the worker first).
	const userFolder = mkdtempSync(join(process.env.SCANTRUST_TEST_TMP ?? tmpdir(), 'scantrust-n8n-'));
	process.env.N8N_USER_FOLDER = userFolder;
	process.on('exit', () => rmSync(userFolder, { recursive: true, force: true }));
}
// n8n-core logs every node error; the tests assert on them instead.
process.env.N8N_LOG_LEVEL ??= 'silent';

import { Container } from '@n8n/di';
import { BinaryDataService, ExecutionLifecycleHooks, LoadOptionsContext, PollContext, PollTriggerExecutor, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsHelper,
	IDataObject,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodePropertyOptions,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IWorkflowExecuteAdditionalData,
	IAuthenticateGeneric,
	ICredentialType,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { ScantrustApi } from '../../credentials/ScantrustApi.credentials';
import { Scantrust } from '../../nodes/Scantrust/Scantrust.node';

export const NODE_TYPE = 'n8n-nodes-scantrust.scantrust';
export const TRIGGER_TYPE = 'n8n-nodes-scantrust.scantrustTrigger';

const credentialTypes: Record<string, ICredentialType> = { scantrustApi: new ScantrustApi() };
const nodeTypeRegistry: Record<string, INodeType> = { [NODE_TYPE]: new Scantrust() };

/** Lets a later issue register the trigger without this file knowing about it. */
export function registerNodeType(name: string, type: INodeType): void {
	nodeTypeRegistry[name] = type;
}

const nodeTypes: INodeTypes = {
	getByName: (name) => nodeTypeRegistry[name],
	getByNameAndVersion: (name) => nodeTypeRegistry[name],
	getKnownTypes: () => ({}),
};

export interface SandboxCredentials {
	environment: 'production' | 'staging' | 'custom';
	baseUrl?: string;
	token: string;
}

/** What n8n's CLI CredentialsHelper does for a generic `authenticate`: resolve the expressions, add them. */
class TestCredentialsHelper implements Partial<ICredentialsHelper> {
	constructor(private readonly credentials: ICredentialDataDecryptedObject) {}

	getParentTypes() {
		return [];
	}

	isCredentialUsableByNode() {
		return true;
	}

	async getDecrypted() {
		return { ...this.credentials };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const authenticate = credentialTypes[typeName].authenticate as IAuthenticateGeneric;
		const headers = { ...(requestOptions.headers ?? {}) };
		for (const [name, value] of Object.entries(authenticate.properties.headers ?? {})) {
			headers[name] = workflow.expression.getParameterValue(value as string, null, 0, 0, node.name, [], 'internal', {
				$credentials: credentials,
			});
		}
		return { ...requestOptions, headers };
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	getCredentialsProperties() {
		return credentialTypes.scantrustApi.properties;
	}
}

let binaryReady: Promise<void> | undefined;
async function initBinaryData(): Promise<void> {
	binaryReady ??= Container.get(BinaryDataService).init();
	await binaryReady;
}

function additionalDataFor(credentials: ICredentialDataDecryptedObject, hooks?: ExecutionLifecycleHooks): IWorkflowExecuteAdditionalData {
	const data = {
		credentialsHelper: new TestCredentialsHelper(credentials),
		hooks,
		executionId: `test-${Math.random().toString(36).slice(2)}`,
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		variables: {},
		currentNodeParameters: undefined,
		userId: 'test-user',
		setExecutionStatus: () => undefined,
		sendDataToUI: () => undefined,
		logAiEvent: () => undefined,
	};
	return data as unknown as IWorkflowExecuteAdditionalData;
}

function makeNode(type: string, parameters: INodeParameters, extra: Partial<INode>): INode {
	return {
		id: '4f6b2c1e-0000-4000-8000-000000000001',
		name: type === NODE_TYPE ? 'Scantrust' : 'Scantrust Trigger',
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { scantrustApi: { id: '1', name: 'Scantrust sandbox' } },
		...extra,
	};
}

export interface NodeRun {
	/** Items on the node's main output (empty when it failed). */
	output: INodeExecutionData[];
	/** The error the node threw, as n8n recorded it. */
	error?: Error & IDataObject;
	run: IRun;
}

/** Executes the Scantrust node once, in a one-node workflow, with `input` as its incoming items. */
export async function runScantrustNode(options: {
	parameters: INodeParameters;
	credentials: SandboxCredentials;
	input?: INodeExecutionData[];
	continueOnFail?: boolean;
	retryOnFail?: boolean;
	/**
	 * Runs as n8n's "Retry" of that failed execution: a new execution in mode 'retry' that n8n hands the failed
	 * execution's data, its execution context included, and the failed node's input items (pass the same input).
	 */
	retryOf?: NodeRun;
}): Promise<NodeRun> {
	await initBinaryData();
	const node = makeNode(NODE_TYPE, options.parameters, {
		onError: options.continueOnFail ? 'continueRegularOutput' : 'stopWorkflow',
		retryOnFail: options.retryOnFail,
		waitBetweenTries: 0,
	});
	const workflow = new Workflow({
		id: 'wf-test',
		nodes: [node],
		connections: {},
		nodeTypes,
		active: false,
		settings: { executionOrder: 'v1', binaryMode: 'separate' },
	});
	const mode = options.retryOf ? 'retry' : 'manual';
	const hooks = new ExecutionLifecycleHooks(mode, 'exec-1', {
		id: 'wf-test',
		name: 'test',
		active: false,
		isArchived: false,
		nodes: [node],
		connections: {},
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as unknown as ConstructorParameters<typeof ExecutionLifecycleHooks>[2]);
	let finished: (run: IRun) => void = () => undefined;
	const done = new Promise<IRun>((resolve) => (finished = resolve));
	hooks.addHandler('workflowExecuteAfter', (run) => finished(run));
	const additionalData = additionalDataFor(options.credentials as unknown as ICredentialDataDecryptedObject, hooks);

	const runExecutionData: IRunExecutionData = {
		version: 1,
		startData: {},
		resultData: { runData: {} },
		executionData: {
			contextData: {},
			metadata: {},
			waitingExecution: {},
			waitingExecutionSource: null,
			nodeExecutionStack: [
				{
					node,
					data: { main: [options.input ?? [{ json: {} }]] },
					source: null,
				} as IExecuteData,
			],
			runtimeData: options.retryOf?.run.data.executionData?.runtimeData,
		},
	} as unknown as IRunExecutionData;

	await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
	const run = await done;
	const taskData = run.data.resultData.runData[node.name]?.[0];
	return {
		output: taskData?.data?.main?.[0] ?? [],
		error: (taskData?.error ?? run.data.resultData.error) as (Error & IDataObject) | undefined,
		run,
	};
}

/** Reads a binary property of an output item back into bytes, whatever binary mode stored it. */
export async function binaryBuffer(item: INodeExecutionData, property = 'data'): Promise<Buffer> {
	const binary = item.binary?.[property];
	if (!binary) throw new Error(`item has no binary property "${property}"`);
	if (binary.id) return await Container.get(BinaryDataService).getAsBuffer(binary);
	return Buffer.from(binary.data, 'base64');
}

function triggerWorkflow(node: INode, active: boolean, staticData: IDataObject): Workflow {
	return new Workflow({
		id: 'wf-trigger',
		nodes: [node],
		connections: {},
		nodeTypes,
		active,
		staticData,
		settings: { executionOrder: 'v1' },
	});
}

/**
 * A PollContext as n8n builds it for a polling trigger, with static data that persists across polls:
 * pass the same `staticData` object to every poll, as the active workflow keeps it in memory. The
 * Workflow wraps it the way n8n does (ObservableObject); the node's bucket is `staticData['node:<name>']`.
 * In 'manual' mode it is the context of "Fetch Test Event" (n8n-core's executePollNode: activation
 * 'manual', workflow not active).
 */
export function makePollContext(options: {
	parameters: INodeParameters;
	credentials: SandboxCredentials;
	mode: 'trigger' | 'manual';
	staticData: IDataObject;
}): PollContext {
	const node = makeNode(TRIGGER_TYPE, options.parameters, {});
	const workflow = triggerWorkflow(node, options.mode === 'trigger', options.staticData);
	return new PollContext(
		workflow,
		node,
		additionalDataFor(options.credentials as unknown as ICredentialDataDecryptedObject),
		options.mode,
		options.mode === 'manual' ? 'manual' : 'activate',
	);
}

/**
 * n8n 2.41's durable poll cursor storage (the CLI's `poller_state` row): a migrated poll node is
 * handed a deep copy of its cursor, and the engine stores that copy only when the poll succeeded
 * (with the execution it emitted, or through `__commitCursor` when it emitted nothing).
 */
export interface DurableCursorStore {
	cursor: IDataObject | null;
}

export interface PollTick {
	/** What the poll emitted (null: nothing). */
	emitted: INodeExecutionData[][] | null;
	/** The error n8n reported for the poll (routed to __emitError, as for an active workflow). */
	error?: Error;
}

/** JSON round trip, as a database stores the cursor (and a Proxy cannot be structured-cloned). */
const jsonCopy = (value: IDataObject): IDataObject => JSON.parse(JSON.stringify(value)) as IDataObject;

/**
 * One tick of an active polling trigger, run by n8n-core's own PollTriggerExecutor (staging scope,
 * emit, cursor commit, error routing). The poll functions around it mirror the CLI's
 * TriggerExecutionContextFactory: without `durable` the node reads and writes its real static-data
 * bucket in `staticData` (an unmigrated node); with it, it gets a per-poll snapshot that is
 * committed to `durable.cursor` only when the poll succeeds (a migrated node).
 */
export async function runPollTick(options: {
	parameters: INodeParameters;
	credentials: SandboxCredentials;
	staticData: IDataObject;
	durable?: DurableCursorStore;
}): Promise<PollTick> {
	const node = makeNode(TRIGGER_TYPE, options.parameters, {});
	const workflow = triggerWorkflow(node, true, options.staticData);
	const store = options.durable;
	const staged = new AsyncLocalStorage<{ snapshot: IDataObject; seed: IDataObject }>();
	const commitStaged = () => {
		const scope = staged.getStore();
		if (!store || !scope || isDeepStrictEqual(scope.snapshot, scope.seed)) return;
		scope.seed = jsonCopy(scope.snapshot);
		store.cursor = jsonCopy(scope.snapshot);
	};
	const tick: PollTick = { emitted: null };
	const context = new PollContext(
		workflow,
		node,
		additionalDataFor(options.credentials as unknown as ICredentialDataDecryptedObject),
		'trigger',
		'activate',
		(data) => {
			tick.emitted = data;
			commitStaged();
		},
		(error) => {
			tick.error = error;
		},
		async () => commitStaged(),
		store
			? async (poll) => {
					const seed = jsonCopy(store.cursor ?? workflow.getStaticData('node', node));
					return await staged.run({ snapshot: jsonCopy(seed), seed }, poll);
				}
			: undefined,
		store
			? () => {
					const scope = staged.getStore();
					if (!scope) throw new Error('the node read its static data outside of a poll');
					return scope.snapshot;
				}
			: undefined,
	);
	await Container.get(PollTriggerExecutor).create(workflow, node, context, () => true)(false);
	return tick;
}

function oneNodeWorkflow(node: INode, staticData?: IDataObject): Workflow {
	return new Workflow({
		id: 'wf-test',
		nodes: [node],
		connections: {},
		nodeTypes,
		active: false,
		staticData,
		settings: { executionOrder: 'v1' },
	});
}

/** The Create form's template drop-down, as the editor asks for it. */
export async function loadTemplateOptions(credentials: SandboxCredentials): Promise<INodePropertyOptions[]> {
	const node = makeNode(NODE_TYPE, { resource: 'workOrder', operation: 'create' }, {});
	const context = new LoadOptionsContext(
		oneNodeWorkflow(node),
		node,
		additionalDataFor(credentials as unknown as ICredentialDataDecryptedObject),
		'parameters.templateId',
	);
	const scantrust = nodeTypeRegistry[NODE_TYPE] as Scantrust;
	return await scantrust.methods.loadOptions.getTemplates.call(context);
}
