import type { IDataObject } from 'n8n-workflow';

import { ScantrustTrigger } from '../../nodes/Scantrust/ScantrustTrigger.node';
import { CURSOR_LIMITS } from '../../nodes/Scantrust/trigger/cursor';
import { TRIGGER_PAGE_SIZE } from '../../nodes/Scantrust/trigger/poll';
import { makePollContext, registerNodeType, TRIGGER_TYPE } from '../helpers/n8nHarness';
import { useSandbox } from '../helpers/sandboxFixture';

/** The sandbox's default page cap (100) is the trigger's page size: the real cost of a large backlog. */
const env = useSandbox();
const trigger = new ScantrustTrigger();
registerNodeType(TRIGGER_TYPE, trigger);

const SSC_TEMPLATE = 105; // no background generation: cheap to make by the thousand
const BACKLOG = 10_000;

async function poll(staticData: IDataObject) {
	const before = env.sandbox.requests.length;
	const context = makePollContext({ parameters: { event: 'newWorkOrder' }, credentials: env.credentials(), mode: 'trigger', staticData });
	const returned = await trigger.poll.call(context);
	return {
		emitted: returned === null ? [] : returned[0].map((item) => item.json.id as number),
		requests: env.sandbox.requests.slice(before).filter((r) => r.origin === 'api' && r.path === '/api/v2/workorders/').length,
	};
}

describe('Scantrust Trigger: a large backlog between two polls', () => {
	it(`${BACKLOG} new work orders are delivered in one poll, oldest first, none twice; the cursor stays small`, async () => {
		const staticData: IDataObject = {};
		expect((await poll(staticData)).emitted).toEqual([]);

		const created = Array.from({ length: BACKLOG }, (_, i) => env.sandbox.createWorkOrder({ template: SSC_TEMPLATE, quantity: 1, reference: `BACKLOG-${i}` }));
		const backlog = await poll(staticData);
		expect(backlog.emitted).toHaveLength(BACKLOG);
		expect(backlog.emitted).toEqual(created.map((workOrder) => workOrder.id)); // made oldest first, ids rising
		expect(backlog.requests).toBe(Math.ceil((BACKLOG + 2) / (TRIGGER_PAGE_SIZE - 1)));

		// The cursor remembers the newest few hundred, not all of them: a small next poll.
		const cursor = (staticData['node:Scantrust Trigger'] as IDataObject).cursor as { seen: unknown[] };
		expect(cursor.seen).toHaveLength(CURSOR_LIMITS.seenMax);
		const idle = await poll(staticData);
		expect(idle.emitted).toEqual([]);
		expect(idle.requests).toBeLessThanOrEqual(Math.ceil(CURSOR_LIMITS.seenMax / (TRIGGER_PAGE_SIZE - 1)) + 1);

		const one = env.sandbox.createWorkOrder({ template: SSC_TEMPLATE, quantity: 1, reference: 'AFTER' });
		expect((await poll(staticData)).emitted).toEqual([one.id]);
	});
});
