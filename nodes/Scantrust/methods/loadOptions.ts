import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { apiRequestAllItems } from '../transport/paginate';

export async function getTemplates(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const templates = await apiRequestAllItems.call(this, '/api/v2/workorders/templates/', {}, {
		action: 'list work order templates',
		permission: 'workorder_view',
	});
	return templates
		.filter((template: IDataObject) => template.is_archived !== true)
		.map((template: IDataObject) => ({
			name: `${String(template.name)} (${String(template.id)})`,
			value: template.id as number,
			description: [template.code_layout, template.use_serial_number ? 'serial numbers' : '', template.description]
				.filter((part) => part && part !== 'n.a.')
				.join(' · '),
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}
