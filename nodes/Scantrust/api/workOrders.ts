import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiRequestAllItems } from '../transport/paginate';
import { apiRequest } from '../transport/request';
import { waitFor, type WaitSettings } from './wait';

/** Work orders: reading, finding by reference, and telling whether their codes are ready. */

export const WORK_ORDERS_PATH = '/api/v2/workorders/';
export const CREATE_FROM_TEMPLATE_PATH = `${WORK_ORDERS_PATH}create-from-template/`;

/** A work order as Scantrust returns it; only the fields the node reads are typed, the rest is handed on as is. */
export interface WorkOrder extends IDataObject {
	id: number;
	reference?: string;
	/** new, ready to print, completed (the portal also shows printed and canceled). */
	state?: string;
	/** 6 while generating, 4 once done. */
	codegen_status?: number;
	/** Link to the codes archive, null until generation is done. */
	codegen_file?: string | null;
	/** The template id, or the template object; null for legacy SID work orders. */
	template?: number | IDataObject | null;
	quantity?: number;
	creation_date?: string;
}

/** True for an answer that is a work order (an object with a numeric id), not an HTML page or an empty body. */
export function isWorkOrder(value: unknown): value is WorkOrder {
	return value !== null && typeof value === 'object' && !Array.isArray(value) && Number.isInteger((value as IDataObject).id);
}

/** The template id of a work order, whether Scantrust gives the id or the object. */
export function templateOf(workOrder: WorkOrder): number | undefined {
	const template = workOrder.template;
	if (template === null || template === undefined) return undefined;
	return Number(typeof template === 'object' ? template.id : template);
}

export async function getWorkOrder(ctx: IExecuteFunctions, id: number, itemIndex: number): Promise<WorkOrder> {
	const body = await apiRequest.call(ctx, {
		method: 'GET',
		path: `${WORK_ORDERS_PATH}${id}/`,
		action: `read work order ${id}`,
		permission: 'workorder_view',
		resource: { name: 'Work order', id },
		itemIndex,
	});
	if (!isWorkOrder(body)) throw unexpectedAnswer(ctx, `work order ${id}`, body, itemIndex);
	return body;
}

/** The work order with exactly this reference (the list's search also matches remarks and parts of references). */
export async function findByReference(ctx: IExecuteFunctions, reference: string, itemIndex: number): Promise<WorkOrder | undefined> {
	const matches = await apiRequestAllItems.call(
		ctx,
		WORK_ORDERS_PATH,
		{ search: reference },
		{ action: `look up work order "${reference}"`, permission: 'workorder_view', itemIndex },
	);
	return matches.filter(isWorkOrder).find((workOrder) => workOrder.reference === reference);
}

/** A 2xx whose body is not what Scantrust documents: never taken for success. */
export function unexpectedAnswer(ctx: IExecuteFunctions, what: string, body: unknown, itemIndex: number): NodeOperationError {
	const shown = typeof body === 'string' ? body.trim().slice(0, 120) : JSON.stringify(body ?? null).slice(0, 120);
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: Scantrust's answer for ${what} is not a work order`, {
		itemIndex,
		description: `It answered: ${shown || '(nothing)'}. Check the Base URL of the Scantrust API credential; a proxy in between may answer instead of Scantrust.`,
	});
}

/**
 * Final states in which codes will never come. Only canceled: Scantrust tells integrators to check state
 * "completed" AND codegen_file, so the link may trail a completed (or printed) state and is waited for.
 * Unverified: the API's spelling of canceled (the portal shows "canceled"), so both spellings.
 */
export const FINAL_STATES_WITHOUT_CODES: readonly string[] = ['canceled', 'cancelled'];

/** Codes can be downloaded once the work order names its codes archive. */
export function codesReady(workOrder: Pick<WorkOrder, 'codegen_file'>): boolean {
	return typeof workOrder.codegen_file === 'string' && workOrder.codegen_file !== '';
}

/** The work order is in a final state without a codes archive: waiting cannot help. */
export function codesNeverReady(workOrder: WorkOrder): boolean {
	return !codesReady(workOrder) && FINAL_STATES_WITHOUT_CODES.includes(String(workOrder.state).trim().toLowerCase());
}

/** The error for a work order whose codes will never come. */
export function neverReadyError(ctx: IExecuteFunctions, workOrder: WorkOrder, itemIndex: number): NodeOperationError {
	return new NodeOperationError(
		ctx.getNode(),
		`Item ${itemIndex}: work order ${String(workOrder.id)} is "${String(workOrder.state)}" and has no codes archive: its codes will never be ready`,
		{
			itemIndex,
			description: `The work order ended (${describeState(workOrder)}) without generating codes. Create a new work order for these codes.`,
		},
	);
}

export function describeState(workOrder: WorkOrder): string {
	return `state "${String(workOrder.state)}", codegen_status ${String(workOrder.codegen_status)}`;
}

/** Why codes may be late, for the error description. */
export function notReadyHint(workOrder: WorkOrder): string {
	return workOrder.state === 'new' && workOrder.codegen_status !== 6
		? 'An SSC work order waits for its printing partner to confirm it (Work Order > Confirm) before codes are generated. '
		: '';
}

/**
 * Polls the work order until its codes archive is available or the time-out passes; fails at once when the
 * work order reaches a final state without codes (canceled).
 */
export async function waitForCodes(
	ctx: IExecuteFunctions,
	workOrder: WorkOrder,
	settings: WaitSettings,
	itemIndex: number,
	label = `work order ${workOrder.id}`,
): Promise<WorkOrder> {
	const id = workOrder.id;
	const settled = await waitFor(
		settings,
		workOrder,
		(state) => codesReady(state) || codesNeverReady(state),
		async () => await getWorkOrder(ctx, id, itemIndex),
		(last) =>
			new NodeOperationError(
				ctx.getNode(),
				`Item ${itemIndex}: the codes of ${label} were not ready after ${settings.waitTimeout} seconds (${describeState(last)})`,
				{
					itemIndex,
					description: `${notReadyHint(last)}Raise "Wait Timeout", or continue later with Work Order > Download (ID ${id}) with "Wait for Completion" on.`,
				},
			),
	);
	if (codesNeverReady(settled)) throw neverReadyError(ctx, settled, itemIndex);
	return settled;
}
