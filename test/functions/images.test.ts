import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeS3Key, type ImageDeps, type ImageRecord, MAX_IMAGE_BYTES, processEvent } from '../../functions/images/handler';
import { CorruptImageError, imageInfo } from '../../functions/images/image-info';
import { memoryLog, s3Event } from './events';

// Written by Pillow 12.3: RGBA PNG, baseline JPEG with an EXIF (APP1) segment before its frame, progressive JPEG (SOF2).
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));
const PNG = fixture('red-3x2.png');
const JPEG = fixture('gradient-5x4.jpg');
const PROGRESSIVE = fixture('progressive-7x300.jpg');

describe('image header parsers', () => {
  it('read PNG and JPEG dimensions from real files', () => {
    assert.deepEqual(imageInfo(PNG), { contentType: 'image/png', width: 3, height: 2 });
    assert.deepEqual(imageInfo(JPEG), { contentType: 'image/jpeg', width: 5, height: 4 });
    assert.deepEqual(imageInfo(PROGRESSIVE), { contentType: 'image/jpeg', width: 7, height: 300 });
  });

  it('need only the header: a truncated body after the frame header still parses', () => {
    assert.deepEqual(imageInfo(PNG.subarray(0, 24)), { contentType: 'image/png', width: 3, height: 2 });
  });

  it('say nothing about files that are not PNG or JPEG', () => {
    for (const bytes of [Buffer.from('GIF89a\x01\x00\x01\x00'), Buffer.from('hello, world'), Buffer.alloc(0), Buffer.from([0xff, 0xd8])]) {
      assert.equal(imageInfo(bytes), undefined);
    }
  });

  it('throw CorruptImageError for files that start like an image but break', () => {
    const cutPng = PNG.subarray(0, 20);
    const noIhdr = Buffer.from(PNG);
    noIhdr.write('IDAT', 12, 'latin1');
    const zeroWidth = Buffer.from(PNG);
    zeroWidth.writeUInt32BE(0, 16);
    const cutJpeg = JPEG.subarray(0, 40); // ends inside the EXIF segment, before the frame header
    const badMarker = Buffer.from(JPEG);
    badMarker[20] = 0x00; // the byte where the EXIF segment's marker should start
    for (const bytes of [cutPng, noIhdr, zeroWidth, cutJpeg, badMarker]) {
      assert.throws(() => imageInfo(bytes), CorruptImageError);
    }
  });
});

/** S3 and the table as maps. */
function memoryImageDeps(objects: Record<string, { bytes: Buffer; contentType?: string }>) {
  const sidecars = new Map<string, string>();
  const records = new Map<string, ImageRecord>();
  let reads = 0;
  const deps: ImageDeps = {
    async read(_bucket, key) {
      reads++;
      const o = objects[key];
      return o && { bytes: o.bytes, declaredContentType: o.contentType };
    },
    async writeSidecar(_bucket, key, body) {
      sidecars.set(key, body);
    },
    async record(record) {
      records.set(record.key, record);
    },
  };
  return { deps, sidecars, records, reads: () => reads };
}

