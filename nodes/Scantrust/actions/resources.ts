import type { ScantrustResource } from './types';
import { code } from './code';
import { codeUpload } from './codeUpload';
import { product } from './product';
import { scan } from './scan';
import { template } from './template';
import { workOrder } from './workOrder';

/** Every resource of the Scantrust node, keyed by its `resource` value. */
export const resources: Record<string, ScantrustResource> = {
	code,
	codeUpload,
	product,
	scan,
	template,
	workOrder,
};
