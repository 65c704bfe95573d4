import { LambdakitError } from '../errors';
import type { AssemblyModel, FunctionModel, ResourceModel, StackModel, TemplateValue } from './model';
import { TemplateResolver } from './resolve';
import { findResource, readResources, type AppResources, type DataResourceModel } from './resources';
import { readWiring, References, type AppWiring, type FunctionTarget, type ResourceRef } from './triggers';

/**
 * A picture of an app's wiring, from its cloud assembly: what invokes each function (routes,
 * buckets, queues, streams, topics, rules, schedules), what each function may use (its IAM
 * grants and the environment variables the `use*` helpers set), and where failures go
 * (dead-letter queues and destinations). Node ids are derived from stacks and construct
 * paths, so the same app gives the same ids on every run: the SVG's elements carry them,
 * and the dev console finds a function's node by its id.
 */

export type GraphNodeKind = 'route' | 'function' | 'table' | 'queue' | 'topic' | 'stream' | 'bus' | 'bucket' | 'rule' | 'schedule';

/**
 * - `trigger`: the source invokes the function (through the alias or version it names);
 * - `event`: a bus feeds a rule;
 * - `use`: the function may use the resource (label: reads, writes...);
 * - `invoke`: the function may invoke another function;
 * - `dead-letter`: where failed messages or events end up;
 * - `destination`: an asynchronous or stream failure (or success) destination.
 */
export type GraphEdgeKind = 'trigger' | 'event' | 'use' | 'invoke' | 'dead-letter' | 'destination';

export interface GraphNode {
  /** Stable across runs: letters, digits and `_` only (a valid Mermaid, DOT and SVG id). */
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly label: string;
  /** The stack the node is drawn in. */
  readonly stack: string;
  /** The construct path of the resource (for functions, `FunctionModel.constructPath`). @default - none (routes without one) */
  readonly path?: string;
  /** The template resource the node stands for. */
  readonly logicalId?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: GraphEdgeKind;
  /** @default - no label */
  readonly label?: string;
}

export interface AppGraph {
  /** Every stack drawn, in assembly order (the groups of the picture). */
  readonly stacks: readonly string[];
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface GraphOptions {
  /** Draw only these stacks, and the nodes of other stacks wired to them. @default - every stack */
  readonly stacks?: readonly string[];
}

const KIND_OF_TYPE: Readonly<Record<string, GraphNodeKind>> = {
  'AWS::DynamoDB::Table': 'table',
  'AWS::DynamoDB::GlobalTable': 'table',
  'AWS::SQS::Queue': 'queue',
  'AWS::SNS::Topic': 'topic',
  'AWS::Kinesis::Stream': 'stream',
  'AWS::Events::EventBus': 'bus',
  'AWS::S3::Bucket': 'bucket',
  'AWS::Events::Rule': 'rule',
  'AWS::Scheduler::Schedule': 'schedule',
};

/** Data resources drawn even when nothing is wired to them: an app's picture shows what it holds. */
const ALWAYS_DRAWN = new Set<GraphNodeKind>(['table', 'queue', 'topic', 'stream', 'bus', 'bucket']);

const SERVICE_LABEL: Readonly<Record<GraphNodeKind, string>> = {
  route: '',
  function: 'λ',
  table: 'DynamoDB',
  queue: 'SQS',
  topic: 'SNS',
  stream: 'Kinesis',
  bus: 'EventBridge',
  bucket: 'S3',
  rule: 'Rule',
  schedule: 'Schedule',
};

/** What a trigger's own grant lets it do on its source, and a failure target's on the target: drawn as the trigger or failure edge, not as a use. */
const CONSUMER_ACTIONS = new Set([
  'sqs:receivemessage', 'sqs:deletemessage', 'sqs:changemessagevisibility', 'sqs:getqueueattributes', 'sqs:getqueueurl',
  'dynamodb:describestream', 'dynamodb:getrecords', 'dynamodb:getsharditerator', 'dynamodb:liststreams',
  'kinesis:describestream', 'kinesis:describestreamsummary', 'kinesis:getrecords', 'kinesis:getsharditerator', 'kinesis:listshards', 'kinesis:subscribetoshard', 'kinesis:liststreams', 'kinesis:describestreamconsumer',
]);
const FAILURE_ACTIONS = new Set(['sqs:sendmessage', 'sqs:getqueueattributes', 'sqs:getqueueurl', 'sns:publish']);
const READ_VERB = /^(get|batchget|query|scan|list|describe|receive|select|head)/;

type Obj = { readonly [key: string]: TemplateValue };
const isObj = (v: TemplateValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: TemplateValue | undefined): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

/** Builds the picture of an assembly's wiring. A stack name the assembly lacks is an `UnknownStack` error naming the stacks it has. */
export function buildGraph(assembly: AssemblyModel, options: GraphOptions = {}): AppGraph {
  const known = assembly.stacks.map((s) => s.stackName);
  const unknown = (options.stacks ?? []).filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    throw new LambdakitError(`no stack ${unknown.join(', ')} in the assembly ${assembly.directory}; its stacks: ${known.join(', ') || 'none'}`, {
      code: 'UnknownStack',
      value: unknown,
      hint: `pass --stack one of ${known.join(', ') || '(no stacks: synthesize the app first)'}`,
    });
  }
  const resolver = new TemplateResolver(assembly);
  const resources = readResources(assembly, resolver);
  const wiring = readWiring(assembly, resources);
  const builder = new GraphBuilder(assembly, resources);
  builder.addAll(wiring);
  return builder.result(options.stacks && options.stacks.length > 0 ? options.stacks : undefined);
}

