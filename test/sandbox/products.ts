// Products: the list (is_archived, sku__exact, ordering), one product, and create (one per call, SKU unique).
import { randomUUID } from 'node:crypto';
import { forEachCode, recordOf } from './codeStore';
import type { Ctx } from './context';
import { FieldErrors, MSG, asDict, notFound, readPk, readString, toInteger } from './drf';
import { COMPANY, DEFAULT_CAMPAIGN_ID } from './seed';
import type { Product } from './types';
import { isoMicro } from './util';

/** Company uuid in product answers (made up). */
const COMPANY_UUID = '9a1c3f5e-0339-4e1b-9c55-000000000339';

/** Ordering without `?ordering=` (not documented: the sandbox lists by id). */
const DEFAULT_ORDERING = 'id';
const ORDERING_FIELDS = ['id', 'sku', 'name', 'creation_date'];

/** Message of a SKU taken in the company: DRF's UniqueValidator wording (the real text is not documented). */
export const SKU_TAKEN = 'product with this sku already exists.';

interface CodeCounts {
	code_count: number;
	active_code_count: number;
	blacklisted_code_count: number;
}

/** Counts of codes per product id, in one pass over every code. */
function codeCounts(ctx: Ctx): Map<number, CodeCounts> {
	const counts = new Map<number, CodeCounts>();
	forEachCode(ctx, (ref) => {
		const record = recordOf(ctx, ref);
		if (record.product === null) return;
		let c = counts.get(record.product);
		if (!c) counts.set(record.product, (c = { code_count: 0, active_code_count: 0, blacklisted_code_count: 0 }));
		c.code_count++;
		if (record.activation_status === 1) c.active_code_count++;
		if (record.activation_status === 2) c.blacklisted_code_count++;
	});
	return counts;
}

/** A product as the API shows it (fields as Scantrust's product download page lists them). */
export function productView(ctx: Ctx, product: Product, counts: Map<number, CodeCounts> = codeCounts(ctx)) {
	const campaign = ctx.state.campaigns.find((c) => c.id === (product.campaign ?? DEFAULT_CAMPAIGN_ID));
	return {
		id: product.id,
		uuid: product.uuid ?? `00000000-0000-4000-8000-${String(product.id).padStart(12, '0')}`,
		sku: product.sku,
		name: product.name,
		description: product.description ?? '',
		image: null,
		label: null,
		brand: { id: product.brand.id, name: product.brand.name, image: null },
		company: { id: COMPANY.id, uuid: COMPANY_UUID, name: COMPANY.name },
		creation_date: product.creation_date ?? '2023-01-01T00:00:00.000000Z',
		client_url: product.client_url ?? '',
		is_archived: product.is_archived ?? false,
		...(counts.get(product.id) ?? { code_count: 0, active_code_count: 0, blacklisted_code_count: 0 }),
		campaign: campaign ? { id: campaign.id, name: campaign.name, description: campaign.description, is_archived: campaign.is_archived } : null,
		smartlabel: null,
	};
}

/** "default 0=not archived": without the filter only products in use are listed. */
function archivedFilter(value: string | null): boolean | undefined {
	if (value === null) return false;
	if (['1', 'true', 'True'].includes(value)) return true;
	if (['0', 'false', 'False'].includes(value)) return false;
	return undefined;
}

export function listProducts(ctx: Ctx, query: URLSearchParams) {
	const archived = archivedFilter(query.get('is_archived'));
	const sku = query.get('sku__exact');
	// DRF's OrderingFilter ignores fields it does not allow.
	const ordering = (query.get('ordering') ?? DEFAULT_ORDERING).split(',')[0].trim();
	const known = ORDERING_FIELDS.includes(ordering.replace(/^-/, ''));
	const field = known ? ordering.replace(/^-/, '') : DEFAULT_ORDERING;
	const descending = known && ordering.startsWith('-') ? -1 : 1;
	const counts = codeCounts(ctx);
	return ctx.state.products
		.filter((p) => archived === undefined || (p.is_archived ?? false) === archived)
		.filter((p) => sku === null || p.sku === sku)
		.map((p) => productView(ctx, p, counts))
		.sort((a, b) => {
			const x = a[field as keyof typeof a] as string | number;
			const y = b[field as keyof typeof b] as string | number;
			return (x < y ? -1 : x > y ? 1 : a.id - b.id) * descending;
		});
}

export function findProduct(ctx: Ctx, id: number): Product {
	const product = ctx.state.products.find((p) => p.id === id);
	if (!product) throw notFound();
	return product;
}

/** POST /api/v2/products/: `brand` is a brand id or a brand reference (string). */
export function createProduct(ctx: Ctx, body: unknown) {
	const data = asDict(body);
	const errs = new FieldErrors();
	const sku = readString(data, 'sku', errs, { required: true, maxLength: 100 });
	const name = readString(data, 'name', errs, { required: true, maxLength: 255 });
	const description = readString(data, 'description', errs, { allowBlank: true, allowNull: true });
	const clientUrl = readString(data, 'client_url', errs, { allowBlank: true, allowNull: true });
	if (clientUrl && !/^https?:\/\/[^\s/]+\.[^\s]+$/i.test(clientUrl)) errs.add('client_url', 'Enter a valid URL.');
	const campaign = readPk(data, 'campaign', errs, ctx.state.campaigns, { allowNull: true });
	let brand = ctx.state.brands[0];
	if (data.brand !== undefined && data.brand !== null) {
		const value = data.brand;
		const id = typeof value === 'number' ? toInteger(value) : undefined;
		const found =
			typeof value === 'string'
				? ctx.state.brands.find((b) => b.reference === value.trim()) ?? ctx.state.brands.find((b) => String(b.id) === value.trim())
				: ctx.state.brands.find((b) => b.id === id);
		if (found) brand = found;
		else errs.add('brand', typeof value === 'string' ? `Object with reference=${value} does not exist.` : MSG.pkMissing(value));
	}
	if (sku !== undefined && ctx.state.products.some((p) => p.sku === sku)) errs.add('sku', SKU_TAKEN);
	errs.throwIfAny();

	const product: Product = {
		id: ctx.state.nextIds.product++,
		uuid: randomUUID(),
		sku: sku as string,
		name: name as string,
		brand: { id: brand.id, name: brand.name },
		description: description ?? '',
		client_url: clientUrl ?? '',
		is_archived: false,
		creation_date: isoMicro(),
		campaign: campaign?.id ?? DEFAULT_CAMPAIGN_ID,
	};
	ctx.state.products.push(product);
	return productView(ctx, product);
}
