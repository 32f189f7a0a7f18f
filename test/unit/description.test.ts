/**
 * Contract of the names saved workflows depend on (SPEC section 5): node types, credential fields,
 * resources, operations, parameters and option values. Renaming any of them breaks users' workflows.
 */
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';

import { ScantrustApi } from '../../credentials/ScantrustApi.credentials';
import { Scantrust } from '../../nodes/Scantrust/Scantrust.node';
import { ScantrustTrigger } from '../../nodes/Scantrust/ScantrustTrigger.node';
import { resources } from '../../nodes/Scantrust/actions/resources';
import packageJson from '../../package.json';

const action = new Scantrust().description;
const trigger = new ScantrustTrigger().description;
const credential = new ScantrustApi();

/** Resource -> its operations, as SPEC section 5 lists them. */
const OPERATIONS: Record<string, string[]> = {
	template: ['getMany'],
	workOrder: ['create', 'confirm', 'get', 'getMany', 'download'],
	codeUpload: ['upload', 'process', 'get', 'getMany'],
	scan: ['getMany'],
	product: ['getMany', 'get', 'create'],
	code: ['update', 'updateMany', 'getMany'],
};

/** Parameters every (resource, operation) must have. */
const PARAMETERS: Record<string, Record<string, string[]>> = {
	template: { getMany: ['returnAll', 'limit'] },
	workOrder: {
		create: ['templateId', 'quantity', 'additionalFields', 'waitForCompletion', 'waitTimeout', 'pollInterval'],
		confirm: ['workOrderId', 'substrateId', 'equipmentId', 'externalId'],
		get: ['workOrderId'],
		getMany: ['returnAll', 'limit', 'filters'],
		download: ['workOrderId', 'output', 'waitForCompletion', 'waitTimeout', 'pollInterval'],
	},
	codeUpload: {
		upload: ['source', 'idField', 'binaryPropertyName', 'processAfterUpload', 'waitForCompletion', 'waitTimeout', 'pollInterval'],
		process: ['recordKey', 'waitForCompletion', 'waitTimeout', 'pollInterval'],
		get: ['recordKey'],
		getMany: ['returnAll', 'limit', 'filters'],
	},
	scan: {
		getMany: ['campaignId', 'period', 'timeframe', 'dateFrom', 'dateTo', 'returnAll', 'limit', 'filters'],
	},
	product: {
		getMany: ['returnAll', 'limit', 'filters'],
		get: ['productId'],
		create: ['sku', 'name', 'additionalFields'],
	},
	code: {
		update: ['codeKey', 'scmKeyName', 'codeId', 'updateFields'],
		updateMany: ['constraints', 'updateFields', 'waitForCompletion', 'waitTimeout', 'pollInterval'],
		getMany: ['filters', 'output', 'returnAll', 'limit'],
	},
};

const values = (property: INodeProperties | undefined) =>
	((property?.options ?? []) as INodePropertyOptions[]).map((option) => option.value);
const optionNames = (property: INodeProperties | undefined) =>
	((property?.options ?? []) as Array<INodeProperties | INodePropertyCollection>).map((option) => option.name);

/** The properties the editor shows for a resource and operation. */
function shownFor(resource: string, operation: string): INodeProperties[] {
	return action.properties.filter(
		(property) =>
			property.name !== 'resource' &&
			property.displayOptions?.show?.resource?.includes(resource) &&
			property.displayOptions.show.operation?.includes(operation),
	);
}

function parameter(resource: string, operation: string, name: string): INodeProperties {
	const matches = shownFor(resource, operation).filter((property) => property.name === name);
	expect(matches).toHaveLength(1);
	return matches[0];
}

describe('package and node types', () => {
	it('are n8n-nodes-scantrust.scantrust and n8n-nodes-scantrust.scantrustTrigger', () => {
		expect(packageJson.name).toBe('n8n-nodes-scantrust');
		expect(action.name).toBe('scantrust');
		expect(trigger.name).toBe('scantrustTrigger');
		expect(packageJson.n8n.nodes).toEqual(['dist/nodes/Scantrust/Scantrust.node.js', 'dist/nodes/Scantrust/ScantrustTrigger.node.js']);
		expect(packageJson.n8n.credentials).toEqual(['dist/credentials/ScantrustApi.credentials.js']);
	});

	it('the action node is usable as a tool, and both use the scantrustApi credential', () => {
		expect(action.usableAsTool).toBe(true);
		expect(action.credentials).toEqual([{ name: 'scantrustApi', required: true, testedBy: 'scantrustApiTest' }]);
		expect(trigger.credentials).toEqual([{ name: 'scantrustApi', required: true, testedBy: 'scantrustApiTest' }]);
	});
});