class GraphBuilder {
  private readonly nodes = new Map<string, GraphNode>();
  /** Node id by entity key (`<stack>/<logicalId>`, or a route key), so one resource is one node. */
  private readonly idOf = new Map<string, string>();
  private readonly edges = new Map<string, GraphEdge>();
  private readonly refs: References;
  /** Per function: resources already drawn as its trigger source or failure target (their grants are not uses). */
  private readonly consumed = new Map<string, Set<string>>();
  private readonly failureTargets = new Map<string, Set<string>>();

  constructor(
    private readonly assembly: AssemblyModel,
    private readonly resources: AppResources,
  ) {
    this.refs = new References(assembly);
  }

  public addAll(wiring: AppWiring): void {
    for (const stack of this.assembly.stacks) {
      for (const r of stack.resources) {
        const kind = KIND_OF_TYPE[r.type];
        if (kind && ALWAYS_DRAWN.has(kind)) this.resourceNode(stack.stackName, r.logicalId);
      }
      for (const fn of stack.functions) if (!isCdkHelper(fn)) this.functionNode(fn);
    }
    for (const route of wiring.routes) {
      const api = route.source?.api;
      const label = route.kind === 'url' ? 'function URL' : `${route.kind === 'rest' ? 'REST' : 'HTTP'} ${route.method} ${route.path}`;
      const key = `route:${route.kind}:${api ?? route.apiId}:${route.method} ${route.path}`;
      const stack = route.source?.stackName ?? route.target.fn.stackName;
      const seed = route.kind === 'url' ? `route_url_${route.target.fn.constructPath}${route.target.qualifier === 'live' ? '' : `_${route.target.qualifier}`}` : `route_${api ?? route.apiId}_${route.method}_${route.path}`;
      const id = this.node(key, seed, { kind: 'route', label, stack, ...(route.source ? { logicalId: route.source.logicalId } : {}) });
      this.trigger(id, route.target);
    }
    this.addAlbRoutes();
    for (const m of wiring.queueMappings) {
      this.trigger(this.resourceNode(m.queue.stackName, m.queue.logicalId), m.target, `batch ${m.batchSize}`);
      this.consume(m.target.fn, m.queue.stackName, m.queue.logicalId);
    }
    for (const m of wiring.streamMappings) {
      this.trigger(this.resourceNode(m.source.stackName, m.source.logicalId), m.target, m.kind === 'dynamodb' ? 'stream' : `batch ${m.batchSize}`);
      this.consume(m.target.fn, m.source.stackName, m.source.logicalId);
      if (m.onFailure) this.failure(this.functionNode(m.target.fn), m.target.fn, m.onFailure.stackName, m.onFailure.value, 'destination', 'on failure');
    }
    for (const s of wiring.topicSubscriptions) {
      const topic = this.resourceNode(s.topic.stackName, s.topic.logicalId);
      this.trigger(topic, s.target);
      if (s.deadLetterTarget !== undefined) this.failure(topic, undefined, s.stackName, s.deadLetterTarget, 'dead-letter', 'undeliverable');
    }
    for (const n of wiring.bucketNotifications) {
      const filter = [n.prefix, n.suffix].filter(Boolean).join('*');
      const events = [...new Set(n.events.map((e) => (/ObjectCreated/.test(e) ? 'created' : /ObjectRemoved/.test(e) ? 'removed' : e.replace(/^s3:/, ''))))].join(', ');
      this.trigger(this.resourceNode(n.bucket.stackName, n.bucket.logicalId), n.target, [events, filter].filter(Boolean).join(' '));
    }
    for (const r of wiring.rules) {
      const rule = this.resourceNode(r.rule.stackName, r.rule.logicalId, 'rule');
      const bus = r.bus ? this.resourceNode(r.bus.stackName, r.bus.logicalId) : this.node('bus:default', 'bus_default', { kind: 'bus', label: 'EventBridge default bus', stack: r.rule.stackName });
      this.edge({ from: bus, to: rule, kind: 'event' });
      this.trigger(rule, r.target);
      if (r.deadLetterTarget !== undefined) this.failure(rule, undefined, r.stackName, r.deadLetterTarget, 'dead-letter', 'undelivered');
    }
    for (const s of wiring.schedules) {
      const schedule = this.resourceNode(s.schedule.stackName, s.schedule.logicalId, 'schedule', `Schedule ${s.expression}${s.timeZone ? ` ${s.timeZone}` : ''}`);
      this.trigger(schedule, s.target);
      if (s.deadLetterTarget !== undefined) this.failure(schedule, undefined, s.stackName, s.deadLetterTarget, 'dead-letter', 'undelivered');
    }
    for (const queue of this.resources.queues) {
      if (!queue.redrive) continue;
      const dlq = this.resources.queues.find((q) => q.arn === queue.redrive!.deadLetterTargetArn);
      if (dlq) this.edge({ from: this.resourceNode(queue.stackName, queue.logicalId), to: this.resourceNode(dlq.stackName, dlq.logicalId), kind: 'dead-letter', label: `after ${queue.redrive.maxReceiveCount} receives` });
    }
    for (const fn of this.assembly.functions.filter((f) => !isCdkHelper(f))) this.addFunctionFailures(fn);
    for (const fn of this.assembly.functions.filter((f) => !isCdkHelper(f))) this.addUses(fn);
  }

