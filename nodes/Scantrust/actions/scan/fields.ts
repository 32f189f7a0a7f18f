import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readFlags } from '../../api/scans';
import { fail } from '../validate';
import { showValue } from '../../codes/showValue';

/** The campaign whose scans are read: Scantrust exports scans per campaign. */
export const campaignIdField: INodeProperties = {
	displayName: 'Campaign ID',
	name: 'campaignId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 126',
	description: "ID of the campaign, as in the address of its dashboard in the Scantrust portal (campaignId=...)",
};

export const flagsField: INodeProperties = {
	displayName: 'Flags',
	name: 'flags',
	type: 'string',
	default: '',
	placeholder: 'e.g. counterfeit,out-of-market',
	description: 'Only scans carrying at least one of these flags, comma-separated as Scantrust names them',
};

/** The Flags filter as a list of flag names; a name with other characters fails, naming the item. */
export function readFlagsParameter(ctx: IExecuteFunctions, itemIndex: number, value: unknown): string[] {
	const { flags, bad } = readFlags(value);
	if (bad !== undefined) {
		fail(ctx, itemIndex, 'Filters: Flags', `holds ${showValue(bad)}, which is not a flag name`, 'Flag names are letters, digits, - and _, separated by commas (e.g. counterfeit,out-of-market).');
	}
	return flags;
}
