import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { ApiStack, DataStack, ProcessingStack } from '../../bin/stacks';
import { buildGraph, edgeId, toDot, toMermaid, toSvg, type AppGraph, type GraphEdge } from '../../lib/assembly/graph';
import type { AssemblyModel } from '../../lib/assembly/model';
import { readAssembly } from '../../lib/assembly/read';
import { synthFixture } from '../dev/fixture';
import { assemblyProject, functionResources } from '../ops/moto';
import { buildProgram } from '../../lib/cli/program';

/** The example app (bin/stacks.ts), synthesized in this process. */
function synthExample(): { assembly: AssemblyModel; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-graph-'));
  const app = new App({ outdir, context: { 'aws:cdk:disable-stack-trace': true }, builtinCloudFormationValidation: false });
  const data = new DataStack(app, 'Data');
  new ApiStack(app, 'Api', { data });
  new ProcessingStack(app, 'Processing', { data });
  app.synth();
  return { assembly: readAssembly(outdir), outdir };
}

const edge = (graph: AppGraph, from: string, to: string): GraphEdge | undefined => graph.edges.find((e) => e.from === from && e.to === to);
const edgesOf = (graph: AppGraph, kind: GraphEdge['kind']) => graph.edges.filter((e) => e.kind === kind).map((e) => `${e.from} → ${e.to}${e.label ? ` (${e.label})` : ''}`);

