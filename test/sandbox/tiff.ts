// A small valid baseline TIFF (8-bit grayscale, uncompressed) standing in for sample_qr.tiff.

const SIZE = 21; // a version-1 QR code is 21x21 modules

function pixels(): Buffer {
	const data = Buffer.alloc(SIZE * SIZE, 255);
	const finder = (x0: number, y0: number) => {
		for (let y = 0; y < 7; y++) {
			for (let x = 0; x < 7; x++) {
				const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
				if (ring !== 2) data[(y0 + y) * SIZE + x0 + x] = 0;
			}
		}
	};
	finder(0, 0);
	finder(SIZE - 7, 0);
	finder(0, SIZE - 7);
	return data;
}

export function sampleTiff(): Buffer {
	const image = pixels();
	const entries: [tag: number, type: number, value: number][] = [
		[256, 3, SIZE], // ImageWidth
		[257, 3, SIZE], // ImageLength
		[258, 3, 8], // BitsPerSample
		[259, 3, 1], // Compression: none
		[262, 3, 1], // PhotometricInterpretation: BlackIsZero
		[273, 4, 0], // StripOffsets (patched below)
		[277, 3, 1], // SamplesPerPixel
		[278, 3, SIZE], // RowsPerStrip
		[279, 4, image.length], // StripByteCounts
		[282, 5, 0], // XResolution -> rational (patched)
		[283, 5, 0], // YResolution -> rational (patched)
		[296, 3, 2], // ResolutionUnit: inch
	];
	const ifdOffset = 8;
	const ifdSize = 2 + entries.length * 12 + 4;
	const rationalOffset = ifdOffset + ifdSize;
	const imageOffset = rationalOffset + 8;
	const out = Buffer.alloc(imageOffset + image.length);
	out.write('II', 0, 'latin1');
	out.writeUInt16LE(42, 2);
	out.writeUInt32LE(ifdOffset, 4);
	out.writeUInt16LE(entries.length, ifdOffset);
	entries.forEach(([tag, type, value], i) => {
		const at = ifdOffset + 2 + i * 12;
		if (tag === 273) value = imageOffset;
		if (type === 5) value = rationalOffset;
		out.writeUInt16LE(tag, at);
		out.writeUInt16LE(type, at + 2);
		out.writeUInt32LE(1, at + 4);
		if (type === 3) out.writeUInt16LE(value, at + 8);
		else out.writeUInt32LE(value, at + 8);
	});
	out.writeUInt32LE(0, ifdOffset + ifdSize - 4); // no next IFD
	out.writeUInt32LE(300, rationalOffset); // 300/1 dpi
	out.writeUInt32LE(1, rationalOffset + 4);
	image.copy(out, imageOffset);
	return out;
}
