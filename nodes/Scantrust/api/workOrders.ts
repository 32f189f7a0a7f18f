import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiRequest } from '../transport/request';
import { waitFor, type WaitSettings } from './wait';

/** Reading work orders and telling whether their codes are ready: shared by get, create and download. */

export const WORK_ORDERS_PATH = '/api/v2/workorders/';
/** codegen_status once generation is done (seed 001: "goes from 6 to 4"). */
export const CODEGEN_DONE = 4;

export async function getWorkOrder(ctx: IExecuteFunctions, id: number, itemIndex: number): Promise<IDataObject> {
	return await apiRequest.call(ctx, {
		method: 'GET',
		path: `${WORK_ORDERS_PATH}${id}/`,
		action: `read work order ${id}`,
		permission: 'workorder_view',
		resource: { name: 'Work order', id },
		itemIndex,
	});
}

/**
 * Final states of the work order life cycle (SPEC section 2: new -> ready to print / completed; the portal also
 * shows printed and canceled) in which codes will never come. Only canceled: seed 001 tells integrators to check
 * state "completed" AND codegen_file, so the link may trail a completed (or printed) state and is waited for.
 * The API's spelling of canceled is unverified (the portal shows "canceled"): both spellings.
 */
export const FINAL_STATES_WITHOUT_CODES: readonly string[] = ['canceled', 'cancelled'];

/** Codes can be downloaded once the work order names its codes archive. */
export function codesReady(workOrder: IDataObject): boolean {
	return typeof workOrder.codegen_file === 'string' && workOrder.codegen_file !== '';
}

/** The work order is in a final state without a codes archive: waiting cannot help. */
export function codesNeverReady(workOrder: IDataObject): boolean {
	return !codesReady(workOrder) && FINAL_STATES_WITHOUT_CODES.includes(String(workOrder.state).trim().toLowerCase());
}

/** The error for a work order whose codes will never come. */
export function neverReadyError(ctx: IExecuteFunctions, workOrder: IDataObject, itemIndex: number): NodeOperationError {
	return new NodeOperationError(
		ctx.getNode(),
		`Item ${itemIndex}: work order ${String(workOrder.id)} is "${String(workOrder.state)}" and has no codes archive: its codes will never be ready`,
		{
			itemIndex,
			description: `The work order ended (${describeState(workOrder)}) without generating codes. Create a new work order for these codes.`,
		},
	);
}

export function describeState(workOrder: IDataObject): string {
	return `state "${String(workOrder.state)}", codegen_status ${String(workOrder.codegen_status)}`;
}

/** Why codes may be late, for the error description. */
export function notReadyHint(workOrder: IDataObject): string {
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
	workOrder: IDataObject,
	settings: WaitSettings,
	itemIndex: number,
): Promise<IDataObject> {
	const id = Number(workOrder.id);
	const settled = await waitFor(
		settings,
		workOrder,
		(state) => codesReady(state) || codesNeverReady(state),
		async () => await getWorkOrder(ctx, id, itemIndex),
		(last) =>
			new NodeOperationError(
				ctx.getNode(),
				`Item ${itemIndex}: the codes of work order ${id} were not ready after ${settings.waitTimeout} seconds (${describeState(last)})`,
				{
					itemIndex,
					description: `${notReadyHint(last)}Raise "Wait Timeout", or run again later with Work Order > Get or Download.`,
				},
			),
	);
	if (codesNeverReady(settled)) throw neverReadyError(ctx, settled, itemIndex);
	return settled;
}