describe('lambdakit graph of the example app', () => {
  let outdir: string;
  let assembly: AssemblyModel;
  let graph: AppGraph;
  before(() => {
    ({ assembly, outdir } = synthExample());
    graph = buildGraph(assembly);
  });
  after(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('routes reach their functions, and functions the table they use, with what they may do', () => {
    const node = (id: string) => graph.nodes.find((n) => n.id === id);
    assert.deepEqual(node('route_Api_Http_Api_POST_orders'), { id: 'route_Api_Http_Api_POST_orders', kind: 'route', label: 'HTTP POST /orders', stack: 'Api', logicalId: node('route_Api_Http_Api_POST_orders')!.logicalId });
    assert.deepEqual(edge(graph, 'route_Api_Http_Api_POST_orders', 'fn_Api_CreateOrder'), { from: 'route_Api_Http_Api_POST_orders', to: 'fn_Api_CreateOrder', kind: 'trigger' });
    assert.equal(node('fn_Api_CreateOrder')?.path, 'Api/CreateOrder', 'the console finds a function by its construct path');
    assert.equal(edge(graph, 'route_url_Api_ExportOrders', 'fn_Api_ExportOrders')?.kind, 'trigger', 'a function URL is a route too');
    assert.equal(edge(graph, 'fn_Api_GetUser', 'table_Data_Table')?.label, 'reads');
    assert.equal(edge(graph, 'fn_Api_CreateOrder', 'table_Data_Table')?.label, 'writes');
    assert.equal(edge(graph, 'fn_Processing_ProcessImage', 'bucket_Data_Uploads')?.label, 'reads, writes', 'read on uploads/ and write on processed/ are one edge');
    assert.deepEqual(
      edgesOf(graph, 'use').filter((e) => e.startsWith('fn_Processing_Audit ')),
      ['fn_Processing_Audit → bus_Data_Bus (writes)', 'fn_Processing_Audit → topic_Data_Orders (writes)', 'fn_Processing_Audit → table_Data_Table (writes)'],
      'the stream read grant is the trigger edge, the failure queue a destination: neither is a use',
    );
    assert.equal(graph.nodes.filter((n) => n.path === 'Data/Table').length, 1, 'one node per resource, however many functions use it');
  });

  it('queues, streams, topics, buckets, rules and schedules trigger their functions through the live alias', () => {
    const triggers = edgesOf(graph, 'trigger').filter((e) => !e.startsWith('route_'));
    for (const expected of [
      'bucket_Data_Uploads → fn_Processing_ProcessImage (created uploads/)',
      'queue_Data_Jobs → fn_Processing_Worker (batch 10)',
      'rule_Processing_RouteOrder_RuleBus → fn_Processing_RouteOrder',
      'schedule_Processing_Cleanup_Schedule → fn_Processing_Cleanup',
      'stream_Data_Clicks → fn_Processing_Clicks (batch 500)',
      'table_Data_Table → fn_Processing_Audit (stream)',
      'topic_Data_Orders → fn_Processing_Analytics',
      'topic_Data_Orders → fn_Processing_Notify',
    ]) {
      assert.ok(triggers.includes(expected), `${expected}\nnot in\n${triggers.join('\n')}`);
    }
    assert.deepEqual(edgesOf(graph, 'event'), ['bus_Data_Bus → rule_Processing_RouteOrder_RuleBus']);
    assert.equal(graph.nodes.some((n) => /BucketNotificationsHandler/.test(n.id)), false, "aws-cdk-lib's deploy-time helper is not part of the app's picture");
    assert.equal(edge(graph, 'queue_Data_Jobs', 'fn_Processing_Worker')?.label, 'batch 10', 'no qualifier is named for the live alias');
  });

  it('dead-letter queues and failure destinations are edges', () => {
    const failures = [...edgesOf(graph, 'dead-letter'), ...edgesOf(graph, 'destination')];
    for (const expected of [
      'queue_Data_Jobs → queue_Data_JobsDeadLetters (after 3 receives)',
      'fn_Api_Hello → queue_Api_Hello_DeadLetterQueue (async failures)',
      'fn_Processing_Audit → queue_Processing_AuditFailures (on failure)',
      'topic_Data_Orders → queue_Processing_Notify_SnsOrdersDeadLetters (undeliverable)',
      'schedule_Processing_Cleanup_Schedule → queue_Processing_Cleanup_ScheduleDeadLetters (undelivered)',
    ]) {
      assert.ok(failures.includes(expected), `${expected}\nnot in\n${failures.join('\n')}`);
    }
  });

  it('stacks are groups; --stack keeps one stack and the nodes of others wired to it', () => {
    assert.deepEqual(graph.stacks, ['Api', 'Data', 'Processing']);
    const mermaid = toMermaid(graph);
    const api = /subgraph stack_Api\["Api"\]\n([\s\S]*?)\n {2}end/.exec(mermaid)?.[1] ?? '';
    assert.match(api, /fn_Api_Hello\("λ Hello"\)/);
    assert.doesNotMatch(api, /table_Data_Table/);

    const only = buildGraph(assembly, { stacks: ['Api'] });
    assert.deepEqual(only.stacks, ['Api', 'Data']);
    const apiNodes = new Set(only.nodes.filter((n) => n.stack === 'Api').map((n) => n.id));
    const dataNodes = only.nodes.filter((n) => n.stack === 'Data').map((n) => n.id);
    assert.ok(dataNodes.includes('table_Data_Table') && !dataNodes.includes('queue_Data_Jobs'), dataNodes.join());
    for (const id of dataNodes) assert.ok(only.edges.some((e) => (e.from === id && apiNodes.has(e.to)) || (e.to === id && apiNodes.has(e.from))), `${id} is drawn but not wired to Api`);
    assert.ok(only.edges.every((e) => apiNodes.has(e.from) || apiNodes.has(e.to)));
    assert.throws(() => buildGraph(assembly, { stacks: ['Nope'] }), (e: Error & { code?: string; hint?: string }) => e.code === 'UnknownStack' && /no stack Nope/.test(e.message) && /Api, Data, Processing/.test(e.hint ?? ''));
  });

  it('Mermaid output is a flowchart GitHub renders: valid ids, quoted labels, every edge between declared nodes', () => {
    const mermaid = toMermaid(graph);
    const lines = mermaid.trimEnd().split('\n');
    assert.equal(lines[0], 'flowchart LR');
    assert.equal(lines.filter((l) => /^\s*subgraph /.test(l)).length, lines.filter((l) => /^\s*end$/.test(l)).length);
    const declared = new Set<string>();
    for (const line of lines.filter((l) => /^ {4}\S/.test(l))) {
      const m = /^ {4}([A-Za-z0-9_]+)(\(\[|\(|\[\(|\[\[|\{\{|>)"[^"]*"(\]\)|\)|\)\]|\]\]|\}\}|\])$/.exec(line);
      assert.ok(m, `not a node declaration with a quoted label: ${line}`);
      declared.add(m[1]);
    }
    assert.equal(declared.size, graph.nodes.length);
    const edgeLines = lines.filter((l) => /^ {2}\w+ [-=.]+>/.test(l));
    assert.equal(edgeLines.length, graph.edges.length);
    for (const line of edgeLines) {
      const m = /^ {2}(\w+) (==>|-->|-\.->)(\|"[^"]*"\|)? (\w+)$/.exec(line);
      assert.ok(m && declared.has(m[1]) && declared.has(m[4]), line);
    }
    for (const id of declared) assert.ok(!['end', 'graph', 'subgraph', 'flowchart', 'style', 'class', 'click', 'default'].includes(id), `${id} is a Mermaid keyword`);
  });

  it('the SVG, laid out by Graphviz, has an element per node carrying the node id', async () => {
    const svg = await toSvg(graph);
    assert.match(svg, /^<\?xml[\s\S]*<svg /);
    for (const node of graph.nodes) assert.match(svg, new RegExp(`<g id="${node.id}" class="node ${node.kind}">`), node.id);
    for (const stack of graph.stacks) assert.match(svg, new RegExp(`<g id="stack_${stack}" class="cluster stack">`));
    const jobs = graph.edges.find((e) => e.from === 'queue_Data_Jobs' && e.kind === 'trigger')!;
    assert.match(svg, new RegExp(`<g id="${edgeId(jobs)}" class="edge trigger">`));
    assert.match(toDot(graph), /^digraph lambdakit \{/);
  });

  it('the command writes the chosen format, and names the choices for a bad format or stack', async () => {
    const run = (...args: string[]) => buildProgram(['graph', '--app', outdir, ...args]).exitProcess(false).parseAsync();
    const out = path.join(outdir, 'wiring', 'app.svg');
    await run('--out', out);
    assert.match(fs.readFileSync(out, 'utf8'), /<g id="fn_Api_Hello" class="node function">/, 'the extension chose SVG');
    await assert.rejects(run('--format', 'png'), (e: Error & { hint?: string }) => /unknown format png; choose one of mermaid, dot, svg, json/.test(e.message));
    await assert.rejects(run('--stack', 'Apii', '--out', path.join(outdir, 'x.mmd')), (e: Error & { hint?: string }) => /no stack Apii/.test(e.message) && /Api, Data, Processing/.test(e.hint ?? ''));
  });
});

describe('lambdakit graph of an app of plain aws-cdk-lib constructs', () => {
  it('draws REST methods, function URLs and every trigger, and names a target that is not the live alias', () => {
    const graph = buildGraph(synthFixture());
    const triggers = edgesOf(graph, 'trigger');
    for (const expected of [
      'route_Fns_Rest_PUT_items_id → fn_Fns_Worker',
      'route_url_Fns_Worker → fn_Fns_Worker',
      'route_Fns_Http_POST_legacy → fn_Fns_Worker ($LATEST)',
      'schedule_Fns_Nightly → fn_Fns_Worker (version 1)',
      'bucket_Fns_Uploads → fn_Fns_Worker (created uploads/*.jpg)',
      'stream_Data_Clicks → fn_Fns_Worker (batch 100)',
    ]) {
      assert.ok(triggers.includes(expected), `${expected}\nnot in\n${triggers.join('\n')}`);
    }
    assert.equal(graph.nodes.find((n) => n.id === 'schedule_Fns_Report')?.label, 'Schedule cron(30 8 ? * MON-FRI *) Europe/Paris');
    assert.deepEqual(edgesOf(graph, 'destination'), ['fn_Fns_Worker → queue_Fns_StreamFailures (on failure)']);
    assert.deepEqual(edgesOf(graph, 'use'), [], "a failure destination's grant (SendMessage, GetQueueAttributes) is not a use");
  });
});

describe('lambdakit graph of hand-written templates', () => {
  it("draws load balancer rules, the role's inline grants, invoke grants and asynchronous destinations", () => {
    const dir = assemblyProject('graph-alb', {
      Web: {
        ...functionResources('Web', 'Api', { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['Failed', 'Arn'] } } }),
        ...functionResources('Web', 'Audit'),
        ApiVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Api' } } },
        ApiAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Api' }, FunctionVersion: { 'Fn::GetAtt': ['ApiVersion', 'Version'] }, Name: 'live' } },
        ApiInvokeConfig: {
          Type: 'AWS::Lambda::EventInvokeConfig',
          Properties: { FunctionName: { Ref: 'Api' }, Qualifier: 'live', DestinationConfig: { OnSuccess: { Destination: { 'Fn::GetAtt': ['Audit', 'Arn'] } } } },
        },
        Failed: { Type: 'AWS::SQS::Queue', Properties: {}, Metadata: { 'aws:cdk:path': 'Web/Failed/Resource' } },
        Sessions: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }, Metadata: { 'aws:cdk:path': 'Web/Sessions/Resource' } },
        Group: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { TargetType: 'lambda', Targets: [{ Id: { Ref: 'ApiAlias' } }] } },
        Rule: {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          Properties: { Actions: [{ Type: 'forward', TargetGroupArn: { Ref: 'Group' } }], Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }], Priority: 10 },
          Metadata: { 'aws:cdk:path': 'Web/Lb/Http/ApiRule/Resource' },
        },
      },
    });
    const template = path.join(dir, 'cdk.out', 'Web.template.json');
    const written = JSON.parse(fs.readFileSync(template, 'utf8'));
    // The grants inline on the role (how LambdaFunction writes its own statements), one of them an invoke.
    written.Resources.ApiRole.Properties.Policies = [
      {
        PolicyName: 'Execution',
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:ConditionCheckItem'], Resource: { 'Fn::GetAtt': ['Sessions', 'Arn'] } },
            { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': ['Audit', 'Arn'] } },
            { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Failed', 'Arn'] } },
          ],
        },
      },
    ];
    fs.writeFileSync(template, JSON.stringify(written));
    try {
      const graph = buildGraph(readAssembly(path.join(dir, 'cdk.out')));
      assert.deepEqual(edgesOf(graph, 'trigger'), ['route_alb_Web_Lb_Http_ApiRule → fn_Web_Api']);
      assert.equal(graph.nodes.find((n) => n.id === 'route_alb_Web_Lb_Http_ApiRule')?.label, 'ALB /api/*');
      assert.deepEqual(edgesOf(graph, 'use'), ['fn_Web_Api → table_Web_Sessions (reads)']);
      assert.deepEqual(edgesOf(graph, 'invoke'), ['fn_Web_Api → fn_Web_Audit (invokes)']);
      assert.deepEqual([...edgesOf(graph, 'dead-letter'), ...edgesOf(graph, 'destination')], ['fn_Web_Api → queue_Web_Failed (async failures)', 'fn_Web_Api → fn_Web_Audit (on success)']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
