import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent, StreamRecord } from 'aws-lambda';
import { EventContext, invalidOption, type EventEnvironment } from './context';
import { type StreamWindowFields, type StreamWindowOptions, streamWindowFields, withArnEnvironment } from './kinesis';

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
  /** The item's key attributes as the stream returned them (instead of `keys`). @default - from `keys` */
  readonly keyAttributes?: Readonly<Record<string, StreamAttributeValue>>;
  /** The item after the change as the stream returned it (instead of `newImage`). @default - from `newImage` */
  readonly newImageAttributes?: Readonly<Record<string, StreamAttributeValue>>;
  /** The item before the change as the stream returned it (instead of `oldImage`). @default - from `oldImage` */
  readonly oldImageAttributes?: Readonly<Record<string, StreamAttributeValue>>;
  /** Id the stream gave the record (`eventID`). @default - 32 random hex digits */
  readonly eventId?: string;
  /** Sequence number the stream gave the record. @default - above the previous record's */
  readonly sequenceNumber?: string;
  /** When the change was written, epoch milliseconds (the event carries whole seconds). @default - the event's time */
  readonly approximateCreationDateTime?: number;
  /** Size of the stream record in bytes, as the stream reports it. @default - an estimate from keys and images */
  readonly sizeBytes?: number;
  /** Version of the stream record format. @default '1.1' */
  readonly eventVersion?: string;
}

/** A DynamoDB attribute value as a stream read returns it: binaries as bytes (the SDK's form) or base64 text (the event's form). */
export interface StreamAttributeValue {
  readonly S?: string;
  readonly N?: string;
  readonly B?: Uint8Array | string;
  readonly SS?: readonly string[];
  readonly NS?: readonly string[];
  readonly BS?: readonly (Uint8Array | string)[];
  readonly M?: Readonly<Record<string, StreamAttributeValue>>;
  readonly L?: readonly StreamAttributeValue[];
  readonly NULL?: boolean;
  readonly BOOL?: boolean;
}

export interface DynamoDBStreamEventOptions extends EventEnvironment {
  /** Table name. @default 'example-table' */
  readonly table?: string;
  /** What the stream records carry. @default 'NEW_AND_OLD_IMAGES' */
  readonly streamViewType?: StreamViewType;
  /**
   * The stream's ARN, as the event source mapping names it (region and account default to the ARN's).
   * @default - a stream of `table` in the event's region and account, enabled a day before the event
   */
  readonly streamArn?: string;
  /** The batch, one record per change. @default - one INSERT of { id: '1', name: 'Example' } */
  readonly changes?: readonly DynamoDBChangeOptions[];
  /** The tumbling window the batch belongs to. @default - no window fields */
  readonly window?: StreamWindowOptions;
}

const base64 = (b: Uint8Array | string): string => (typeof b === 'string' ? b : Buffer.from(b).toString('base64'));

/** An attribute value as Lambda's event carries it: binaries base64-encoded, nested values converted alike. */
function toEventAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toEventAttributeMap(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toEventAttribute) };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  throw new TypeError(`${JSON.stringify(value)} is not a DynamoDB attribute value`);
}

