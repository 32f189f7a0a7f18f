/**
 * Duplicate check for the CSV byte scanner: an open-addressing hash set of id byte ranges of one buffer.
 *
 * Why not a Set<string> as for items and JSON: with 1,000,000 ids a Set/Map of strings costs one string per id
 * plus its table, about 60 MB and about a second (mostly allocation and GC of a million short strings). This
 * table keeps four numbers per slot in one typed array (16 bytes; 2^21 slots = 32 MB for a million ids) and hashes
 * the bytes while they are validated anyway: no string is made for a valid id at all.
 */

/** FNV-1a step over one byte (start with FNV_OFFSET); finish with mixHash. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** Final avalanche (murmur3 fmix32): the table uses the low bits. */
export function mixHash(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	return (h ^ (h >>> 16)) | 0;
}

/** Slot layout in one Int32Array, 16 bytes per slot so that a probe touches one cache line. */
const HASH = 0;
const START = 1;
/** 0 = empty slot (ids have 8 to 100 bytes). */
const LEN = 2;
const REF = 3;
const SLOT = 4;

export class ByteIdTable {
	private capacity = 1 << 16;
	private size = 0;
	private slots = new Int32Array(this.capacity * SLOT);

	constructor(private readonly buf: Buffer) {}

	/**
	 * Adds the id at buf[start, start + len) with its (mixed) hash, seen at `ref` (a line number, > 0).
	 * Returns 0 when it is new, else the ref of its first occurrence.
	 */
	add(start: number, len: number, hash: number, ref: number): number {
		if ((this.size + 1) * 2 > this.capacity) this.grow();
		const mask = this.capacity - 1;
		const slots = this.slots;
		const buf = this.buf;
		for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
			const at = slot * SLOT;
			const l = slots[at + LEN];
			if (l === 0) {
				slots[at + HASH] = hash;
				slots[at + START] = start;
				slots[at + LEN] = len;
				slots[at + REF] = ref;
				this.size++;
				return 0;
			}
			if (l === len && slots[at + HASH] === hash) {
				const other = slots[at + START] >>> 0;
				let k = 0;
				while (k < len && buf[other + k] === buf[start + k]) k++;
				if (k === len) return slots[at + REF];
			}
		}
	}

	private grow(): void {
		const old = this.slots;
		const oldCapacity = this.capacity;
		this.capacity = oldCapacity * 2;
		const slots = new Int32Array(this.capacity * SLOT);
		const mask = this.capacity - 1;
		for (let i = 0; i < oldCapacity; i++) {
			const from = i * SLOT;
			if (old[from + LEN] === 0) continue;
			let slot = old[from + HASH] & mask;
			while (slots[slot * SLOT + LEN] !== 0) slot = (slot + 1) & mask;
			const to = slot * SLOT;
			slots[to + HASH] = old[from + HASH];
			slots[to + START] = old[from + START];
			slots[to + LEN] = old[from + LEN];
			slots[to + REF] = old[from + REF];
		}
		this.slots = slots;
	}
}