  public result(only: readonly string[] | undefined): AppGraph {
    let nodes = [...this.nodes.values()];
    let edges = [...this.edges.values()];
    if (only) {
      const inside = new Set(nodes.filter((n) => only.includes(n.stack)).map((n) => n.id));
      edges = edges.filter((e) => inside.has(e.from) || inside.has(e.to));
      const wired = new Set(edges.flatMap((e) => [e.from, e.to]));
      nodes = nodes.filter((n) => inside.has(n.id) || wired.has(n.id));
    }
    const drawn = new Set(nodes.map((n) => n.stack));
    return { stacks: this.assembly.stacks.map((s) => s.stackName).filter((s) => drawn.has(s)), nodes, edges };
  }

  /** The one node of an entity: made on first sight, with an id no other entity has. */
  private node(key: string, idSeed: string, node: Omit<GraphNode, 'id'>): string {
    const existing = this.idOf.get(key);
    if (existing) return existing;
    const base = safeId(idSeed);
    let id = base;
    for (let n = 2; this.nodes.has(id); n++) id = `${base}_${n}`;
    this.idOf.set(key, id);
    this.nodes.set(id, { id, ...node });
    return id;
  }

  private functionNode(fn: FunctionModel): string {
    const local = fn.constructPath.startsWith(`${fn.stackName}/`) ? fn.constructPath.slice(fn.stackName.length + 1) : fn.constructPath;
    return this.node(`${fn.stackName}/${fn.logicalId}`, `fn_${fn.constructPath}`, { kind: 'function', label: `λ ${local}`, stack: fn.stackName, path: fn.constructPath, logicalId: fn.logicalId });
  }

