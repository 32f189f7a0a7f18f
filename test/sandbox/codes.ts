// The codes of a work order: deterministic extended IDs, serial/sequence numbers and batches (SPEC section 3).
import type { GeneratedCode, WorkOrder, WorkOrderExtra } from './types';
import { ALNUM } from './util';

/** Seed 000: "one batch will only contain up to 20 thousand codes". */
export const BATCH_SIZE = 20000;
// Looked up once: in Jest's sandboxed globals each `Math.x` access costs about a microsecond, which adds
// seconds to a million codes.
const { imul, floor } = Math;
const SERIAL_DIGITS = 9;
const SEQUENCE_DIGITS = 7;

export function mix32(x: number): number {
	x ^= x >>> 16;
	x = imul(x, 0x85ebca6b);
	x ^= x >>> 13;
	x = imul(x, 0xc2b2ae35);
	return (x ^ (x >>> 16)) >>> 0;
}

/**
 * 12 characters of [0-9A-Za-z]. A 4-round Feistel network over (sequence, work order id) is a bijection, so
 * ids never collide across work orders, yet look random. Each 32-bit half becomes 6 base-62 digits (62^6 > 2^32).
 */
export function extendedIdFor(workOrderId: number, sequence: number): string {
	let left = sequence >>> 0;
	let right = workOrderId >>> 0;
	for (let round = 1; round <= 4; round++) {
		const next = (left ^ mix32((right + 0x9e3779b9 * round) >>> 0)) >>> 0;
		left = right;
		right = next;
	}
	let id = '';
	for (let i = 0; i < 6; i++, left = floor(left / 62)) id += ALNUM[left % 62];
	for (let i = 0; i < 6; i++, right = floor(right / 62)) id += ALNUM[right % 62];
	return id;
}

export type CodeVisitor = (extendedId: string, serialNumber: string, sequenceNumber: string, batch: number, url: string) => void;

/** Walks every code in archive order without building objects (the 1,000,000-code path). */
export function forEachCode(wo: WorkOrder, extra: WorkOrderExtra, visit: CodeVisitor): void {
	const ids = extra.ingestedIds;
	const count = ids ? ids.length : wo.quantity;
	for (let seq = 1; seq <= count; seq++) {
		const extendedId = ids ? ids[seq - 1] : extendedIdFor(wo.id, seq);
		const serial = wo.use_serial_number ? `${extra.serialStart + seq - 1}`.padStart(SERIAL_DIGITS, '0') : '';
		visit(extendedId, serial, `${seq}`.padStart(SEQUENCE_DIGITS, '0'), floor((seq - 1) / BATCH_SIZE) + 1, wo.url_prefix + extendedId);
	}
}

export function codesFor(wo: WorkOrder, extra: WorkOrderExtra): GeneratedCode[] {
	const codes: GeneratedCode[] = [];
	forEachCode(wo, extra, (extendedId, serialNumber, sequenceNumber, batch, url) => {
		codes.push({ extendedId, serialNumber, sequenceNumber, batch, url });
	});
	return codes;
}
