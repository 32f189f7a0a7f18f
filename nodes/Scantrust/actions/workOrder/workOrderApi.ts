import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiRequest } from '../../transport/request';
import { waitFor, type WaitSettings } from '../../waitFor';

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

/** Codes can be downloaded once the work order names its codes archive. */
export function codesReady(workOrder: IDataObject): boolean {
	return typeof workOrder.codegen_file === 'string' && workOrder.codegen_file !== '';
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

/** Polls the work order until its codes archive is available or the time-out passes. */
export async function waitForCodes(
	ctx: IExecuteFunctions,
	workOrder: IDataObject,
	settings: WaitSettings,
	itemIndex: number,
): Promise<IDataObject> {
	const id = Number(workOrder.id);
	return await waitFor(
		settings,
		workOrder,
		codesReady,
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
}
