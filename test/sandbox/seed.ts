// Seed data: one brand company with templates, products, substrates, equipment and printing partners.
// Ids reuse the seed documents' examples (template 164, substrate 1, equipment 2, partner 346 ...) where they exist.
import type { Brand, Campaign, CompanyRef, CreateWorkOrderInput, Equipment, IngestionRecord, Product, Substrate, Template } from './types';

export const COMPANY: CompanyRef = { id: 339, name: 'Sandbox Brand Co' };
export const BRAND: CompanyRef = { id: 143, name: 'Sandbox Brand' };
/** What the company's work orders use when the template has no url_prefix (seed 001 shows "" on the template). */
export const DEFAULT_URL_PREFIX = 'HTTPS://QR2.CH/Q/';

export const ME = {
	id: 1,
	email: 'api-user@sandbox.scantrust.test',
	first_name: 'Sandbox',
	last_name: 'User',
	company: COMPANY,
	role: 'brand_manager',
	is_active: true,
};

export const PRINTING_PARTNERS: CompanyRef[] = [
	{ id: 346, name: 'PrintPartner One' },
	{ id: 3, name: 'Label Printers Ltd' },
];

export const SUBSTRATES: Substrate[] = [
	{ id: 1, name: 'Plain Paper', description: '' },
	{ id: 74, name: 'Glossy Label', description: 'PP white gloss' },
];

export const EQUIPMENT: Equipment[] = [
	{ id: 2, name: 'HP Indigo 6900', description: 'Digital press' },
	{ id: 214, name: 'Xeikon 3500', description: '' },
];

/** Brands: products name theirs by id or by reference (what a brand reference looks like is not documented). */
export const BRANDS: Brand[] = [
	{ ...BRAND, reference: 'sandbox-brand' },
	{ id: 144, name: 'Sandbox Export Brand', reference: 'export-brand' },
];

/**
 * Campaigns with their SCM fields (keys are per campaign; the field lists are made up). Codes whose product has no
 * campaign, and codes without a product, are in DEFAULT_CAMPAIGN_ID (not documented: an assumption of the sandbox).
 */
export const CAMPAIGNS: Campaign[] = [
	{ id: 21, name: 'Sandbox Campaign', description: 'Default campaign', is_archived: false, scm_fields: ['pallet_number', 'intended_market', 'sell_by_date', 'production_date', 'batch_number', 'rfid', 'case_number'] },
	{ id: 22, name: 'Export Campaign', description: 'Codes for export markets', is_archived: false, scm_fields: ['intended_market', 'container_number'] },
];
export const DEFAULT_CAMPAIGN_ID = 21;

export const PRODUCTS: Product[] = [
	{ id: 2, sku: 'P2', name: 'Product P2', brand: BRAND, campaign: 21, creation_date: '2023-05-02T08:00:00.000000Z' },
	{ id: 6134, sku: 'NICK1', name: 'Nick 1', brand: BRAND, campaign: 21, creation_date: '2023-06-10T08:00:00.000000Z' },
	{ id: 7001, sku: 'sku1', name: 'Sample SKU 1', brand: BRAND, campaign: 22, creation_date: '2023-07-01T08:00:00.000000Z' },
	{ id: 7002, sku: 'OLD-1', name: 'Discontinued product', brand: BRAND, campaign: 21, is_archived: true, creation_date: '2022-01-01T08:00:00.000000Z' },
];

/** Code layout of templates without a secure graphic (unverified: the seeds only show 'sg-inside'/'sg-outside'). */
export const SID_CODE_LAYOUT = 'qr-only';

const TEMPLATE_DEFAULTS: Omit<Template, 'id' | 'name' | 'code_layout'> = {
	description: 'n.a.',
	company: COMPANY.id,
	custom_layout: null,
	substrate: null,
	substrate_name: '',
	printing_partner: null,
	image: null,
	use_serial_number: false,
	is_hybrid: false,
	is_fp_serialized: false,
	is_static_print: false,
	is_archived: false,
	activate_on_complete: false,
	url_prefix: '',
	extended_id_style: 'legacy',
	partner_permissions: [],
};

export const TEMPLATES: Template[] = [
	{ ...TEMPLATE_DEFAULTS, id: 101, name: 'SID Serialized', code_layout: SID_CODE_LAYOUT, use_serial_number: true, url_prefix: 'HTTPS://QR2.CH/Q/', activate_on_complete: true },
	{ ...TEMPLATE_DEFAULTS, id: 102, name: 'SID Plain', code_layout: SID_CODE_LAYOUT, url_prefix: '' },
	// As seed 001: SSC, no printing partner on the template (create must name one).
	{ ...TEMPLATE_DEFAULTS, id: 164, name: 'SG_Template_1', code_layout: 'sg-outside', use_serial_number: true, is_hybrid: true },
	{ ...TEMPLATE_DEFAULTS, id: 105, name: 'SSC with partner', code_layout: 'sg-inside', use_serial_number: true, printing_partner: 346, substrate: 74, substrate_name: 'Glossy Label', url_prefix: 'HTTPS://QR1.CH/Q/' },
	{ ...TEMPLATE_DEFAULTS, id: 120, name: 'Static print', code_layout: 'sg-outside', is_static_print: true, printing_partner: 346 },
	{ ...TEMPLATE_DEFAULTS, id: 90, name: 'Old SID template', code_layout: SID_CODE_LAYOUT, is_archived: true },
];

export const SEED_TEMPLATE_IDS = { sid: 101, sidPlain: 102, sscNoPartner: 164, sscWithPartner: 105, staticPrint: 120, archived: 90 };

/** Work orders present at start: created through the same code as the API, then back-dated. */
export const SEED_WORK_ORDERS: { input: CreateWorkOrderInput; createdAt: string; complete: boolean; archived?: boolean }[] = [
	{ input: { template: 101, quantity: 25, reference: 'SEED-SID-ARCHIVED', remarks: 'old run' }, createdAt: '2024-01-15T09:00:00Z', complete: true, archived: true },
	{ input: { template: 101, quantity: 25, reference: 'SEED-SID-001', remarks: 'first run' }, createdAt: '2024-03-01T10:00:00Z', complete: true },
	{ input: { template: 105, quantity: 100, reference: 'SEED-SSC-001', remarks: 'awaiting printer' }, createdAt: '2024-03-02T10:00:00Z', complete: false },
];

/** The failed upload seed 002 shows. */
export const SEED_INGESTION_RECORDS: IngestionRecord[] = [
	{
		id: 22,
		key: 'ym0mse71lc7t',
		description: 'Code ingestion file upload',
		status: 'error',
		type: 'code',
		ingestion_mode: 'api',
		created_at: '2022-10-19T17:17:11.750258Z',
		created_by: ME.id,
		status_updated_at: '2022-10-26T13:51:15.701033Z',
		parameters: { default_scm_data: {}, use_serial_number: false },
		result_data: { errors: [{ duplicate_id_error: ['iE4MwAbc1234', 'Bc2m6Xyz5678'] }] },
	},
];

export const FIRST_IDS = { workOrder: 5001, ingestionRecord: 23, serial: 1, product: 8001 };