  /** The node of a resource of a kind the graph draws (undefined for others: roles, keys, log groups...). */
  private resourceNode(stackName: string, logicalId: string, kind?: GraphNodeKind, label?: string): string | undefined {
    const key = `${stackName}/${logicalId}`;
    const existing = this.idOf.get(key);
    if (existing) return existing;
    const resource = this.assembly.stacks.find((s) => s.stackName === stackName)?.resources.find((r) => r.logicalId === logicalId);
    if (!resource) return undefined;
    const drawnKind = kind ?? KIND_OF_TYPE[resource.type];
    if (!drawnKind) return undefined;
    const path = constructPathOf(stackName, resource);
    const local = path.startsWith(`${stackName}/`) ? path.slice(stackName.length + 1) : path;
    const model = findResource(this.resources, stackName, logicalId) as DataResourceModel | undefined;
    const fifo = model && 'fifo' in model && model.fifo ? ' (FIFO)' : '';
    return this.node(key, `${drawnKind}_${path}`, { kind: drawnKind, label: label ?? `${SERVICE_LABEL[drawnKind]} ${local}${fifo}`, stack: stackName, path, logicalId });
  }

  private edge(edge: { readonly from: string | undefined; readonly to: string | undefined; readonly kind: GraphEdgeKind; readonly label?: string }): void {
    if (edge.from === undefined || edge.to === undefined) return;
    const key = `${edge.from}>${edge.to}>${edge.kind}`;
    const existing = this.edges.get(key);
    // Two grants of one kind between the same pair (say, read and write on two prefixes) are one edge.
    if (existing && edge.label && existing.label !== edge.label) {
      const labels = new Set([...(existing.label ?? '').split(', '), ...edge.label.split(', ')].filter(Boolean));
      this.edges.set(key, { ...existing, label: [...labels].sort().join(', ') });
    } else if (!existing) {
      this.edges.set(key, { from: edge.from, to: edge.to, kind: edge.kind, ...(edge.label ? { label: edge.label } : {}) });
    }
  }

  /** Source → function; the edge names the qualifier when it is not the `live` alias every lambdakit trigger uses. */
  private trigger(from: string | undefined, target: FunctionTarget, label?: string): void {
    const qualifier = target.qualifier === 'live' ? undefined : target.qualifier === '$LATEST' ? '$LATEST' : `version ${target.qualifier}`;
    const text = [label, qualifier && (target.fn.aliases.some((a) => a.name === target.qualifier) ? `alias ${target.qualifier}` : qualifier)].filter(Boolean).join(' → ');
    this.edge({ from, to: this.functionNode(target.fn), kind: 'trigger', ...(text ? { label: text } : {}) });
  }

  private consume(fn: FunctionModel, stackName: string, logicalId: string): void {
    const key = `${fn.stackName}/${fn.logicalId}`;
    if (!this.consumed.has(key)) this.consumed.set(key, new Set());
    this.consumed.get(key)!.add(`${stackName}/${logicalId}`);
  }

  /** An edge to the queue or topic a raw ARN value names, remembered as that function's failure target. */
  private failure(from: string | undefined, fn: FunctionModel | undefined, stackName: string, value: TemplateValue, kind: GraphEdgeKind, label: string): void {
    const stack = this.assembly.stacks.find((s) => s.stackName === stackName);
    if (!stack) return;
    const ref = this.refs.resourcesIn(stack, value).find((r) => r.resource.type === 'AWS::SQS::Queue' || r.resource.type === 'AWS::SNS::Topic' || r.resource.type === 'AWS::Lambda::Function' || r.resource.type === 'AWS::Lambda::Alias' || r.resource.type === 'AWS::Events::EventBus');
    if (!ref) return;
    const to = ref.resource.type.startsWith('AWS::Lambda::') ? this.targetNode(stack, value) : this.resourceNode(ref.stackName, ref.logicalId);
    if (!to) return;
    this.edge({ from, to, kind, label });
    if (fn) {
      const key = `${fn.stackName}/${fn.logicalId}`;
      if (!this.failureTargets.has(key)) this.failureTargets.set(key, new Set());
      this.failureTargets.get(key)!.add(`${ref.stackName}/${ref.logicalId}`);
    }
  }

  private targetNode(stack: StackModel, value: TemplateValue): string | undefined {
    const target = this.refs.targetOf(stack, value);
    return target ? this.functionNode(target.fn) : undefined;
  }

