import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Fn, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { LambdaFunction, readAssembly } from '../../lib';
import { TemplateResolver } from '../../lib/assembly/resolve';
import { FIXTURES, newStack } from '../helpers';

describe('TemplateResolver', () => {
  const { app, stack: data } = newStack('Data');
  const table = new dynamodb.Table(data, 'Orders', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const named = new sqs.Queue(data, 'Jobs', { queueName: 'jobs-queue' });
  const api = new Stack(app, 'Api');
  const bucket = new s3.Bucket(api, 'Uploads');
  const topic = new sns.Topic(api, 'Events');
  new LambdaFunction(api, 'Fn', {
    entry: path.join(FIXTURES, 'handlers', 'ok.ts'),
    environment: {
      TABLE_NAME: table.tableName,
      TABLE_ARN: table.tableArn,
      QUEUE_URL: named.queueUrl,
      QUEUE_ARN: named.queueArn,
      BUCKET: bucket.bucketName,
      TOPIC_ARN: topic.topicArn,
      REGION_AND_BUCKET: Fn.sub('${AWS::Region}/${Bucket}', { Bucket: bucket.bucketName }),
      FIRST_PART: Fn.select(0, Fn.split('-', 'alpha-beta')),
    },
  });
  const model = readAssembly(app.synth().directory);
  const resolver = new TemplateResolver(model, { region: 'eu-west-1', accountId: '111122223333' });
  const fn = model.functions.find((f) => f.constructPath === 'Api/Fn')!;
  const { values, unresolved } = resolver.resolveMap(fn.stackName, fn.environment);

  it('resolves names, ARNs and URLs, across stacks through their exports', () => {
    const tableResource = model.stacks.find((s) => s.stackName === 'Data')!.resources.find((r) => r.type === 'AWS::DynamoDB::Table')!;
    assert.equal(values.TABLE_NAME, `Data-${tableResource.logicalId}`);
    assert.equal(values.TABLE_ARN, `arn:aws:dynamodb:eu-west-1:111122223333:table/Data-${tableResource.logicalId}`);
    assert.equal(values.QUEUE_URL, 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs-queue');
    assert.equal(values.QUEUE_ARN, 'arn:aws:sqs:eu-west-1:111122223333:jobs-queue');
    assert.match(values.BUCKET, /^api-uploads[0-9a-f]{8}$/);
    assert.match(values.TOPIC_ARN, /^arn:aws:sns:eu-west-1:111122223333:Api-Events[0-9A-F]{8}$/);
    assert.equal(values.REGION_AND_BUCKET, `eu-west-1/${values.BUCKET}`);
    assert.equal(values.FIRST_PART, 'alpha');
    assert.deepEqual(unresolved, []);
  });

  it('prefers values a local service reported', () => {
    const queue = model.stacks.find((s) => s.stackName === 'Data')!.resources.find((r) => r.type === 'AWS::SQS::Queue')!;
    const local = new TemplateResolver(model);
    local.setKnown('Data', queue.logicalId, { ref: 'http://127.0.0.1:5000/123456789012/jobs-queue' });
    assert.equal(local.resolveMap(fn.stackName, fn.environment).values.QUEUE_URL, 'http://127.0.0.1:5000/123456789012/jobs-queue');
  });

  it('reports what cannot be known locally instead of inventing it', () => {
    const stream = resolver.resolve('Data', { 'Fn::GetAtt': ['Nope', 'StreamArn'] });
    assert.equal(stream, undefined);
    const partial = resolver.resolveMap('Api', { OK: 'literal', MISSING: { Ref: 'DoesNotExist' } });
    assert.deepEqual(partial, { values: { OK: 'literal' }, unresolved: ['MISSING'] });
  });
});
