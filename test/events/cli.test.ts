import * as assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, CloudWatchLogsEvent, DynamoDBStreamEvent, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { runCli } from '../cli/run-cli';

const fixed = ['--seed', 'cli', '--time', '2026-11-23T10:00:00Z'];

/** A one-line failure: exit 1, the message on stderr's first line, no stack trace. */
function assertOneLineFailure(result: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  const [first] = result.stderr.trim().split('\n');
  assert.match(first, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

describe('lambdakit event', () => {
  it('lists the sources', async () => {
    const result = await runCli(['event', '--list']);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['http-api', 'rest-api', 'function-url', 'alb', 's3-put', 's3-delete', 'sqs', 'sns', 'dynamodb', 'kinesis', 'eventbridge', 'schedule', 'cloudwatch-logs']) {
      assert.match(result.stdout, new RegExp(`^${name}\\s`, 'm'));
    }
  });

  it('prints an HTTP API event as JSON with the options applied, the same twice with a seed', async () => {
    const args = ['event', 'http-api', '--route-key', 'GET /users/{id}', '--path', '/users/42', '--query', 'a=1&b=2', '--header', 'X-Tenant: acme', ...fixed];
    const result = await runCli(args);
    assert.equal(result.code, 0, result.stderr);
    const event = JSON.parse(result.stdout) as APIGatewayProxyEventV2;
    assert.deepEqual(event.pathParameters, { id: '42' });
    assert.deepEqual(event.queryStringParameters, { a: '1', b: '2' });
    assert.equal(event.headers['x-tenant'], 'acme');
    assert.equal(event.requestContext.timeEpoch, Date.parse('2026-11-23T10:00:00Z'));
    assert.equal((await runCli(args)).stdout, result.stdout);
  });

  it('makes one SQS record per --body', async () => {
    const result = await runCli(['event', 'sqs', '--queue', 'jobs', '--body', '{"n":1}', '--body', '{"n":2}', '--body', 'three']);
    assert.equal(result.code, 0, result.stderr);
    const event = JSON.parse(result.stdout) as SQSEvent;
    assert.deepEqual(event.Records.map((r) => r.body), ['{"n":1}', '{"n":2}', 'three']);
    assert.match(event.Records[0].eventSourceARN, /:jobs$/);
  });

  it('converts DynamoDB images given as JSON, and decodes CloudWatch Logs data back to the messages', async () => {
    const ddb = await runCli(['event', 'dynamodb', '--table', 'Users', '--keys', '{"id":"7"}', '--new-image', '{"name":"Ada","age":36}', '--event-name', 'insert']);
    assert.equal(ddb.code, 0, ddb.stderr);
    const record = (JSON.parse(ddb.stdout) as DynamoDBStreamEvent).Records[0];
    assert.equal(record.eventName, 'INSERT');
    assert.deepEqual(record.dynamodb?.NewImage, { id: { S: '7' }, name: { S: 'Ada' }, age: { N: '36' } });

    const logs = await runCli(['event', 'cloudwatch-logs', '--log-group', '/aws/lambda/x', '--message', 'first line', '--message', 'second']);
    assert.equal(logs.code, 0, logs.stderr);
    const data = JSON.parse(gunzipSync(Buffer.from((JSON.parse(logs.stdout) as CloudWatchLogsEvent).awslogs.data, 'base64')).toString());
    assert.deepEqual(data.logEvents.map((e: { message: string }) => e.message), ['first line', 'second']);
    assert.equal(data.logGroup, '/aws/lambda/x');
  });

  it('passes the EventBridge detail through as JSON', async () => {
    const result = await runCli(['event', 'eventbridge', '--source', 'com.shop', '--detail-type', 'Order Placed', '--detail', '{"orderId":"o-1"}']);
    assert.equal(result.code, 0, result.stderr);
    const event = JSON.parse(result.stdout) as EventBridgeEvent<string, { orderId: string }>;
    assert.equal(event.detail.orderId, 'o-1');
    assert.equal(event.source, 'com.shop');
  });

  it('fails in one line naming the option for non-JSON --detail, an option of another source and a bad value', async () => {
    assertOneLineFailure(await runCli(['event', 'eventbridge', '--detail', '{oops']), /^lambdakit: --detail: not valid JSON/);
    assertOneLineFailure(await runCli(['event', 'sqs', '--bucket', 'b']), /^lambdakit: --bucket does not apply to sqs events/);
    assertOneLineFailure(await runCli(['event', 's3-put', '--size', 'big']), /^lambdakit: --size: "big" is not a whole number/);
    assertOneLineFailure(await runCli(['event', 'dynamodb', '--event-name', 'UPSERT']), /^lambdakit: --event-name: "UPSERT" is not one of INSERT, MODIFY, REMOVE/);
    assertOneLineFailure(await runCli(['event', 'http-api', '--route-key', 'GET /users/{id}']), /^lambdakit: --path-param: the route has \{id\}/);
    assertOneLineFailure(await runCli(['event', 'sqs', '--region', 'nowhere']), /^lambdakit: --region: "nowhere"/);
  });

  it('fails in one line for an unknown source, naming the known ones', async () => {
    const result = await runCli(['event', 'kafka']);
    assertOneLineFailure(result, /^lambdakit: unknown event source "kafka"/);
    assert.match(result.stderr, /http-api, rest-api/);
  });
});
