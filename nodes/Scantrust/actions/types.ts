import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

/** One operation: its fields and its execute, in one file. */
export interface ScantrustOperation {
	description: INodeProperties[];
	/** Receives all input items; returns all output items (paired to their input). */
	execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]>;
}

/** A resource: its operation selector and its operations keyed by operation value. */
export interface ScantrustResource {
	operationProperty: INodeProperties;
	operations: Record<string, ScantrustOperation>;
}
