import { createHash, randomBytes } from 'node:crypto';

import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { apiRequest } from '../../transport/request';
import { getWaitSettings, waitFields } from '../waitFields';
import { runForEachItem, toNodeError } from '../items';
import { isoDate, numericId, positiveInteger } from '../validate';
import { postOnce } from '../../api/postOnce';
import {
	CREATE_FROM_TEMPLATE_PATH,
	findByReference,
	isWorkOrder,
	templateOf,
	waitForCodes,
	type WorkOrder,
} from '../../api/workOrders';
import { additionalFieldsCollection } from '../listFields';

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
		additionalFieldsCollection([
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
					'Your reference, unique within your company. Left empty, the node makes one that repeats only when n8n retries this item, so a retry never orders twice.',
			},
			{
				displayName: 'Total Impressions',
				name: 'totalImpressions',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 1,
				description: 'Impressions per static code (static work orders only)',
			},
		]),
		...waitFields('the codes are generated', false),
	],
);

/**
 * The reference the node makes when none is given. It is the same when n8n runs this item again as part of the
 * same logical run: the node's Retry On Fail (same execution), and retrying a failed execution from the executions
 * list (a new execution, but n8n hands it the original execution context and the same input items). It differs for
 * every new run (a new trigger event, even with equal data), another n8n instance, workflow, node, run or item.
 */
export function generatedReference(ctx: IExecuteFunctions, itemIndex: number, item: INodeExecutionData): string {
	// n8n keeps the execution context of the failed execution when it retries it: when it was established stays.
	const established = ctx.getExecutionContext?.()?.establishedAt;
	const run = established !== undefined ? `established ${established}` : `execution ${ctx.getExecutionId() ?? randomBytes(12).toString('hex')}`;
	const node = ctx.getNode();
	const hash = createHash('sha256')
		.update(JSON.stringify([ctx.getInstanceId(), ctx.getWorkflow().id ?? '', node.id ?? node.name, run, item.json]))
		.digest('hex')
		.slice(0, 16);
	const runIndex = ctx.getWorkflowDataProxy(itemIndex).$thisRunIndex;
	return `n8n-${hash}-${runIndex}-${itemIndex}`;
}

