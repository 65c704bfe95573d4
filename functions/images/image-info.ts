/** What the first bytes of an image file say about it. */
export interface ImageInfo {
  readonly contentType: 'image/png' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG: the signature, then the IHDR chunk whose data starts with width and height (big-endian). */
function png(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (bytes.toString('ascii', 12, 16) !== 'IHDR') throw new Error('PNG without an IHDR chunk first');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) throw new Error('PNG with a zero dimension');
  return { contentType: 'image/png', width, height };
}

/** JPEG: walk the marker segments from SOI to the first start-of-frame (SOF0-SOF15 except DHT, JPG, DAC). */
function jpeg(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) throw new Error(`JPEG marker expected at byte ${offset}`);
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame header
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) throw new Error('JPEG segment with an invalid length');
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (offset + 9 > bytes.length) break;
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      if (width === 0 || height === 0) throw new Error('JPEG with a zero dimension');
      return { contentType: 'image/jpeg', width, height };
    }
    offset += 2 + length;
  }
  throw new Error('JPEG without a frame header');
}

/**
 * Reads content type and dimensions from the file header. Returns undefined
 * for files that are not PNG or JPEG; throws for files that claim to be one
 * but are corrupt.
 */
export function imageInfo(bytes: Buffer): ImageInfo | undefined {
  return png(bytes) ?? jpeg(bytes);
}
