import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PROJECT_ROOT } from '../helpers';
import { freePort, startMotoServer } from '../../lib/dev/moto-server';

export { freePort };

/** Dummy credentials for moto: it accepts any. */
export const DUMMY_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

export interface Moto {
  readonly port: number;
  /** http://127.0.0.1:PORT (or localhost, as asked). */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts `moto_server` on a free port (under dev's watchdog, so it cannot outlive the tests) and waits until it answers. */
export async function startMoto(host: '127.0.0.1' | 'localhost' = '127.0.0.1'): Promise<Moto> {
  const moto = await startMotoServer();
  return { port: moto.port, endpoint: `http://${host}:${moto.port}`, stop: moto.close };
}

/** Creates an IAM role in moto (Lambda's CreateFunction insists that the role exists); no IAM client needed. */
export async function createRole(endpoint: string, roleName = 'lambda-role'): Promise<string> {
  const body = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: roleName,
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  });
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes on the credential scope's service name.
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body,
  });
  if (!response.ok) throw new Error(`CreateRole failed: ${response.status} ${await response.text()}`);
  return `arn:aws:iam::123456789012:role/${roleName}`;
}

/** A zip archive (stored, not compressed) of the given files. */
export function zipFiles(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; UpdatePolicy?: unknown; Metadata?: Record<string, unknown> }>;

/**
 * A project directory inside the repository (so that tsx resolves when the
 * CLI runs in it) holding a cloud assembly `cdk.out` with the given stacks.
 */
export function assemblyProject(name: string, stacks: Record<string, Resources>): string {
  const dir = path.join(PROJECT_ROOT, '.test-tmp', `${name}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const out = path.join(dir, 'cdk.out');
  fs.mkdirSync(out, { recursive: true });
  const artifacts: Record<string, unknown> = {};
  for (const [stackName, resources] of Object.entries(stacks)) {
    fs.writeFileSync(path.join(out, `${stackName}.template.json`), JSON.stringify({ Resources: resources }, null, 1));
    artifacts[stackName] = { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: `${stackName}.template.json` } };
  }
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts }));
  return dir;
}

/** The resources of a LambdaFunction-like function with inline code that moto's CloudFormation can create. */
export function functionResources(stack: string, id: string, properties: Record<string, unknown> = {}): Resources {
  return {
    [`${id}Role`]: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
      Metadata: { 'aws:cdk:path': `${stack}/${id}/ServiceRole/Resource` },
    },
    [`${id}LogGroup`]: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 }, Metadata: { 'aws:cdk:path': `${stack}/${id}/LogGroup/Resource` } },
    [id]: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': [`${id}Role`, 'Arn'] },
        Code: { ZipFile: 'exports.handler = async (event) => event;' },
        LoggingConfig: { LogGroup: { Ref: `${id}LogGroup` }, LogFormat: 'JSON' },
        ...properties,
      },
      Metadata: { 'aws:cdk:path': `${stack}/${id}/Resource` },
    },
  };
}

/** Creates every stack of a project's assembly in moto's CloudFormation, from the templates as they are. */
export async function deployAssembly(endpoint: string, projectDir: string): Promise<void> {
  const { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient({ endpoint, region: DUMMY_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const out = path.join(projectDir, 'cdk.out');
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { properties: { templateFile: string } }> };
  try {
    for (const [stackName, artifact] of Object.entries(manifest.artifacts)) {
      const body = fs.readFileSync(path.join(out, artifact.properties.templateFile), 'utf8');
      await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: body, Capabilities: ['CAPABILITY_IAM'] }));
      const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
      const status = described.Stacks?.[0]?.StackStatus;
      if (status !== 'CREATE_COMPLETE') throw new Error(`stack ${stackName} is ${status}`);
    }
  } finally {
    cfn.destroy();
  }
}

/** Physical ids of a deployed stack's resources by logical id. */
export async function physicalIds(endpoint: string, stackName: string): Promise<Record<string, string>> {
  const { CloudFormationClient, ListStackResourcesCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient({ endpoint, region: DUMMY_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const listed = await cfn.send(new ListStackResourcesCommand({ StackName: stackName }));
    return Object.fromEntries((listed.StackResourceSummaries ?? []).filter((r) => r.LogicalResourceId && r.PhysicalResourceId).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]));
  } finally {
    cfn.destroy();
  }
}
