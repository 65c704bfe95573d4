/**
 * EventBridge's input transformer, for rule targets run by `lambdakit dev`:
 * `InputPathsMap` names JSON paths of the event, and `InputTemplate` is the
 * text sent to the target with each `<name>` replaced. In a JSON template a
 * placeholder outside quotes becomes the value as JSON, inside quotes its raw
 * text (a string without its quotes). A path that selects nothing gives null.
 */

export interface InputTransformer {
  readonly inputPathsMap: Readonly<Record<string, string>>;
  readonly inputTemplate: string;
}

/** What EventBridge knows about the rule, for its predefined variables. */
export interface RuleContext {
  readonly ruleArn: string;
  readonly ruleName: string;
  /** When the event was received (ISO 8601); defaults to now. */
  readonly ingestionTime?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Selects a value with EventBridge's JSON path subset: dot notation and array
 * indices (`$.detail.items[0].id`). `*` selects every element or member.
 */
export function selectPath(event: unknown, jsonPath: string): unknown {
  const steps = jsonPath
    .replace(/^\$/, '')
    .split(/\.|\[(\d+|\*)\]/)
    .filter((s) => s !== undefined && s !== '');
  let values: unknown[] = [event];
  let expanded = false;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of values) {
      if (step === '*') {
        expanded = true;
        if (Array.isArray(v)) next.push(...v);
        else if (isObject(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v) && /^\d+$/.test(step)) {
        if (Number(step) < v.length) next.push(v[Number(step)]);
      } else if (isObject(v) && step in v) next.push(v[step]);
    }
    values = next;
  }
  if (expanded) return values;
  return values.length ? values[0] : undefined;
}

/** The text EventBridge sends to the target for one event. */
export function transformInput(transformer: InputTransformer, event: Record<string, unknown>, rule: RuleContext): string {
  const variables = new Map<string, unknown>();
  for (const [name, jsonPath] of Object.entries(transformer.inputPathsMap)) variables.set(name, selectPath(event, jsonPath));
  const withoutDetail = { ...event };
  delete withoutDetail.detail;
  const predefined: Record<string, unknown> = {
    'aws.events.rule-arn': rule.ruleArn,
    'aws.events.rule-name': rule.ruleName,
    'aws.events.event.ingestion-time': rule.ingestionTime ?? new Date().toISOString(),
    'aws.events.event': withoutDetail,
    'aws.events.event.json': event,
  };
  for (const [name, value] of Object.entries(predefined)) if (!variables.has(name)) variables.set(name, value);

  const template = transformer.inputTemplate;
  // A template that is not JSON (`<instance> is in state <status>`) takes every value as plain text.
  if (!/^\s*[{["]/.test(template)) {
    return template.replace(/<([^<>]+)>/g, (whole, name: string) => {
      if (!variables.has(name)) return whole;
      const value = variables.get(name);
      return typeof value === 'string' ? value : JSON.stringify(value ?? null);
    });
  }
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === '<') {
      const end = template.indexOf('>', i + 1);
      const name = end > 0 ? template.slice(i + 1, end) : '';
      if (variables.has(name)) {
        const value = variables.get(name);
        out += inString ? rawText(value) : JSON.stringify(value ?? null);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** A value written inside a JSON string: strings as their text, the rest as JSON, escaped for the string. */
function rawText(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}
