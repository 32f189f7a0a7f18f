import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { apiRequestAllItems } from '../transport/paginate';
import { apiRequest } from '../transport/request';
import { postOnce } from './postOnce';

/** Products: listing, finding one by id or SKU, and creating one exactly once (the SKU is unique in the company). */

export const PRODUCTS_PATH = '/api/v2/products/';

/** Unverified: Scantrust documents the list and create routes only; the REST detail route beside them is assumed. */
export const productPath = (id: number) => `${PRODUCTS_PATH}${id}/`;

/** A product as Scantrust returns it; only the fields the node reads are typed, the rest is handed on as is. */
export interface Product extends IDataObject {
	id: number;
	sku: string;
	name?: string;
	is_archived?: boolean;
}

export function isProduct(value: unknown): value is Product {
	return value !== null && typeof value === 'object' && !Array.isArray(value) && Number.isInteger((value as IDataObject).id) && typeof (value as IDataObject).sku === 'string';
}

/** The product with exactly this SKU, archived or not (the list shows only products in use unless asked). */
export async function findBySku(ctx: IExecuteFunctions, sku: string, itemIndex: number): Promise<Product | undefined> {
	for (const isArchived of [0, 1]) {
		const matches = await apiRequestAllItems.call(
			ctx,
			PRODUCTS_PATH,
			{ sku__exact: sku, is_archived: isArchived },
			{ action: `look up product "${sku}"`, permission: 'product_view', itemIndex },
			1,
		);
		const found = matches.filter(isProduct).find((product) => product.sku === sku);
		if (found) return found;
	}
	return undefined;
}

async function getById(ctx: IExecuteFunctions, id: number, itemIndex: number): Promise<Product | undefined> {
	try {
		const body = await apiRequest.call(ctx, {
			method: 'GET',
			path: productPath(id),
			action: `read product ${id}`,
			permission: 'product_view',
			resource: { name: 'Product', id },
			itemIndex,
		});
		return isProduct(body) ? body : undefined;
	} catch (error) {
		const failure = error as NodeApiError;
		if (failure instanceof NodeApiError && failure.httpCode === '404') return undefined;
		throw failure;
	}
}

/**
 * A product named by id or SKU, as Scantrust accepts wherever a product is referenced. Digits are tried as an id
 * first, then as a SKU (SKUs may be numbers). undefined when neither exists.
 */
export async function findProduct(ctx: IExecuteFunctions, idOrSku: string, itemIndex: number): Promise<Product | undefined> {
	if (/^\d+$/.test(idOrSku)) {
		const byId = await getById(ctx, Number(idOrSku), itemIndex);
		if (byId) return byId;
	}
	return await findBySku(ctx, idOrSku, itemIndex);
}

export function productNotFound(ctx: IExecuteFunctions, idOrSku: string, field: string, itemIndex: number): NodeOperationError {
	const asId = /^\d+$/.test(idOrSku) ? 'an id or a SKU' : 'a SKU';
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: "${field}": no product has ${asId} "${idOrSku}"`, {
		itemIndex,
		description: 'Nothing was sent. SKUs are case-sensitive; list the products with Product > Get Many, or create it with Product > Create.',
	});
}

/** True for a 400 whose only complaint is that the SKU is taken: the product exists, maybe from our own earlier attempt. */
function isSkuTaken(error: NodeApiError): boolean {
	const body = error.errorResponse as IDataObject | undefined;
	if (error.httpCode !== '400' || !body || Object.keys(body).some((field) => field !== 'sku')) return false;
	const messages = Array.isArray(body.sku) ? body.sku : [body.sku];
	return messages.some((message) => typeof message === 'string' && /already exists|unique/i.test(message));
}

/**
 * Creates a product once: after an answer that may hide a created product (no answer, a 5xx) it looks the SKU up
 * before posting again. A SKU taken before this call is an error naming that product, never returned as created.
 */
export async function createProduct(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): Promise<Product> {
	const sku = String(body.sku);
	const result = await postOnce<Product>({
		post: async () => {
			const created = await apiRequest.call(ctx, {
				method: 'POST',
				path: PRODUCTS_PATH,
				body,
				action: `create product "${sku}"`,
				permission: 'product_create',
				itemIndex,
			});
			// Unverified: the answer is assumed to be the product; otherwise it is read back by its SKU.
			if (isProduct(created)) return created;
			const found = await findBySku(ctx, sku, itemIndex);
			if (found) return found;
			throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: Scantrust accepted product "${sku}" but it cannot be found by its SKU`, {
				itemIndex,
				description: `Scantrust answered: ${JSON.stringify(created).slice(0, 120)}. Look for the SKU with Product > Get Many before running again.`,
			});
		},
		lookUp: async () => await findBySku(ctx, sku, itemIndex),
		isAlreadyDone: isSkuTaken,
		explainUnknown: (postError, lookUpError) =>
			new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: Scantrust did not confirm whether product "${sku}" was created, and it could not be looked up`, {
				itemIndex,
				description: `Look for SKU "${sku}" with Product > Get Many before running again. Running again is safe: a SKU is unique, so the product cannot be made twice. Create: ${postError.message}. Look-up: ${lookUpError.message}`,
			}),
	});
	if (result.existedBefore) {
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: the SKU "${sku}" already belongs to product ${result.value.id} ("${String(result.value.name ?? '')}")`, {
			itemIndex,
			description: 'SKUs are unique within your company. Nothing was created. Use Product > Get to read that product, or choose another SKU.',
		});
	}
	return result.value;
}