function buildBody(ctx: IExecuteFunctions, itemIndex: number, item: INodeExecutionData): IDataObject {
	const extra = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		template: numericId(ctx, itemIndex, 'Template', ctx.getNodeParameter('templateId', itemIndex)),
		quantity: positiveInteger(ctx, itemIndex, 'Quantity', ctx.getNodeParameter('quantity', itemIndex)),
		reference: String(extra.reference ?? '').trim() || generatedReference(ctx, itemIndex, item),
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

/**
 * True for a 400 whose only complaint is that the reference is taken. The same body cannot have failed on
 * anything else, so an earlier attempt (or an earlier run of this item) may have created it.
 */
function isReferenceTaken(error: NodeApiError): boolean {
	const body = error.errorResponse;
	if (error.httpCode !== '400' || !body || Object.keys(body).some((field) => field !== 'reference')) return false;
	const messages = Array.isArray(body.reference) ? body.reference : [body.reference];
	return messages.some((message) => typeof message === 'string' && /already exists|unique/i.test(message));
}

/**
 * An existing order with our reference is ours only if it is what we asked for; otherwise the
 * reference belongs to someone else's order, which must neither be returned nor duplicated.
 */
function ensureOurs(ctx: IExecuteFunctions, body: IDataObject, existing: WorkOrder, itemIndex: number): WorkOrder {
	const template = templateOf(existing);
	if (template === body.template && Number(existing.quantity) === body.quantity) return existing;
	throw new NodeOperationError(
		ctx.getNode(),
		`Item ${itemIndex}: the reference "${String(body.reference)}" already belongs to work order ${existing.id} (${template === undefined ? 'no template' : `template ${template}`}, quantity ${String(existing.quantity)}); choose another reference`,
		{
			itemIndex,
			description: `References are unique within your company. Nothing was created. This item asked for template ${String(body.template)}, quantity ${String(body.quantity)}. Set another "Reference", or leave it empty so the node makes one.`,
		},
	);
}

async function post(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): Promise<WorkOrder> {
	const answer = await apiRequest.call(ctx, {
		method: 'POST',
		path: CREATE_FROM_TEMPLATE_PATH,
		body,
		action: 'create a work order',
		permission: 'workorder_create',
		itemIndex,
	});
	if (isWorkOrder(answer)) return answer;
	// Without an HTTP code the failure counts as unanswered: the reference is looked up before anything else.
	throw new NodeApiError(
		ctx.getNode(),
		{ message: 'not a work order' },
		{
			message: `Could not create a work order: Scantrust's answer is not a work order (${JSON.stringify(answer).slice(0, 80)})`,
			description: 'A proxy in between, or another service at the Base URL of the credential, may have answered instead of Scantrust.',
			itemIndex,
		},
	);
}

/** Creates the work order exactly once (see postOnce); returns it and whether it existed before this call. */
async function createOnce(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): Promise<{ workOrder: WorkOrder; alreadyExisted: boolean }> {
	const reference = String(body.reference);
	const result = await postOnce<WorkOrder>({
		post: async () => await post(ctx, body, itemIndex),
		lookUp: async () => await findByReference(ctx, reference, itemIndex),
		isAlreadyDone: isReferenceTaken,
		explainUnknown: (postError, lookUpError, taken) =>
			new NodeOperationError(
				ctx.getNode(),
				taken
					? `Item ${itemIndex}: a work order with reference "${reference}" already exists, and it could not be looked up to tell whether it is the one asked for`
					: `Item ${itemIndex}: Scantrust did not confirm whether work order "${reference}" was created, and it could not be looked up`,
				{
					itemIndex,
					description: `${
						taken
							? 'Nothing was created. Run again later: the node then returns that work order if it matches.'
							: `Before running again, search the work orders for reference "${reference}" (Work Order > Get Many > Search) so that it is not created twice. n8n's Retry On Fail, retrying this execution, or a run with this text set as "Reference" is safe: the node then returns that work order instead of creating another.`
					} Create: ${postError.message}. Look-up: ${lookUpError.message}`,
				},
			),
	});
	const workOrder = result.via === 'post' ? result.value : ensureOurs(ctx, body, result.value, itemIndex);
	return { workOrder, alreadyExisted: result.existedBefore };
}

/** What a failed run must tell: the orders it already made, so nobody orders them again by hand. */
function createdNote(created: Array<{ itemIndex: number; workOrder: WorkOrder }>): string {
	const list = created.map(({ itemIndex, workOrder }) => `item ${itemIndex}: work order ${workOrder.id} (reference "${String(workOrder.reference)}")`);
	return `Already ordered in this run: ${list.join('; ')}. Do not run Create again with new references for these items; retrying this execution is safe: it returns these orders instead of ordering them again.`;
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	// A taken reference returns the order that has it, so two items must not share one.
	const referenceOwners = new Map<string, number>();
	const created: Array<{ itemIndex: number; workOrder: WorkOrder }> = [];
	try {
		return await runForEachItem(this, items, async (itemIndex) => {
			const body = buildBody(this, itemIndex, items[itemIndex]);
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
			const { workOrder, alreadyExisted } = await createOnce(this, body, itemIndex);
			created.push({ itemIndex, workOrder });
			const label = `work order ${workOrder.id} (ordered, reference "${reference}")`;
			const result = wait.waitForCompletion ? await waitForCodes(this, workOrder, wait, itemIndex, label) : workOrder;
			return { ...result, alreadyExisted };
		});
	} catch (error) {
		const failed = toNodeError(this, error);
		if (created.length > 0) failed.description = [failed.description, createdNote(created)].filter(Boolean).join('\n');
		throw failed;
	}
}
