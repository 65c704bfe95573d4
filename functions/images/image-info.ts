/** What the first bytes of an image file say about it. */
export interface ImageInfo {
  readonly contentType: 'image/png' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
}

/** A file that announces itself as PNG or JPEG but whose header cannot be read. */
export class CorruptImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptImageError';
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * PNG: the 8-byte signature, then the IHDR chunk (4-byte length 13, type
 * "IHDR") whose data starts with width and height as big-endian uint32.
 */
function png(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (bytes.length < 24) throw new CorruptImageError('PNG shorter than its header');
  if (bytes.toString('latin1', 12, 16) !== 'IHDR' || bytes.readUInt32BE(8) !== 13) throw new CorruptImageError('PNG without an IHDR chunk first');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  // The PNG specification limits each dimension to 2^31 - 1 and forbids zero.
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw new CorruptImageError(`PNG with invalid dimensions ${width}x${height}`);
  return { contentType: 'image/png', width, height };
}

/** Start-of-frame markers carry the dimensions; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Markers that stand alone, without a length: TEM and the restart markers RST0-RST7. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/**
 * JPEG: SOI (FF D8), then marker segments `FF <marker> <uint16 length>`
 * (the length counts itself) up to the first start-of-frame, whose data is
 * precision (1 byte), height and width (uint16 each). Metadata segments such
 * as EXIF come first and are skipped by their length.
 */
function jpeg(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return undefined;
  let offset = 2;
  while (offset + 1 < bytes.length) {
    if (bytes[offset] !== 0xff) throw new CorruptImageError(`JPEG marker expected at byte ${offset}`);
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++; // fill bytes may pad before a marker
      continue;
    }
    if (isStandalone(marker)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw new CorruptImageError('JPEG reaches its image data without a frame header');
    if (offset + 4 > bytes.length) break;
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) throw new CorruptImageError(`JPEG segment with length ${length} at byte ${offset}`);
    if (isStartOfFrame(marker)) {
      if (length < 7 || offset + 9 > bytes.length) break;
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      // Height 0 means "defined later by DNL", which almost nothing writes; width 0 is invalid.
      if (width === 0 || height === 0) throw new CorruptImageError(`JPEG with invalid dimensions ${width}x${height}`);
      return { contentType: 'image/jpeg', width, height };
    }
    offset += 2 + length;
  }
  throw new CorruptImageError('JPEG ends before its frame header');
}

/**
 * Content type and dimensions from the file header. Undefined for files that
 * are neither PNG nor JPEG; throws CorruptImageError for files that start like
 * one but whose header is broken or truncated.
 */
export function imageInfo(bytes: Buffer): ImageInfo | undefined {
  return png(bytes) ?? jpeg(bytes);
}
