import { createHash, randomBytes } from 'node:crypto';

import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep, updateDisplayOptions } from 'n8n-workflow';

import { isAmbiguousFailure } from '../../transport/errors';
import { apiRequestAllItems } from '../../transport/paginate';
import { apiRequest, RETRY_POLICY } from '../../transport/request';
import { getWaitSettings, waitFields } from '../waitFields';
import { runForEachItem } from '../items';
import { isoDate, numericId, positiveInteger } from '../validate';
import { waitForCodes, WORK_ORDERS_PATH } from '../../api/workOrders';

/** POST attempts at most, each after checking that the previous one did not create the work order. */
const MAX_CREATE_ATTEMPTS = 3;

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['workOrder'], operation: ['create'] } },
	[
		{
			displayName: 'Template Name or ID',
			name: 'templateId',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getTemplates' },
			required: true,
			default: '',
			description:
				'The work order template that defines the code type. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Quantity',
			name: 'quantity',
			type: 'number',
			typeOptions: { minValue: 1, numberPrecision: 0 },
			required: true,
			default: 1000,
			description: 'Number of codes to generate. Work orders are billed: check the number before running.',
		},
		{
			displayName: 'Additional Fields',
			name: 'additionalFields',
			type: 'collection',
			placeholder: 'Add Field',
			default: {},
			options: [
				{
					displayName: 'Due Date',
					name: 'dueDate',
					type: 'dateTime',
					default: '',
					description: 'Date the printing partner should have the codes printed by (informational)',
				},
				{
					displayName: 'Printing Partner ID',
					name: 'printingPartnerId',
					type: 'string',
					default: '',
					description: 'Company ID of the printing partner. Required for SSC templates that have no partner set.',
				},
				{
					displayName: 'Product',
					name: 'product',
					type: 'string',
					default: '',
					description: 'Product ID or SKU the codes are assigned to when generated',
				},
				{
					displayName: 'Reference',
					name: 'reference',
					type: 'string',
					default: '',
					description:
						'Your reference, unique within your company. Left empty, the node makes one, which is how it makes sure a retried run never creates the work order twice.',
				},
				{
					displayName: 'Total Impressions',
					name: 'totalImpressions',
					type: 'number',
					typeOptions: { minValue: 1, numberPrecision: 0 },
					default: 1,
					description: 'Impressions per static code (static work orders only)',
				},
			],
		},
		...waitFields('the codes are generated', false),
	],
);

/**
 * A reference that is the same when n8n retries this node in the same execution ("Retry On Fail"
 * runs it again with the same execution id and run index), so a retry finds the first attempt's
 * order instead of creating another, and different in every other execution.
 */
export function generatedReference(ctx: IExecuteFunctions, itemIndex: number): string {
	const executionId = ctx.getExecutionId();
	const scope = executionId
		? `${ctx.getWorkflow().id ?? ''}/${executionId}/${ctx.getNode().id ?? ctx.getNode().name}`
		: randomBytes(12).toString('hex');
	const hash = createHash('sha256').update(scope).digest('hex').slice(0, 16);
	// n8n's execute context carries the run index (a node runs several times in a loop) but does not type it.
	const runIndex = (ctx as unknown as { runIndex?: number }).runIndex ?? 0;
	return `n8n-${hash}-${runIndex}-${itemIndex}`;
}

function buildBody(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const extra = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		template: numericId(ctx, itemIndex, 'Template', ctx.getNodeParameter('templateId', itemIndex)),
		quantity: positiveInteger(ctx, itemIndex, 'Quantity', ctx.getNodeParameter('quantity', itemIndex)),
		reference: String(extra.reference ?? '').trim() || generatedReference(ctx, itemIndex),
	};
	if (extra.printingPartnerId !== undefined && extra.printingPartnerId !== '') {
		body.printing_partner = numericId(ctx, itemIndex, 'Printing Partner ID', extra.printingPartnerId);
	}
	if (extra.product !== undefined && String(extra.product).trim() !== '') body.product = String(extra.product).trim();
	if (extra.dueDate) body.due_date = isoDate(ctx, itemIndex, 'Due Date', extra.dueDate);
	if (extra.totalImpressions !== undefined) {
		body.total_impressions = positiveInteger(ctx, itemIndex, 'Total Impressions', extra.totalImpressions);
	}
	return body;
}

async function findByReference(ctx: IExecuteFunctions, reference: string, itemIndex: number): Promise<IDataObject | undefined> {
	const matches = await apiRequestAllItems.call(
		ctx,
		WORK_ORDERS_PATH,
		{ search: reference },
		{ action: `look up work order "${reference}"`, permission: 'workorder_view', itemIndex },
	);
	return matches.find((workOrder) => workOrder.reference === reference);
}

/** One POST; its failure comes back as a value so the caller can decide whether the order may exist. */
async function postWorkOrder(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): Promise<IDataObject | NodeApiError> {
	try {
		return await apiRequest.call(ctx, {
			method: 'POST',
			path: `${WORK_ORDERS_PATH}create-from-template/`,
			body,
			action: 'create a work order',
			permission: 'workorder_create',
			itemIndex,
		});
	} catch (error) {
		if (error instanceof NodeApiError) return error;
		throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	}
}

/**
 * True for a 400 whose only complaint is that the reference is taken. The same body cannot have
 * failed on anything else, so an earlier attempt (or n8n's Retry On Fail) may have created it.
 */