function toEventAttributeMap(item: Readonly<Record<string, StreamAttributeValue>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) out[name] = toEventAttribute(value);
  return out;
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
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.SS !== undefined) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, v) => sum + Math.ceil(v.replace(/[-.]/g, '').length / 2) + 1, 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, v) => sum + Buffer.from(v, 'base64').length, 0);
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
export function dynamodbStreamEvent(options: DynamoDBStreamEventOptions = {}): DynamoDBStreamEvent & Partial<StreamWindowFields> {
  const context = new EventContext(withArnEnvironment(options, options.streamArn));
  const table = options.table ?? 'example-table';
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) invalidOption('table', `"${table}" is not a table name`, table, 'use 3-255 letters, digits, underscores, hyphens and dots');
  if (options.streamArn !== undefined && !/^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}\/stream\/[^/]+$/.test(options.streamArn)) {
    invalidOption('streamArn', `"${options.streamArn}" is not a DynamoDB stream ARN`, options.streamArn, 'pass the table\'s LatestStreamArn, like arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000');
  }
  const view = options.streamViewType ?? 'NEW_AND_OLD_IMAGES';
  const changes = options.changes ?? [{ keys: { id: '1' }, newImage: { id: '1', name: 'Example' } }];
  // The final invocation of a tumbling window carries the state and no records.
  if (changes.length === 0 && !options.window?.isFinalInvokeForWindow) invalidOption('changes', 'a batch has at least one record', 0, 'pass at least one change');
  // The stream label is the time the stream was enabled, in ISO form without the zone.
  const streamArn = options.streamArn ?? context.arn('dynamodb', `table/${table}/stream/${new Date(context.now.getTime() - 86_400_000).toISOString().replace('Z', '')}`);
  let sequence = BigInt(context.digits(21));
  const event: DynamoDBStreamEvent = {
    Records: changes.map((change): DynamoDBRecord => {
      if (change.keys && change.keyAttributes) invalidOption('keyAttributes', 'a change has keys or keyAttributes, not both', change.keyAttributes, 'pass one of them');
      const hasNew = change.newImage !== undefined || change.newImageAttributes !== undefined;
      const hasOld = change.oldImage !== undefined || change.oldImageAttributes !== undefined;
      const eventName = change.eventName ?? (hasNew && hasOld ? 'MODIFY' : hasOld ? 'REMOVE' : 'INSERT');
      if (eventName === 'INSERT' && hasOld) invalidOption('oldImage', 'an INSERT has no old image', change.oldImage ?? change.oldImageAttributes, 'leave the old image out, or use MODIFY');
      if (eventName === 'REMOVE' && hasNew) invalidOption('newImage', 'a REMOVE has no new image', change.newImage ?? change.newImageAttributes, 'leave the new image out, or use MODIFY');
      const carriesNew = view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
      const carriesOld = view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
      let Keys: Record<string, AttributeValue>;
      let NewImage: Record<string, AttributeValue> | undefined;
      let OldImage: Record<string, AttributeValue> | undefined;
      if (change.keyAttributes) {
        // A record read from a stream: its images are what the stream returned.
        Keys = toEventAttributeMap(change.keyAttributes);
        NewImage = change.newImageAttributes && carriesNew ? toEventAttributeMap(change.newImageAttributes) : undefined;
        OldImage = change.oldImageAttributes && carriesOld ? toEventAttributeMap(change.oldImageAttributes) : undefined;
      } else {
        const keys = change.keys ?? { id: '1' };
        const newItem = eventName === 'REMOVE' ? undefined : withKeys(keys, change.newImage ?? {}, 'newImage');
        const oldItem = eventName === 'INSERT' ? undefined : withKeys(keys, change.oldImage ?? {}, 'oldImage');
        Keys = toAttributeMap(keys);
        NewImage = newItem && carriesNew ? toAttributeMap(newItem) : undefined;
        OldImage = oldItem && carriesOld ? toAttributeMap(oldItem) : undefined;
      }
      if (Object.keys(Keys).length === 0 || Object.keys(Keys).length > 2) invalidOption('keys', 'a table key has one or two attributes (partition, sort)', Keys, 'pass keys like {"pk":"user#1","sk":"profile"}');
      if (change.sequenceNumber !== undefined && !/^\d+$/.test(change.sequenceNumber)) invalidOption('sequenceNumber', `"${change.sequenceNumber}" is not a decimal sequence number`, change.sequenceNumber, 'pass the number the stream gave the record');
      sequence = change.sequenceNumber !== undefined ? BigInt(change.sequenceNumber) : sequence + BigInt(100 + Math.floor(context.bytes(1)[0]));
      return {
        eventID: change.eventId ?? context.hex(32),
        eventName,
        eventVersion: change.eventVersion ?? '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: context.region,
        dynamodb: {
          // Whole seconds, as Lambda delivers it.
          ApproximateCreationDateTime: Math.floor((change.approximateCreationDateTime ?? context.now.getTime()) / 1000),
          Keys,
          ...(NewImage ? { NewImage } : {}),
          ...(OldImage ? { OldImage } : {}),
          SequenceNumber: sequence.toString(),
          SizeBytes: change.sizeBytes ?? itemSize(Keys) + itemSize(NewImage) + itemSize(OldImage),
          StreamViewType: view,
        },
        eventSourceARN: streamArn,
      };
    }),
  };
  return options.window ? { ...event, ...streamWindowFields(options.window, streamArn) } : event;
}
