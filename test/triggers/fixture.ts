import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, type Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { HttpApi, LambdaFunction, SecureBucket, WorkQueue, type LambdaFunctionProps } from '../../lib';

export const ENTRY = 'test/fixtures/handlers/ok.ts';

export function fn(scope: Construct, id = 'Fn', props: Partial<LambdaFunctionProps> = {}): LambdaFunction {
  return new LambdaFunction(scope, id, { entry: ENTRY, monitoring: false, ...props });
}

/** Every kind of source, with the settings the checks ask of them. */
export function sources(scope: Construct) {
  return {
    queue: new WorkQueue(scope, 'Jobs'),
    failures: new WorkQueue(scope, 'Failures'),
    table: new dynamodb.TableV2(scope, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    }),
    stream: new kinesis.Stream(scope, 'Clicks', { encryption: kinesis.StreamEncryption.MANAGED }),
    topic: new sns.Topic(scope, 'Topic', { enforceSSL: true, masterKey: undefined }),
    bucket: new SecureBucket(scope, 'Uploads'),
    bus: new events.EventBus(scope, 'Bus'),
    logGroup: new logs.LogGroup(scope, 'Watched', { retention: logs.RetentionDays.ONE_WEEK }),
    api: new HttpApi(scope, 'Http'),
  };
}

export const TUMBLING = Duration.seconds(60);

/** Resources of a type in a template JSON. */
/** A template as `Template.toJSON()` returns it. */
export type TemplateJson = { readonly [key: string]: any };

export function resourcesOf(template: TemplateJson, type: string): Array<{ id: string; Type: string; Properties?: any; DependsOn?: unknown }> {
  return Object.entries(template.Resources as Record<string, { Type: string; Properties?: any; DependsOn?: unknown }>)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, ...r }));
}

/** Every IAM statement of the template, with the policy it is in. */
export function statements(template: TemplateJson): Array<{ policy: string; Action: string | string[]; Resource: unknown }> {
  const out: Array<{ policy: string; Action: string | string[]; Resource: unknown }> = [];
  for (const [id, r] of Object.entries(template.Resources as Record<string, any>)) {
    const docs = r.Type === 'AWS::IAM::Policy' ? [r.Properties.PolicyDocument] : r.Type === 'AWS::IAM::Role' ? (r.Properties.Policies ?? []).map((p: any) => p.PolicyDocument) : [];
    for (const doc of docs) for (const st of doc.Statement) out.push({ policy: id, Action: st.Action, Resource: st.Resource });
  }
  return out;
}

export function writeTemplate(stack: Stack, json: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-tpl-')), `${stack.stackName}.template.json`);
  fs.writeFileSync(file, JSON.stringify(json, null, 1));
  return file;
}