function isReferenceTaken(error: NodeApiError): boolean {
	const body = error.errorResponse;
	if (error.httpCode !== '400' || !body || Object.keys(body).some((field) => field !== 'reference')) return false;
	const messages = Array.isArray(body.reference) ? body.reference : [body.reference];
	return messages.some((message) => typeof message === 'string' && /already exists|unique/i.test(message));
}

/** The template id of a work order, whether Scantrust gives the id or the object. */
function templateOf(workOrder: IDataObject): number {
	const template = workOrder.template;
	return Number(template !== null && typeof template === 'object' ? (template as IDataObject).id : template);
}

/**
 * An existing order with our reference is ours only if it is what we asked for; otherwise the
 * reference belongs to someone else's order, which must neither be returned nor duplicated.
 */
function ensureOurs(ctx: IExecuteFunctions, body: IDataObject, existing: IDataObject, itemIndex: number): IDataObject {
	if (templateOf(existing) === body.template && Number(existing.quantity) === body.quantity) return existing;
	// Legacy SID work orders have no template.
	const template = existing.template === null || existing.template === undefined ? 'no template' : `template ${templateOf(existing)}`;
	throw new NodeOperationError(
		ctx.getNode(),
		`Item ${itemIndex}: the reference "${String(body.reference)}" already belongs to work order ${String(existing.id)} (${template}, quantity ${String(existing.quantity)}); choose another reference`,
		{
			itemIndex,
			description: `References are unique within your company. Nothing was created. This item asked for template ${String(body.template)}, quantity ${String(body.quantity)}. Set another "Reference", or leave it empty so the node makes one.`,
		},
	);
}

/**
 * Creates the work order exactly once. After a failure that may have created it anyway
 * (no answer, 5xx) it looks the reference up, and only posts again when it is not there.
 * "Reference already exists" is answered by looking up the order that has it, never by posting again.
 */
async function createOnce(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): Promise<IDataObject> {
	const reference = String(body.reference);
	for (let attempt = 1; ; attempt++) {
		const result = await postWorkOrder(ctx, body, itemIndex);
		if (!(result instanceof NodeApiError)) return result;
		if (isReferenceTaken(result)) {
			const existing = await lookUpTakenReference(ctx, reference, result, itemIndex);
			// Listed as taken yet not found (e.g. not visible to this token): Scantrust's words stand.
			if (!existing) throw result;
			return ensureOurs(ctx, body, existing, itemIndex);
		}
		if (!isAmbiguousFailure(result)) throw result;
		await sleep(RETRY_POLICY.backoffSeconds(attempt) * 1000);
		const existing = await lookUpAfterFailure(ctx, reference, result, itemIndex);
		if (existing) return ensureOurs(ctx, body, existing, itemIndex);
		if (attempt >= MAX_CREATE_ATTEMPTS) throw result;
	}
}

/** What to tell the user when the look-up after a failed create fails too. */
interface LookUpFailure {
	message: string;
	advice: string;
}

/** findByReference, or an error that says what the create left unknown and what to do about it. */
async function lookUp(
	ctx: IExecuteFunctions,
	reference: string,
	createError: NodeApiError,
	itemIndex: number,
	failure: LookUpFailure,
): Promise<IDataObject | undefined> {
	try {
		return await findByReference(ctx, reference, itemIndex);
	} catch (lookupError) {
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${failure.message}`, {
			itemIndex,
			description: `${failure.advice} Create: ${createError.message}. Look-up: ${(lookupError as Error).message}`,
		});
	}
}

const lookUpAfterFailure = (ctx: IExecuteFunctions, reference: string, createError: NodeApiError, itemIndex: number) =>
	lookUp(ctx, reference, createError, itemIndex, {
		message: `Scantrust did not confirm whether work order "${reference}" was created, and it could not be looked up`,
		advice: `Before running again, search the work orders for reference "${reference}" (Work Order > Get Many > Search) so that it is not created twice. n8n's Retry On Fail, or a run with this text set as "Reference", is safe: the node then returns that work order instead of creating another.`,
	});

const lookUpTakenReference = (ctx: IExecuteFunctions, reference: string, createError: NodeApiError, itemIndex: number) =>
	lookUp(ctx, reference, createError, itemIndex, {
		message: `a work order with reference "${reference}" already exists, and it could not be looked up to tell whether it is the one asked for`,
		advice: 'Nothing was created. Run again later: the node then returns that work order if it matches.',
	});

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	// A taken reference now returns the order that has it, so two items must not share one.
	const referenceOwners = new Map<string, number>();
	return await runForEachItem(this, items, async (itemIndex) => {
		const body = buildBody(this, itemIndex);
		const reference = String(body.reference);
		const owner = referenceOwners.get(reference);
		if (owner !== undefined) {
			throw new NodeOperationError(this.getNode(), `Item ${itemIndex}: the reference "${reference}" is already used by item ${owner}`, {
				itemIndex,
				description: 'References are unique within your company: give each item its own "Reference", or leave it empty so the node makes one.',
			});
		}
		referenceOwners.set(reference, itemIndex);
		const wait = getWaitSettings(this, itemIndex);
		const workOrder = await createOnce(this, body, itemIndex);
		return wait.waitForCompletion ? await waitForCodes(this, workOrder, wait, itemIndex) : workOrder;
	});
}