describe('image pipeline', () => {
  it('records a PNG and a JPEG and writes their sidecars under processed/', async () => {
    const { deps, sidecars, records } = memoryImageDeps({ 'uploads/cats/tiny cat.png': { bytes: PNG, contentType: 'image/png' }, 'uploads/photo.jpg': { bytes: JPEG } });
    const { log, entries } = memoryLog();
    await processEvent(s3Event('uploads-bucket', [{ key: 'uploads/cats/tiny+cat.png', size: PNG.length }, { key: 'uploads/photo.jpg', size: JPEG.length }]), deps, log);

    assert.deepEqual(records.get('uploads/cats/tiny cat.png'), {
      key: 'uploads/cats/tiny cat.png',
      size: PNG.length,
      declaredContentType: 'image/png',
      status: 'PROCESSED',
      contentType: 'image/png',
      width: 3,
      height: 2,
      processedKey: 'processed/cats/tiny cat.png.json',
    });
    assert.deepEqual(JSON.parse(sidecars.get('processed/cats/tiny cat.png.json')!), { source: 'uploads/cats/tiny cat.png', contentType: 'image/png', width: 3, height: 2, size: PNG.length });
    assert.equal(records.get('uploads/photo.jpg')?.width, 5);
    assert.deepEqual([...sidecars.keys()].sort(), ['processed/cats/tiny cat.png.json', 'processed/photo.jpg.json']);
    assert.equal(entries.filter((e) => e.status === 'PROCESSED').length, 2);
  });

  it('decodes S3 event keys: + is a space, %XX is UTF-8', () => {
    assert.equal(decodeS3Key('uploads/caf%C3%A9+au+lait%2B.png'), 'uploads/café au lait+.png');
    assert.equal(decodeS3Key('uploads/100%.png'), 'uploads/100%.png');
  });

  it('records non-images, corrupt images, oversized and vanished uploads as rejected, without throwing or writing a sidecar', async () => {
    const { deps, sidecars, records, reads } = memoryImageDeps({
      'uploads/notes.txt': { bytes: Buffer.from('just text'), contentType: 'text/plain' },
      'uploads/broken.jpg': { bytes: JPEG.subarray(0, 40), contentType: 'image/jpeg' },
    });
    const result = await processEvent(
      s3Event('b', [
        { key: 'uploads/notes.txt', size: 9 },
        { key: 'uploads/broken.jpg', size: 40 },
        { key: 'uploads/huge.png', size: MAX_IMAGE_BYTES + 1 },
        { key: 'uploads/gone.png', size: 10 },
      ]),
      deps,
      memoryLog().log,
    );
    assert.deepEqual(
      result.map((r) => [r.key, r.status]),
      [['uploads/notes.txt', 'REJECTED'], ['uploads/broken.jpg', 'REJECTED'], ['uploads/huge.png', 'REJECTED'], ['uploads/gone.png', 'REJECTED']],
    );
    assert.equal(records.get('uploads/notes.txt')?.reason, 'not a PNG or JPEG image');
    assert.equal(records.get('uploads/notes.txt')?.declaredContentType, 'text/plain');
    assert.match(records.get('uploads/broken.jpg')?.reason ?? '', /^corrupt image: JPEG ends before its frame header/);
    assert.match(records.get('uploads/huge.png')?.reason ?? '', /larger than/);
    assert.equal(records.get('uploads/gone.png')?.reason, 'object no longer exists');
    assert.equal(sidecars.size, 0);
    assert.equal(reads(), 3, 'the oversized object is not read');
  });

  it('gives the same record and sidecar when S3 delivers the event again', async () => {
    const { deps, sidecars, records } = memoryImageDeps({ 'uploads/a.png': { bytes: PNG } });
    const event = s3Event('b', [{ key: 'uploads/a.png', size: PNG.length }]);
    await processEvent(event, deps, memoryLog().log);
    const first = { record: records.get('uploads/a.png'), sidecar: sidecars.get('processed/a.png.json') };
    await processEvent(event, deps, memoryLog().log);
    assert.deepEqual({ record: records.get('uploads/a.png'), sidecar: sidecars.get('processed/a.png.json') }, first);
    assert.equal(records.size, 1);
    assert.equal(sidecars.size, 1);
  });

  it('lets a failure of S3 itself throw, so Lambda retries the event', async () => {
    const { deps } = memoryImageDeps({});
    deps.read = async () => {
      throw Object.assign(new Error('Service Unavailable'), { name: 'SlowDown' });
    };
    await assert.rejects(processEvent(s3Event('b', [{ key: 'uploads/a.png', size: 10 }]), deps, memoryLog().log), /Service Unavailable/);
  });

  it('ignores keys outside uploads/ (its own sidecars under processed/ never loop back)', async () => {
    const { deps, records } = memoryImageDeps({ 'processed/a.png.json': { bytes: Buffer.from('{}') } });
    assert.deepEqual(await processEvent(s3Event('b', [{ key: 'processed/a.png.json', size: 2 }]), deps, memoryLog().log), []);
    assert.equal(records.size, 0);
  });
});
