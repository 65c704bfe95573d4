import { randomBytes } from 'node:crypto';
import { LambdakitError } from '../errors';

/**
 * Where and when a sample event happens. Every builder takes these; a `seed`
 * and a fixed `now` make the output byte-for-byte repeatable (for tests and
 * snapshots), otherwise ids are random and the time is the current time.
 */
export interface EventEnvironment {
  /**
   * Region in ARNs, host names and `awsRegion`.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Account id in ARNs and request contexts (12 digits).
   * @default '123456789012'
   */
  readonly accountId?: string;
  /**
   * Time of the event: a Date, epoch milliseconds or an ISO 8601 string.
   * @default - the current time
   */
  readonly now?: Date | number | string;
  /**
   * Seed for every generated id (request ids, message ids, sequence numbers).
   * @default - ids come from the system's random source
   */
  readonly seed?: string | number;
}

/** Ids, time and ARNs for one event, derived from an {@link EventEnvironment}. */
export class EventContext {
  public readonly region: string;
  public readonly accountId: string;
  public readonly now: Date;
  private readonly nextByte: () => number;

  constructor(environment: EventEnvironment = {}) {
    this.region = environment.region ?? 'us-east-1';
    this.accountId = environment.accountId ?? '123456789012';
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(this.region)) {
      invalidOption('region', `"${this.region}" is not an AWS region name`, this.region, 'pass a region like us-east-1 or eu-west-3');
    }
    if (!/^\d{12}$/.test(this.accountId)) {
      invalidOption('accountId', `"${this.accountId}" is not 12 digits`, this.accountId, 'pass an account id like 123456789012');
    }
    this.now = toDate(environment.now);
    this.nextByte = environment.seed === undefined ? systemBytes() : seededBytes(String(environment.seed));
  }

  /** `n` random bytes from the seeded or system source. */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.nextByte();
    return out;
  }

  /** A version 4 UUID, as Lambda, SQS and API Gateway use for request and message ids. */
  uuid(): string {
    const b = this.bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    return this.bytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
  }

  /** `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet: string): string {
    let out = '';
    // Rejection sampling keeps every character equally likely.
    const limit = 256 - (256 % alphabet.length);
    while (out.length < length) {
      const byte = this.nextByte();
      if (byte < limit) out += alphabet[byte % alphabet.length];
    }
    return out;
  }

  /** `length` decimal digits, first one not zero (sequence numbers, log event ids). */
  digits(length: number): string {
    return this.chars(1, '123456789') + this.chars(length - 1, '0123456789');
  }

  /** Base64 of `n` random bytes (receipt handles, signatures, S3's x-amz-id-2). */
  base64(n: number): string {
    return this.bytes(n).toString('base64');
  }

  /** An ARN in this event's partition, region and account. */
  arn(service: string, resource: string, scope: { region?: string; accountId?: string } = {}): string {
    return `arn:aws:${service}:${scope.region ?? this.region}:${scope.accountId ?? this.accountId}:${resource}`;
  }
}

export const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function toDate(now: Date | number | string | undefined): Date {
  if (now === undefined) return new Date();
  const date = now instanceof Date ? new Date(now.getTime()) : new Date(now);
  if (Number.isNaN(date.getTime())) {
    invalidOption('now', `"${String(now)}" is not a date`, now, 'pass an ISO 8601 time like 2026-11-23T10:00:00Z, or epoch milliseconds');
  }
  return date;
}

function systemBytes(): () => number {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at >= pool.length) {
      pool = randomBytes(256);
      at = 0;
    }
    return pool[at++];
  };
}

/** sfc32 seeded from a 128-bit FNV-1a style hash of the seed: small, fast and well distributed. */
function seededBytes(seed: string): () => number {
  const state = new Uint32Array(4);
  for (let lane = 0; lane < 4; lane++) {
    let h = 0x811c9dc5 ^ lane;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
    state[lane] = h >>> 0;
  }
  const next = (): number => {
    const t = (state[0] + state[1] + state[3]) >>> 0;
    state[3] = (state[3] + 1) >>> 0;
    state[0] = state[1] ^ (state[1] >>> 9);
    state[1] = (state[2] + (state[2] << 3)) >>> 0;
    state[2] = ((state[2] << 21) | (state[2] >>> 11)) >>> 0;
    state[2] = (state[2] + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next(); // mix the hash into the state
  return () => next() & 0xff;
}

/** Throws the error every builder uses for a value a user passed. */
export function invalidOption(option: string, message: string, value: unknown, hint: string): never {
  throw new LambdakitError(`${option}: ${message}`, { code: 'InvalidEventOption', value, hint });
}
