import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AlbTrigger, HttpApi, HttpRoute, RestApi, RestRoute } from '../../lib';
import { nagFindings, newStack, template } from '../helpers';
import { fn, resourcesOf } from './fixture';

test('HTTP API: an API of 50 routes on one function has one invoke permission, scoped to the API', () => {
  const { stack } = newStack('Routes');
  const api = new HttpApi(stack, 'Api');
  const f = fn(stack);
  for (let i = 0; i < 50; i++) api.addRoute(`GET /things${i}/{id}`, f);
  const json = template(stack).toJSON();
  assert.equal(resourcesOf(json, 'AWS::ApiGatewayV2::Route').length, 50);
  assert.equal(resourcesOf(json, 'AWS::ApiGatewayV2::Integration').length, 1, 'the routes share one integration');
  const permissions = resourcesOf(json, 'AWS::Lambda::Permission');
  assert.equal(permissions.length, 1);
  const sourceArn = permissions[0].Properties.SourceArn['Fn::Join'][1];
  assert.equal(sourceArn.at(-1), '/*/*/*', 'any stage, method and path of this API');
  // The resource policy Lambda stores holds one statement of about 300 bytes, far below 20 KB.
  assert.ok(JSON.stringify(permissions[0].Properties).length < 1_000);
});

test('HTTP API: payload format 2.0 on the alias, IAM auth by default, JSON access logs and stage throttling', () => {
  const { stack } = newStack('Http');
  const api = new HttpApi(stack, 'Api', { cors: { allowOrigins: ['https://example.com'] }, throttlingRateLimit: 50, throttlingBurstLimit: 20 });
  const f = fn(stack);
  f.addTrigger(new HttpRoute(api, 'GET /users/{userId}'));
  api.addRoute('GET /hello', f, { auth: 'none' });
  const t = template(stack);
  t.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { Ref: Match.stringLikeRegexp('^FnAlias') } });
  t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /users/{userId}', AuthorizationType: 'AWS_IAM' });
  t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /hello', AuthorizationType: 'NONE' });
  t.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: { AllowOrigins: ['https://example.com'] } });
  t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    StageName: '$default',
    AutoDeploy: true,
    DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 },
    AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
  });
  // The public route is the one deliberate exception, acknowledged on that route alone.
  assert.deepEqual(nagFindings(stack), []);
});

test('HTTP API: malformed and duplicate route keys fail synth naming the API', () => {
  const { stack } = newStack('Bad');
  const api = new HttpApi(stack, 'Api');
  const f = fn(stack);
  assert.throws(() => api.addRoute('FETCH /x', f), /Bad\/Api: route "FETCH \/x" is not "<METHOD> \/path"/);
  assert.throws(() => api.addRoute('GET users', f), /is not "<METHOD> \/path"/);
  assert.throws(() => api.addRoute('GET /users/{id', f), /malformed path parameter/);
  api.addRoute('GET /x', f);
  assert.throws(() => api.addRoute('GET /x', f), /route "GET \/x" is already defined on this API/);
});

test('REST API: proxy methods on the alias, one permission per function, tracing, JSON access logs, throttling and validation', () => {
  const { stack } = newStack('Rest');
  const api = new RestApi(stack, 'Api');
  const f = fn(stack);
  f.addTrigger(new RestRoute(api, 'GET /users/{userId}'));
  api.addRoute('POST /orders', f);
  api.addRoute('GET /hello', f, { auth: 'none' });
  const t = template(stack);
  t.hasResourceProperties('AWS::ApiGateway::Method', {
    HttpMethod: 'GET',
    AuthorizationType: 'AWS_IAM',
    Integration: Match.objectLike({ Type: 'AWS_PROXY', Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: Match.stringLikeRegexp('^FnAlias') }])]) }) }),
  });
  t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', AuthorizationType: 'NONE' });
  t.hasResourceProperties('AWS::ApiGateway::Stage', {
    TracingEnabled: true,
    AccessLogSetting: Match.objectLike({ Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') }),
    MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 500 })],
  });
  assert.equal(resourcesOf(t.toJSON(), 'AWS::Lambda::Permission').length, 1);
  assert.deepEqual(nagFindings(stack), []);
  assert.throws(() => api.addRoute('GET /users/{userId}', f), /route "GET \/users\/\{userId\}" is already defined/);
});

test('ALB: a listener rule to the alias; the permission names the target group it may be invoked from', () => {
  const { stack } = newStack('Alb');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, flowLogs: { all: {} }, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: false });
  const listener = alb.addListener('Http', { port: 80, open: false, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
  const f = fn(stack);
  f.addTrigger(new AlbTrigger(listener, { priority: 10, conditions: [elbv2.ListenerCondition.pathPatterns(['/hello'])] }));
  const json = template(stack).toJSON();
  const [group] = resourcesOf(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
  assert.equal(group.Properties.TargetType, 'lambda');
  assert.deepEqual(group.Properties.Targets, [{ Id: { Ref: resourcesOf(json, 'AWS::Lambda::Alias')[0].id } }]);
  const [permission] = resourcesOf(json, 'AWS::Lambda::Permission');
  assert.ok((group.DependsOn as string[]).includes(permission.id), 'registration happens after the permission exists');
  assert.equal(permission.Properties.SourceArn['Fn::Join'][1].at(-1), `:targetgroup/${group.Properties.Name}/*`);
  // The load balancer's own settings (access logs) are the user's; the trigger adds no finding.
  assert.deepEqual(nagFindings(stack), ['AwsSolutions-ELB2 Alb/Lb/Resource']);
  assert.throws(() => f.addTrigger(new AlbTrigger(listener, { priority: 0, conditions: [] })), /priority 0 is outside 1-50000; conditions is empty/);
});
