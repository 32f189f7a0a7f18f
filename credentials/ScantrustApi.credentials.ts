import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { PRODUCTION_BASE_URL, STAGING_BASE_URL } from '../nodes/Scantrust/transport/environments';

export class ScantrustApi implements ICredentialType {
	name = 'scantrustApi';

	displayName = 'Scantrust API';

	icon: Icon = {
		light: 'file:../nodes/Scantrust/scantrust.svg',
		dark: 'file:../nodes/Scantrust/scantrust.dark.svg',
	};

	documentationUrl = 'https://docs.scantrust.com/';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Production', value: 'production', description: PRODUCTION_BASE_URL },
				{ name: 'Staging', value: 'staging', description: STAGING_BASE_URL },
				{ name: 'Custom URL', value: 'custom', description: 'Any other Scantrust API address, e.g. a sandbox' },
			],
			default: 'production',
			description: 'Which Scantrust API to use. Tokens are issued per environment.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.example.com',
			description: 'Address of the Scantrust API, without /api/v2',
			required: true,
			displayOptions: { show: { environment: ['custom'] } },
		},
		{
			displayName: 'UAT Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'User Authorization Token created in the Scantrust portal. It needs the permissions of the operations you use (see the node documentation).',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=UAT {{$credentials.token}}',
			},
		},
	};
}
