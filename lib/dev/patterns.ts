/**
 * Content filtering as AWS does it, for `lambdakit dev`: EventBridge event
 * patterns (rules, and Lambda's event-source filters, which use the same
 * syntax) and SNS subscription filter policies (attribute and body scope).
 *
 * A pattern is an object whose keys must all match; a value is either a
 * nested pattern or an array of alternatives, each a literal or a matcher:
 * prefix, suffix, anything-but, numeric, exists, equals-ignore-case,
 * wildcard, cidr. `$or` holds alternative sub-patterns.
 */

type Json = unknown;

const isPlainObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function cidrMatches(cidr: string, value: Json): boolean {
  if (typeof value !== 'string') return false;
  const [base, bits] = cidr.split('/');
  const b = ipv4ToNumber(base);
  const v = ipv4ToNumber(value);
  const n = Number(bits);
  if (b === undefined || v === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return ((b & mask) >>> 0) === ((v & mask) >>> 0);
}

function wildcardMatches(pattern: string, value: Json): boolean {
  if (typeof value !== 'string') return false;
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's').test(value);
}

function numericMatches(conditions: Json[], value: Json): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      op === '=' ? value === bound : op === '>' ? value > bound : op === '>=' ? value >= bound : op === '<' ? value < bound : op === '<=' ? value <= bound : false;
    if (!ok) return false;
  }
  return true;
}

/** Whether one value (never an array) satisfies one alternative of a pattern array. */
function valueMatches(condition: Json, value: Json): boolean {
  if (!isPlainObject(condition)) return condition === value;
  if ('prefix' in condition) {
    const p = condition.prefix;
    if (isPlainObject(p) && typeof p['equals-ignore-case'] === 'string') return typeof value === 'string' && value.toLowerCase().startsWith(p['equals-ignore-case'].toLowerCase());
    return typeof value === 'string' && typeof p === 'string' && value.startsWith(p);
  }
  if ('suffix' in condition) {
    const s = condition.suffix;
    if (isPlainObject(s) && typeof s['equals-ignore-case'] === 'string') return typeof value === 'string' && value.toLowerCase().endsWith(s['equals-ignore-case'].toLowerCase());
    return typeof value === 'string' && typeof s === 'string' && value.endsWith(s);
  }
  if ('equals-ignore-case' in condition) return typeof value === 'string' && typeof condition['equals-ignore-case'] === 'string' && value.toLowerCase() === condition['equals-ignore-case'].toLowerCase();
  if ('numeric' in condition) return Array.isArray(condition.numeric) && numericMatches(condition.numeric, value);
  if ('wildcard' in condition) return typeof condition.wildcard === 'string' && wildcardMatches(condition.wildcard, value);
  if ('cidr' in condition) return typeof condition.cidr === 'string' && cidrMatches(condition.cidr, value);
  if ('anything-but' in condition) {
    const but = condition['anything-but'];
    if (isPlainObject(but)) {
      if ('prefix' in but) return typeof value === 'string' && typeof but.prefix === 'string' && !value.startsWith(but.prefix);
      if ('suffix' in but) return typeof value === 'string' && typeof but.suffix === 'string' && !value.endsWith(but.suffix);
      if ('equals-ignore-case' in but) {
        const list = [but['equals-ignore-case']].flat().filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
        return typeof value === 'string' && !list.includes(value.toLowerCase());
      }
      if ('wildcard' in but) return typeof value === 'string' && ![but.wildcard].flat().some((w) => typeof w === 'string' && wildcardMatches(w, value));
      return false;
    }
    return ![but].flat().some((x) => x === value);
  }
  return false;
}

/** Whether a field's value (absent, a scalar, or an array of scalars) satisfies a pattern array. */
function fieldMatches(conditions: Json[], present: boolean, value: Json): boolean {
  for (const condition of conditions) {
    if (isPlainObject(condition) && 'exists' in condition) {
      // exists: true needs a leaf value (not an object); exists: false needs the field absent.
      const leaf = present && !isPlainObject(value);
      if (condition.exists === leaf) return true;
      continue;
    }
    if (!present) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => valueMatches(condition, v))) return true;
  }
  return false;
}

/** Whether an event (or record, or message body) matches an EventBridge-syntax pattern. */
export function matchesPattern(pattern: Record<string, Json>, event: Json): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(expected) || !expected.some((alt) => isPlainObject(alt) && matchesPattern(alt, event))) return false;
      continue;
    }
    const present = isPlainObject(event) && key in event;
    const value = present ? (event as Record<string, Json>)[key] : undefined;
    if (isPlainObject(expected)) {
      // An array of objects matches when one of its elements matches the nested pattern.
      const nested = Array.isArray(value) ? value.some((element) => isPlainObject(element) && matchesPattern(expected, element)) : isPlainObject(value) && matchesPattern(expected, value);
      if (!present || !nested) {
        // A nested pattern made only of `exists: false` leaves matches an absent object.
        if (!present && onlyAbsence(expected)) continue;
        return false;
      }
      continue;
    }
    if (!Array.isArray(expected)) return false;
    if (!fieldMatches(expected, present, value)) return false;
  }
  return true;
}

function onlyAbsence(pattern: Record<string, Json>): boolean {
  return Object.values(pattern).every((v) => (Array.isArray(v) ? v.every((c) => isPlainObject(c) && c.exists === false) : isPlainObject(v) && onlyAbsence(v)));
}

/** An SNS message attribute as SNS delivers it to subscribers. */
export interface SnsAttribute {
  readonly Type: string;
  readonly Value: string;
}

/**
 * Whether an SNS message passes a subscription's filter policy. With the
 * MessageAttributes scope, Number attributes compare numerically and
 * String.Array attributes match when any element does; with MessageBody the
 * policy is a pattern over the JSON body (a body that is not JSON never matches).
 */
export function matchesFilterPolicy(policy: Record<string, Json> | undefined, scope: 'MessageAttributes' | 'MessageBody', message: { message: string; attributes: Record<string, SnsAttribute> }): boolean {
  if (!policy || Object.keys(policy).length === 0) return true;
  if (scope === 'MessageBody') {
    let body: Json;
    try {
      body = JSON.parse(message.message);
    } catch {
      return false;
    }
    return matchesPattern(policy, body);
  }
  const values: Record<string, Json> = {};
  for (const [name, attribute] of Object.entries(message.attributes)) {
    if (attribute.Type === 'Number') values[name] = Number(attribute.Value);
    else if (attribute.Type === 'String.Array') {
      try {
        values[name] = JSON.parse(attribute.Value);
      } catch {
        values[name] = attribute.Value;
      }
    } else if (attribute.Type === 'String') values[name] = attribute.Value;
  }
  return matchesPattern(policy, values);
}

/** The view of a record Lambda's event filtering matches against: JSON bodies and Kinesis data parsed. */
export function filterView(record: Record<string, Json>): Record<string, Json> {
  const view = { ...record };
  if (typeof view.body === 'string') {
    try {
      view.body = JSON.parse(view.body);
    } catch {
      // A plain-text body stays a string: patterns on its fields do not match it.
    }
  }
  const kinesis = view.kinesis;
  if (isPlainObject(kinesis) && typeof kinesis.data === 'string') {
    try {
      view.data = JSON.parse(Buffer.from(kinesis.data, 'base64').toString('utf8'));
    } catch {
      view.data = kinesis.data;
    }
    view.partitionKey = kinesis.partitionKey;
  }
  return view;
}
