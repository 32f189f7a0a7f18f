import type { IDataObject, INodeParameters } from 'n8n-workflow';

import type { ScantrustTrigger } from '../../nodes/Scantrust/ScantrustTrigger.node';
import type { RecordedRequest, Sandbox } from '../sandbox';
import { makePollContext, type SandboxCredentials } from './n8nHarness';

/** Where n8n keeps the trigger's static data (its cursor) in the workflow. */
export const NODE_KEY = 'node:Scantrust Trigger';

/**
 * An activated trigger: every poll gets a fresh PollContext over the SAME static data object, as the active workflow
 * keeps it between polls. A poll reports what it emitted and the requests `pick` chooses among those it caused.
 * `budgetMs` replaces n8n's poll budget (getPollBudgetMs, 5 minutes by default); null removes it, as on n8n before 2.41.
 */
export function activatedTrigger(
	trigger: ScantrustTrigger,
	sandbox: () => Sandbox,
	pick: (requests: RecordedRequest[]) => RecordedRequest[],
	{ parameters, credentials, budgetMs }: { parameters: INodeParameters; credentials: SandboxCredentials; budgetMs?: number | null },
) {
	const staticData: IDataObject = {};
	return {
		staticData,
		cursor: () => (staticData[NODE_KEY] as IDataObject | undefined)?.cursor as IDataObject | undefined,
		async poll(): Promise<{ emitted: IDataObject[]; requests: RecordedRequest[]; returned: unknown }> {
			const before = sandbox().requests.length;
			const context = makePollContext({ parameters, credentials, mode: 'trigger', staticData });
			if (budgetMs !== undefined) {
				Object.defineProperty(context, 'getPollBudgetMs', { value: budgetMs === null ? undefined : () => budgetMs });
			}
			const returned = await trigger.poll.call(context);
			return {
				emitted: returned === null ? [] : returned[0].map((item) => item.json),
				requests: pick(sandbox().requests.slice(before)),
				returned,
			};
		},
	};
}
