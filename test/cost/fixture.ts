import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemblyProject, functionResources } from '../ops/moto';

/**
 * A project whose cdk.out holds the functions of the hand-worked examples:
 * - `Shop/Browse`: Arm, 512 MB (3,000,000 invocations of 120 ms in traffic.json);
 * - `Shop/Checkout`: x86, 1024 MB, provisioned concurrency 2 on its `live` alias
 *   (10,000,000 invocations of 49.2 ms in traffic.json);
 * - `Jobs/Resize`: Arm, 2048 MB, 4096 MB ephemeral storage, 30 s timeout (not in traffic.json).
 */
export function costProject(name: string): string {
  const dir = assemblyProject(name, {
    Shop: {
      ...functionResources('Shop', 'Browse', { MemorySize: 512, Timeout: 10, Architectures: ['arm64'], FunctionName: 'shop-browse' }),
      ...functionResources('Shop', 'Checkout', { MemorySize: 1024, Timeout: 10, Architectures: ['x86_64'] }),
      CheckoutVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Checkout' } }, Metadata: { 'aws:cdk:path': 'Shop/Checkout/CurrentVersion/Resource' } },
      CheckoutAlias: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: 'Checkout' },
          FunctionVersion: { 'Fn::GetAtt': ['CheckoutVersion', 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
        },
        Metadata: { 'aws:cdk:path': 'Shop/Checkout/Alias/Resource' },
      },
    },
    Jobs: {
      ...functionResources('Jobs', 'Resize', { MemorySize: 2048, Timeout: 30, Architectures: ['arm64'], EphemeralStorage: { Size: 4096 } }),
    },
  });
  writeTraffic(dir, 'traffic.json', {
    functions: {
      'Shop/Browse': { invocationsPerMonth: 3_000_000, durationMs: 120 },
      'Shop/Checkout': { invocationsPerMonth: 10_000_000, durationMs: 49.2 },
    },
  });
  return dir;
}

export function writeTraffic(dir: string, name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Appends REPORT lines as the local runtime writes them. */
export function writeLocalReports(dir: string, fn: string, memoryMb: number, durations: readonly number[]): void {
  const file = path.join(dir, '.lambdakit', 'local-reports.jsonl');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lines = durations.map((durationMs, i) =>
    JSON.stringify({
      time: new Date(Date.UTC(2026, 10, 23, 3, 0, i)).toISOString(),
      function: fn,
      functionName: fn.replace('/', '-'),
      version: '1',
      durationMs,
      billedDurationMs: Math.ceil(durationMs),
      memoryMb,
      maxMemoryUsedMb: 80,
      ...(i === 0 ? { initDurationMs: 250.5 } : {}),
    }),
  );
  fs.appendFileSync(file, `${lines.join('\n')}\n`);
}