  /** The function's own dead-letter queue and the destinations of its (and its aliases') asynchronous invocations. */
  private addFunctionFailures(fn: FunctionModel): void {
    const from = this.functionNode(fn);
    if (fn.deadLetterTarget !== undefined) this.failure(from, fn, fn.stackName, fn.deadLetterTarget, 'dead-letter', 'async failures');
    for (const config of [fn.asyncInvoke, ...fn.aliases.map((a) => a.asyncInvoke)]) {
      if (config?.onSuccess !== undefined) this.failure(from, fn, fn.stackName, config.onSuccess, 'destination', 'on success');
      if (config?.onFailure !== undefined) this.failure(from, fn, fn.stackName, config.onFailure, 'destination', 'on failure');
    }
  }

  /** What the function's role may do on the app's resources, and what its environment names. */
  private addUses(fn: FunctionModel): void {
    const stack = this.assembly.stacks.find((s) => s.stackName === fn.stackName)!;
    const from = this.functionNode(fn);
    const key = `${fn.stackName}/${fn.logicalId}`;
    const consumed = this.consumed.get(key) ?? new Set<string>();
    const failureTargets = this.failureTargets.get(key) ?? new Set<string>();
    const access = new Map<string, { ref: ResourceRef; reads: boolean; writes: boolean; invokes: boolean }>();
    const note = (ref: ResourceRef) => {
      const k = `${ref.stackName}/${ref.logicalId}`;
      if (!access.has(k)) access.set(k, { ref, reads: false, writes: false, invokes: false });
      return access.get(k)!;
    };
    for (const statement of this.statementsOf(stack, fn)) {
      if (statement.Effect !== undefined && statement.Effect !== 'Allow') continue;
      const actions = strings(statement.Action).map((a) => a.toLowerCase());
      for (const ref of this.refs.resourcesIn(stack, statement.Resource)) {
        const k = `${ref.stackName}/${ref.logicalId}`;
        const mine = actions.filter((a) => !(consumed.has(k) && CONSUMER_ACTIONS.has(a)) && !(failureTargets.has(k) && FAILURE_ACTIONS.has(a)));
        if (mine.length === 0) continue;
        if (ref.resource.type === 'AWS::Lambda::Function' || ref.resource.type === 'AWS::Lambda::Alias' || ref.resource.type === 'AWS::Lambda::Version') {
          if (mine.some((a) => a === 'lambda:invokefunction' || a === 'lambda:*' || a === '*')) note(ref).invokes = true;
          continue;
        }
        if (!KIND_OF_TYPE[ref.resource.type]) continue;
        const entry = note(ref);
        for (const action of mine) {
          const verb = action.split(':')[1] ?? action;
          // aws-cdk-lib grants ConditionCheckItem with both read and write access: it says neither.
          if (verb === 'conditioncheckitem') continue;
          if (verb === '*' || verb.endsWith('*') && !READ_VERB.test(verb)) entry.reads = entry.writes = true;
          else if (READ_VERB.test(verb)) entry.reads = true;
          else entry.writes = true;
        }
      }
    }
    // The `use*` helpers name what they grant in the environment; a name without a grant is still a use.
    for (const value of Object.values(fn.environment)) {
      for (const ref of this.refs.resourcesIn(stack, value)) {
        const k = `${ref.stackName}/${ref.logicalId}`;
        if (KIND_OF_TYPE[ref.resource.type] && !access.has(k) && !consumed.has(k) && !failureTargets.has(k)) note(ref);
      }
    }
    for (const { ref, reads, writes, invokes } of [...access.values()].sort((a, b) => (keyOf(a.ref) < keyOf(b.ref) ? -1 : 1))) {
      if (invokes) {
        const owner = this.assembly.stacks.find((s) => s.stackName === ref.stackName)!;
        const target = this.refs.targetOf(owner, { Ref: ref.logicalId });
        if (target && target.fn !== fn) this.edge({ from, to: this.functionNode(target.fn), kind: 'invoke', label: 'invokes' });
        continue;
      }
      const to = this.resourceNode(ref.stackName, ref.logicalId);
      if (!to) continue;
      const label = reads && writes ? 'reads, writes' : reads ? 'reads' : writes ? 'writes' : 'named in env';
      this.edge({ from, to, kind: 'use', label });
    }
  }

