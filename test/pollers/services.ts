import { after, before } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DevInvoker } from '../../lib/dev/invoker';
import { type Moto, startMoto } from '../ops/moto';

/** moto and an SDK client of each service the pollers and bridges read, pointed at it. */
export interface MotoServices {
  readonly moto: Moto;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
  readonly kinesis: KinesisClient;
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
}

/**
 * Starts moto before the tests of the calling file and stops it, with the clients, after them.
 * `ready` receives the services once they are up (before the first test).
 */
export function useMoto(ready: (services: MotoServices) => void): void {
  const services = {} as { -readonly [K in keyof MotoServices]: MotoServices[K] };
  before(async () => {
    const moto = await startMoto();
    const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    Object.assign(services, {
      moto,
      sqs: new SQSClient(config),
      s3: new S3Client({ ...config, forcePathStyle: true }),
      sns: new SNSClient(config),
      events: new EventBridgeClient(config),
      // The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); moto speaks HTTP/1.1.
      kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
      ddb: new DynamoDBClient(config),
      streams: new DynamoDBStreamsClient(config),
    });
    ready(services);
  });
  after(async () => {
    for (const client of [services.sqs, services.s3, services.sns, services.events, services.kinesis, services.ddb, services.streams]) client?.destroy();
    await services.moto?.stop();
  });
}

/** An invoker that records what the asynchronous sources (S3, SNS, EventBridge, schedules) deliver. */
export function recordingInvoker(into: Array<{ fn: string; payload: any; trigger: string }>): DevInvoker {
  return {
    invoke: async () => ({ payload: 'null' }),
    invokeAsync: async (target, payload, trigger) => void into.push({ fn: target.functionPath, payload: JSON.parse(payload), trigger }),
  };
}