describe('credential scantrustApi', () => {
	const field = (name: string) => credential.properties.find((property) => property.name === name);

	it('is named scantrustApi with the fields environment, baseUrl and token', () => {
		expect(credential.name).toBe('scantrustApi');
		expect(credential.properties.map((property) => property.name)).toEqual(expect.arrayContaining(['environment', 'baseUrl', 'token']));
	});

	it('environment offers production, staging and custom', () => {
		expect(field('environment')?.type).toBe('options');
		expect(values(field('environment'))).toEqual(['production', 'staging', 'custom']);
		expect(field('environment')?.default).toBe('production');
	});

	it('baseUrl is shown for custom only; token is a password', () => {
		expect(field('baseUrl')?.displayOptions).toEqual({ show: { environment: ['custom'] } });
		expect(field('token')?.type).toBe('string');
		expect(field('token')?.typeOptions?.password).toBe(true);
	});
});

describe('resources and operations', () => {
	it('resource offers the resources of the contract', () => {
		const resource = action.properties.find((property) => property.name === 'resource');
		// Every resource the router knows is offered, and those of the contract are among them.
		expect(values(resource).sort()).toEqual(Object.keys(resources).sort());
		expect(values(resource)).toEqual(expect.arrayContaining(['code', 'codeUpload', 'product', 'template', 'workOrder']));
	});

	it('product and code name their fields and option values as the contract does', () => {
		expect(optionNames(parameter('product', 'getMany', 'filters')).sort()).toEqual(['isArchived', 'sku']);
		expect(optionNames(parameter('product', 'create', 'additionalFields')).sort()).toEqual(['brand', 'campaign', 'clientUrl', 'description']);
		expect(values(parameter('code', 'update', 'codeKey'))).toEqual(['extended_id', 'serial_number', 'scmKey']);
		const updateFields = parameter('code', 'update', 'updateFields');
		expect(optionNames(updateFields)).toEqual(expect.arrayContaining(['activationStatus', 'blacklistReason', 'product', 'isConsumed', 'scmData']));
		const option = (name: string) => (updateFields.options as INodeProperties[]).find((o) => o.name === name);
		expect(values(option('activationStatus'))).toEqual([0, 1, 2]);
		expect(values(option('blacklistReason'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		expect(((option('scmData')?.options ?? []) as INodePropertyCollection[])[0].values.map((v) => v.name)).toEqual(['key', 'value']);
		expect(((parameter('code', 'updateMany', 'constraints').options ?? []) as INodePropertyCollection[])[0].values.map((v) => v.name)).toEqual(['key', 'values']);
		expect(values(parameter('code', 'getMany', 'output'))).toEqual(['items', 'file']);
		expect(optionNames(parameter('code', 'getMany', 'filters')).sort()).toEqual(
			['activatedAfter', 'activatedBefore', 'blacklisted', 'extendedId', 'productId', 'scmFilters', 'serialNumber', 'status', 'updatedAfter', 'updatedBefore', 'workOrderId'].sort(),
		);
	});

	it.each(Object.entries(OPERATIONS))('%s offers exactly the operations %j', (resource, operations) => {
		const selectors = action.properties.filter(
			(property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes(resource),
		);
		expect(selectors).toHaveLength(1);
		expect(values(selectors[0]).sort()).toEqual([...operations].sort());
	});
});

describe('parameters', () => {
	const cases = Object.entries(PARAMETERS).flatMap(([resource, operations]) =>
		Object.entries(operations).map(([operation, names]) => [resource, operation, names] as const),
	);

	it.each(cases)('%s > %s has %j', (resource, operation, names) => {
		for (const name of names) parameter(resource, operation, name);
	});

	it('list operations: returnAll is a boolean, limit a number shown when not returning all', () => {
		for (const [resource, operation] of [['template', 'getMany'], ['workOrder', 'getMany'], ['codeUpload', 'getMany']]) {
			expect(parameter(resource, operation, 'returnAll').type).toBe('boolean');
			const limit = parameter(resource, operation, 'limit');
			expect(limit.type).toBe('number');
			expect(limit.displayOptions?.show?.returnAll).toEqual([false]);
		}
	});

	it('waitForCompletion, waitTimeout and pollInterval on create, download, upload and process', () => {
		for (const [resource, operation] of [['workOrder', 'create'], ['workOrder', 'download'], ['codeUpload', 'upload'], ['codeUpload', 'process']]) {
			expect(parameter(resource, operation, 'waitForCompletion').type).toBe('boolean');
			expect(parameter(resource, operation, 'waitTimeout').type).toBe('number');
			expect(parameter(resource, operation, 'pollInterval').type).toBe('number');
		}
	});

	it('create: additionalFields holds reference, printingPartnerId, product, dueDate and totalImpressions', () => {
		expect(optionNames(parameter('workOrder', 'create', 'additionalFields'))).toEqual(
			expect.arrayContaining(['dueDate', 'printingPartnerId', 'product', 'reference', 'totalImpressions']),
		);
	});

	it('work order getMany: filters hold search and isArchived', () => {
		expect(optionNames(parameter('workOrder', 'getMany', 'filters'))).toEqual(expect.arrayContaining(['search', 'isArchived']));
	});

	it('download: output offers batches, codes and archive', () => {
		expect(values(parameter('workOrder', 'download', 'output'))).toEqual(expect.arrayContaining(['batches', 'codes', 'archive']));
		expect(parameter('workOrder', 'download', 'output').default).toBe('batches');
	});

	it('upload: source offers items and file; idField belongs to items, binaryPropertyName to file', () => {
		expect(values(parameter('codeUpload', 'upload', 'source'))).toEqual(expect.arrayContaining(['items', 'file']));
		expect(parameter('codeUpload', 'upload', 'idField').displayOptions?.show?.source).toEqual(['items']);
		expect(parameter('codeUpload', 'upload', 'binaryPropertyName').displayOptions?.show?.source).toEqual(['file']);
		expect(parameter('codeUpload', 'upload', 'processAfterUpload').type).toBe('boolean');
	});

	it('code upload getMany: filters hold type, status and ingestionMode', () => {
		expect(optionNames(parameter('codeUpload', 'getMany', 'filters'))).toEqual(expect.arrayContaining(['type', 'status', 'ingestionMode']));
	});
});

describe('display options', () => {
	it('every operation selector is shown for its one resource', () => {
		for (const property of action.properties.filter((p) => p.name === 'operation')) {
			expect(Object.keys(property.displayOptions?.show ?? {})).toEqual(['resource']);
			expect(property.displayOptions?.show?.resource).toHaveLength(1);
		}
	});

	it('every other property is shown only for one existing resource and operation', () => {
		const others = action.properties.filter((p) => p.name !== 'resource' && p.name !== 'operation');
		expect(others.length).toBeGreaterThan(20);
		for (const property of others) {
			const show = property.displayOptions?.show;
			const where = `${property.name} ${JSON.stringify(property.displayOptions)}`;
			expect({ where, resources: show?.resource?.length, operations: show?.operation?.length }).toEqual({ where, resources: 1, operations: 1 });
			const [resource, operation] = [String(show!.resource![0]), String(show!.operation![0])];
			expect({ where, operation: OPERATIONS[resource]?.includes(operation) }).toEqual({ where, operation: true });
		}
	});
});

describe('scan', () => {
	it('getMany: period is timeframe or dateRange; timeframe offers 1d, 1w, 1m, 1y; filters hold flags, activationStatus, productId, scmFilters', () => {
		expect(values(parameter('scan', 'getMany', 'period'))).toEqual(['timeframe', 'dateRange']);
		expect(values(parameter('scan', 'getMany', 'timeframe'))).toEqual(expect.arrayContaining(['1d', '1w', '1m', '1y']));
		expect(parameter('scan', 'getMany', 'timeframe').displayOptions?.show?.period).toEqual(['timeframe']);
		expect(parameter('scan', 'getMany', 'dateFrom').displayOptions?.show?.period).toEqual(['dateRange']);
		expect(optionNames(parameter('scan', 'getMany', 'filters')).sort()).toEqual(['activationStatus', 'flags', 'productId', 'scmFilters']);
	});
});

describe('trigger', () => {
	it('event offers newWorkOrder, codesReady and newScan', () => {
		const event = trigger.properties.find((property) => property.name === 'event');
		expect(event?.type).toBe('options');
		expect(values(event).sort()).toEqual(['codesReady', 'newScan', 'newWorkOrder']);
		expect(trigger.polling).toBe(true);
	});

	it('newScan has campaignId and filters.flags', () => {
		const forNewScan = trigger.properties.filter((property) => property.displayOptions?.show?.event?.includes('newScan'));
		expect(forNewScan.map((property) => property.name)).toEqual(['campaignId', 'filters']);
		expect(optionNames(forNewScan[1])).toEqual(['flags']);
	});
});