  /** The IAM statements of the function's role: its inline policies and every AWS::IAM::Policy attached to it, in any stack. */
  private statementsOf(stack: StackModel, fn: FunctionModel): Obj[] {
    const resource = stack.resources.find((r) => r.logicalId === fn.logicalId);
    const role = this.refs.resourcesIn(stack, resource?.properties.Role).find((r) => r.resource.type === 'AWS::IAM::Role');
    if (!role) return [];
    const documents: TemplateValue[] = [];
    const inline = role.resource.properties.Policies;
    if (Array.isArray(inline)) for (const p of inline) if (isObj(p)) documents.push(p.PolicyDocument);
    for (const s of this.assembly.stacks) {
      for (const r of s.resources) {
        if (r.type !== 'AWS::IAM::Policy') continue;
        if (this.refs.resourcesIn(s, r.properties.Roles).some((x) => x.stackName === role.stackName && x.logicalId === role.logicalId)) documents.push(r.properties.PolicyDocument);
      }
    }
    return documents.flatMap((d) => (isObj(d) && Array.isArray(d.Statement) ? d.Statement.filter(isObj) : isObj(d) && isObj(d.Statement) ? [d.Statement] : []));
  }

  /** Load balancer rules forwarding to a Lambda target group: one route node per rule (or listener default). */
  private addAlbRoutes(): void {
    for (const stack of this.assembly.stacks) {
      for (const r of stack.resources) {
        const isRule = r.type === 'AWS::ElasticLoadBalancingV2::ListenerRule';
        if (!isRule && r.type !== 'AWS::ElasticLoadBalancingV2::Listener') continue;
        const actions = (r.properties[isRule ? 'Actions' : 'DefaultActions'] ?? []) as TemplateValue;
        for (const group of this.refs.resourcesIn(stack, actions).filter((x) => x.resource.type === 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
          if (group.resource.properties.TargetType !== 'lambda') continue;
          const owner = this.assembly.stacks.find((s) => s.stackName === group.stackName)!;
          const targets = Array.isArray(group.resource.properties.Targets) ? group.resource.properties.Targets.filter(isObj) : [];
          for (const t of targets) {
            const target = this.refs.targetOf(owner, t.Id);
            if (!target) continue;
            const conditions = Array.isArray(r.properties.Conditions) ? r.properties.Conditions.filter(isObj) : [];
            const text = conditions
              .map((c) => {
                const config = isObj(c.PathPatternConfig) ? c.PathPatternConfig : isObj(c.HostHeaderConfig) ? c.HostHeaderConfig : isObj(c.HttpRequestMethodConfig) ? c.HttpRequestMethodConfig : undefined;
                return strings(config?.Values ?? c.Values).join(' ');
              })
              .filter(Boolean)
              .join(' ');
            const path = constructPathOf(stack.stackName, r);
            const id = this.node(`${stack.stackName}/${r.logicalId}`, `route_alb_${path}`, { kind: 'route', label: `ALB ${text || (isRule ? 'rule' : 'default')}`, stack: stack.stackName, path, logicalId: r.logicalId });
            this.trigger(id, target);
          }
        }
      }
    }
  }
}

/**
 * aws-cdk-lib's own deployment helpers (the handlers of its custom resources: bucket notifications,
 * auto-delete, log retention...): singleton functions whose ids end with a UUID, or providers.
 * They run at deploy time, not in the app, so the picture leaves them out.
 */
function isCdkHelper(fn: FunctionModel): boolean {
  const last = fn.constructPath.split('/').pop() ?? '';
  return /[0-9a-f]{32}$/i.test(last) || /CustomResourceProvider/.test(fn.constructPath);
}

function keyOf(ref: ResourceRef): string {
  return `${ref.stackName}/${ref.logicalId}`;
}

function constructPathOf(stackName: string, resource: ResourceModel): string {
  return resource.cdkPath?.replace(/\/Resource$/, '') ?? `${stackName}/${resource.logicalId}`;
}

/** Letters, digits and single `_`: valid in Mermaid (never a keyword: every id has a kind prefix), DOT and XML. */
function safeId(seed: string): string {
  return seed.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'node';
}

/** The id of a stack's group (Mermaid subgraph, DOT cluster, SVG `<g>`). */
export function stackGroupId(stack: string): string {
  return `stack_${safeId(stack)}`;
}

// ---------------------------------------------------------------------------------------------
// Renderers

/** Mermaid flowchart source (renders on GitHub): stacks as subgraphs, labels quoted, failures dashed. */
export function toMermaid(graph: AppGraph): string {
  const lines = ['flowchart LR'];
  for (const stack of graph.stacks) {
    lines.push(`  subgraph ${stackGroupId(stack)}["${mermaidText(stack)}"]`);
    for (const node of graph.nodes.filter((n) => n.stack === stack)) lines.push(`    ${mermaidNode(node)}`);
    lines.push('  end');
  }
  for (const edge of graph.edges) {
    const arrow = edge.kind === 'dead-letter' || edge.kind === 'destination' ? '-.->' : edge.kind === 'use' || edge.kind === 'invoke' ? '-->' : '==>';
    lines.push(`  ${edge.from} ${arrow}${edge.label ? `|"${mermaidText(edge.label)}"|` : ''} ${edge.to}`);
  }
  return `${lines.join('\n')}\n`;
}

function mermaidNode(node: GraphNode): string {
  const text = `"${mermaidText(node.label)}"`;
  switch (node.kind) {
    case 'route':
      return `${node.id}([${text}])`;
    case 'function':
      return `${node.id}(${text})`;
    case 'table':
    case 'bucket':
      return `${node.id}[(${text})]`;
    case 'queue':
    case 'stream':
      return `${node.id}[[${text}]]`;
    case 'topic':
    case 'bus':
      return `${node.id}{{${text}}}`;
    case 'rule':
    case 'schedule':
      return `${node.id}>${text}]`;
  }
}

/** Mermaid's entity codes for the characters that end or confuse a quoted label. */
function mermaidText(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/\|/g, '#124;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

const DOT_SHAPE: Readonly<Record<GraphNodeKind, string>> = {
  route: 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
  function: 'shape=box, style="rounded,filled,bold", fillcolor="#fff4e0"',
  table: 'shape=cylinder, style=filled, fillcolor="#e6f4ea"',
  bucket: 'shape=cylinder, style=filled, fillcolor="#e6f4ea"',
  queue: 'shape=box, style=filled, fillcolor="#fce8e6"',
  stream: 'shape=box, style=filled, fillcolor="#fce8e6"',
  topic: 'shape=hexagon, style=filled, fillcolor="#f3e8fd"',
  bus: 'shape=hexagon, style=filled, fillcolor="#f3e8fd"',
  rule: 'shape=cds, style=filled, fillcolor="#f1f3f4"',
  schedule: 'shape=cds, style=filled, fillcolor="#f1f3f4"',
};

/**
 * Graphviz DOT source: stacks as clusters; every node, cluster and edge has an `id` (the node's id,
 * `stack_<name>`, `edge_<from>__<to>__<kind>`) and a `class` (its kind), which Graphviz's SVG keeps.
 */
export function toDot(graph: AppGraph): string {
  const lines = [
    'digraph lambdakit {',
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=0.8, id="lambdakit_graph"];',
    '  node [fontname="Helvetica", fontsize=11, margin="0.15,0.06"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#5f6368"];',
  ];
  for (const stack of graph.stacks) {
    lines.push(`  subgraph cluster_${safeId(stack)} {`, `    id="${stackGroupId(stack)}"; class="stack"; label="${dotText(stack)}"; style="rounded,dashed"; color="#9aa0a6";`);
    for (const node of graph.nodes.filter((n) => n.stack === stack)) {
      lines.push(`    ${node.id} [id="${node.id}", class="${node.kind}", label="${dotText(node.label)}", ${DOT_SHAPE[node.kind]}];`);
    }
    lines.push('  }');
  }
  for (const edge of graph.edges) {
    // Uses point back at the data that feeds the functions: ranking by them would fold the picture over itself.
    const style = edge.kind === 'dead-letter' || edge.kind === 'destination' ? ', style=dashed, color="#d93025"' : edge.kind === 'trigger' || edge.kind === 'event' ? ', penwidth=1.6' : ', constraint=false';
    lines.push(`  ${edge.from} -> ${edge.to} [id="${edgeId(edge)}", class="${edge.kind}"${edge.label ? `, label="${dotText(edge.label)}"` : ''}${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The id of an edge in DOT and SVG. */
export function edgeId(edge: GraphEdge): string {
  return `edge_${edge.from}__${edge.to}__${safeId(edge.kind)}`;
}

function dotText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** SVG laid out by Graphviz (WebAssembly, offline): the `<g>` of each node has the node's id. */
export async function toSvg(graph: AppGraph): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return graphviz.dot(toDot(graph));
}
