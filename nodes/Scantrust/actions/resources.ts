import type { ScantrustResource } from './types';
import { template } from './template';
import { workOrder } from './workOrder';

/** Every resource of the Scantrust node, keyed by its `resource` value. */
export const resources: Record<string, ScantrustResource> = {
	template,
	workOrder,
};
