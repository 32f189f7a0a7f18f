import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { WaitSettings } from '../api/wait';

/**
 * The shared `waitForCompletion` / `waitTimeout` / `pollInterval` fields.
 * `what` completes "Whether to wait until ...".
 */
export function waitFields(what: string, waitByDefault: boolean): INodeProperties[] {
	return [
		{
			displayName: 'Wait for Completion',
			name: 'waitForCompletion',
			type: 'boolean',
			default: false,
			description: `Whether to wait until ${what} before going on. Scantrust works in the background; without waiting the node returns at once.`,
		},
		{
			displayName: 'Wait Timeout (Seconds)',
			name: 'waitTimeout',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 600,
			description: 'How long to wait at most. When it passes, the node fails (or returns an error item with Continue On Fail).',
			displayOptions: { show: { waitForCompletion: [true] } },
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			typeOptions: { minValue: 0.1 },
			default: 5,
			description: 'How often to ask Scantrust whether it is done',
			displayOptions: { show: { waitForCompletion: [true] } },
		},
	].map((field) => (field.name === 'waitForCompletion' ? { ...field, default: waitByDefault } : field)) as INodeProperties[];
}

export function getWaitSettings(ctx: IExecuteFunctions, itemIndex: number): WaitSettings {
	const waitForCompletion = ctx.getNodeParameter('waitForCompletion', itemIndex, false) as boolean;
	return {
		waitForCompletion,
		waitTimeout: waitForCompletion ? (ctx.getNodeParameter('waitTimeout', itemIndex, 600) as number) : 0,
		pollInterval: waitForCompletion ? (ctx.getNodeParameter('pollInterval', itemIndex, 5) as number) : 0,
	};
}

