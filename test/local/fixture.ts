import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };

export interface FixtureFunction {
  readonly id: string;
  /** File name → content of the code asset. */
  readonly files: Record<string, string>;
  readonly runtime?: string;
  readonly handler?: string;
  readonly timeout?: number;
  readonly memory?: number;
  readonly reserved?: number;
  readonly environment?: Record<string, unknown>;
  readonly functionName?: string;
  /** Extra resources (versions, aliases, invoke configs...) keyed by logical id. */
  readonly extra?: Record<string, Resource>;
  readonly properties?: Record<string, unknown>;
}

/**
 * Writes a cloud assembly (manifest, one stack template, staged code assets)
 * shaped like `cdk synth` output, without running CDK: fast, and every
 * property is visible in the test that uses it.
 */
export function writeAssembly(stackName: string, functions: FixtureFunction[], extraResources: Record<string, Resource> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-local-'));
  const resources: Record<string, Resource> = { ...extraResources };
  for (const fn of functions) {
    const assetDir = `asset.${fn.id}`;
    fs.mkdirSync(path.join(dir, assetDir));
    for (const [name, content] of Object.entries(fn.files)) {
      const file = path.join(dir, assetDir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content, { mode: name === 'bootstrap' ? 0o755 : 0o644 });
    }
    resources[fn.id] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: fn.runtime ?? 'nodejs24.x',
        Handler: fn.handler ?? 'index.handler',
        MemorySize: fn.memory ?? 256,
        Timeout: fn.timeout ?? 3,
        Code: { S3Bucket: 'assets', S3Key: `${fn.id}.zip` },
        ...(fn.functionName ? { FunctionName: fn.functionName } : {}),
        ...(fn.reserved !== undefined ? { ReservedConcurrentExecutions: fn.reserved } : {}),
        ...(fn.environment ? { Environment: { Variables: fn.environment } } : {}),
        ...fn.properties,
      },
      Metadata: { 'aws:cdk:path': `${stackName}/${fn.id}/Resource`, 'aws:asset:path': assetDir },
    };
    Object.assign(resources, fn.extra ?? {});
  }
  fs.writeFileSync(path.join(dir, `${stackName}.template.json`), JSON.stringify({ Resources: resources }, null, 1));
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: '48.0.0',
      artifacts: { [stackName]: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: `${stackName}.template.json` } } },
    }),
  );
  return dir;
}
