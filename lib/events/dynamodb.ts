import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent, StreamRecord } from 'aws-lambda';
import { EventContext, invalidOption, type EventEnvironment } from './context';

/** A plain JSON value, as a user writes an item. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export type StreamViewType = NonNullable<StreamRecord['StreamViewType']>;

/** One change to one item. */
export interface DynamoDBChangeOptions {
  /** The item's key attributes, as plain JSON. @default { id: '1' } */
  readonly keys?: JsonObject;
  /** The item after the change, as plain JSON (key attributes are added). @default - none */
  readonly newImage?: JsonObject;
  /** The item before the change, as plain JSON (key attributes are added). @default - none */
  readonly oldImage?: JsonObject;
  /**
   * Kind of change.
   * @default - MODIFY with both images, REMOVE with only an old image, else INSERT
   */
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
}

export interface DynamoDBStreamEventOptions extends EventEnvironment {
  /** Table name. @default 'example-table' */
  readonly table?: string;
  /** What the stream records carry. @default 'NEW_AND_OLD_IMAGES' */
  readonly streamViewType?: StreamViewType;
  /** The batch, one record per change. @default - one INSERT of { id: '1', name: 'Example' } */
  readonly changes?: readonly DynamoDBChangeOptions[];
}

/** Converts plain JSON to a DynamoDB attribute value (numbers to N, arrays to L, objects to M). */
export function toAttributeValue(value: JsonValue): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} cannot be a DynamoDB number`);
    return { N: String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: (value as readonly JsonValue[]).map(toAttributeValue) };
  return { M: toAttributeMap(value as JsonObject) };
}

/** Converts a plain JSON object to a DynamoDB item (`{ name: { S: 'x' } }`). */
export function toAttributeMap(item: JsonObject): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) out[name] = toAttributeValue(value);
  return out;
}

/**
 * Approximates DynamoDB's item size: attribute names plus values (UTF-8 bytes
 * for strings, about one byte per two digits for numbers, one byte for
 * booleans and nulls, three bytes of overhead for lists and maps).
 */
function itemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  return 1;
}

/** Adds the key attributes to an image; an image that gives a key attribute another value is an error. */
function withKeys(keys: JsonObject, image: JsonObject, option: string): JsonObject {
  for (const [name, value] of Object.entries(keys)) {
    if (name in image && JSON.stringify(image[name]) !== JSON.stringify(value)) {
      invalidOption(option, `key attribute "${name}" is ${JSON.stringify(image[name])} here but ${JSON.stringify(value)} in the keys`, image, 'give the image the same key values as the keys, or leave them out of the image');
    }
  }
  return { ...keys, ...image };
}

/** The event Lambda's DynamoDB Streams event source mapping sends for a batch of changes. */
export function dynamodbStreamEvent(options: DynamoDBStreamEventOptions = {}): DynamoDBStreamEvent {
  const context = new EventContext(options);
  const table = options.table ?? 'example-table';
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) invalidOption('table', `"${table}" is not a table name`, table, 'use 3-255 letters, digits, underscores, hyphens and dots');
  const view = options.streamViewType ?? 'NEW_AND_OLD_IMAGES';
  const changes = options.changes ?? [{ keys: { id: '1' }, newImage: { id: '1', name: 'Example' } }];
  if (changes.length === 0) invalidOption('changes', 'a batch has at least one record', 0, 'pass at least one change');
  // The stream label is the time the stream was enabled, in ISO form without the zone.
  const streamArn = context.arn('dynamodb', `table/${table}/stream/${new Date(context.now.getTime() - 86_400_000).toISOString().replace('Z', '')}`);
  let sequence = BigInt(context.digits(21));
  return {
    Records: changes.map((change): DynamoDBRecord => {
      const keys = change.keys ?? { id: '1' };
      if (Object.keys(keys).length === 0 || Object.keys(keys).length > 2) invalidOption('keys', 'a table key has one or two attributes (partition, sort)', keys, 'pass keys like {"pk":"user#1","sk":"profile"}');
      const eventName = change.eventName ?? (change.newImage && change.oldImage ? 'MODIFY' : change.oldImage ? 'REMOVE' : 'INSERT');
      if (eventName === 'INSERT' && change.oldImage) invalidOption('oldImage', 'an INSERT has no old image', change.oldImage, 'leave the old image out, or use MODIFY');
      if (eventName === 'REMOVE' && change.newImage) invalidOption('newImage', 'a REMOVE has no new image', change.newImage, 'leave the new image out, or use MODIFY');
      const newItem = eventName === 'REMOVE' ? undefined : withKeys(keys, change.newImage ?? {}, 'newImage');
      const oldItem = eventName === 'INSERT' ? undefined : withKeys(keys, change.oldImage ?? {}, 'oldImage');
      const NewImage = newItem && (view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES') ? toAttributeMap(newItem) : undefined;
      const OldImage = oldItem && (view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES') ? toAttributeMap(oldItem) : undefined;
      const Keys = toAttributeMap(keys);
      sequence += BigInt(100 + Math.floor(context.bytes(1)[0]));
      return {
        eventID: context.hex(32),
        eventName,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: context.region,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(context.now.getTime() / 1000),
          Keys,
          ...(NewImage ? { NewImage } : {}),
          ...(OldImage ? { OldImage } : {}),
          SequenceNumber: sequence.toString(),
          SizeBytes: itemSize(Keys) + itemSize(NewImage) + itemSize(OldImage),
          StreamViewType: view,
        },
        eventSourceARN: streamArn,
      };
    }),
  };
}
