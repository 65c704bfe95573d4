import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { type DeployLocalReport, deployLocal, formatReport } from '../../scripts/deploy-local';

// The real CDK CLI (bootstrap + deploy --all of bin/app.ts) against moto_server on a free port.
describe('cdk deploy of the example app against a local endpoint (moto)', { timeout: 420_000 }, () => {
  let report: DeployLocalReport | undefined;
  after(() => {
    if (report) fs.rmSync(report.assemblyDir, { recursive: true, force: true });
  });

  it('creates every stack, and lambdakit status shows each created function as configured', async (t) => {
    report = await deployLocal();
    t.diagnostic(formatReport(report));

    assert.ok(report.stacks.length > 0);
    for (const stack of report.stacks) assert.equal(stack.status, 'CREATE_COMPLETE', stack.name);

    const assembly = readAssembly(report.assemblyDir);
    const skipped = new Set(report.skipped.map((s) => `${s.stack}/${s.logicalId}`));
    // The resources the workloads stand on are ones moto's CloudFormation creates: none may be missing.
    const core = new Set(['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::Kinesis::Stream', 'AWS::Events::EventBus', 'AWS::Logs::LogGroup']);
    const missingCore = report.skipped.filter((s) => core.has(s.type));
    assert.deepEqual(missingCore, [], 'core resources missing after deploy');
    // What moto left out is reported per resource, with the reason, and adds up with what was created.
    for (const s of report.skipped) assert.ok(s.reason && s.type && s.logicalId, JSON.stringify(s));
    for (const stack of report.stacks) assert.equal(stack.created + report.skipped.filter((s) => s.stack === stack.name).length, stack.templateResources, stack.name);
    const byPath = new Map(report.status.functions.map((f) => [String(f.function), f]));
    let checked = 0;
    for (const model of assembly.functions) {
      const status = byPath.get(model.constructPath);
      assert.ok(status, `status lists ${model.constructPath}`);
      if (skipped.has(`${model.stackName}/${model.logicalId}`)) {
        // A function moto left out must show up as an error row, not as a deployed function.
        assert.ok('error' in status, `${model.constructPath} was skipped by moto yet status reads it`);
        continue;
      }
      assert.ok(!('error' in status), `${model.constructPath}: ${String(status.error)}`);
      assert.equal(status.runtime, model.runtime, `${model.constructPath} runtime`);
      assert.equal(status.memoryMb, model.memoryMb, `${model.constructPath} memory`);
      assert.equal(status.timeoutSeconds, model.timeoutSeconds, `${model.constructPath} timeout`);
      assert.equal(status.reservedConcurrency, model.reservedConcurrency ?? null, `${model.constructPath} reserved concurrency`);
      const environment = status.environment as Record<string, string>;
      assert.deepEqual(Object.keys(environment).sort(), Object.keys(model.environment).sort(), `${model.constructPath} environment names`);
      for (const [name, value] of Object.entries(model.environment)) {
        // Literal values must arrive as they are; intrinsics (Ref, GetAtt) only need to be resolved to something.
        if (typeof value === 'string') assert.equal(environment[name], value, `${model.constructPath} ${name}`);
        else assert.ok(environment[name], `${model.constructPath} ${name} resolved`);
      }
      // An alias of the template either exists or is in the skipped list.
      const aliases = (status.aliases as Array<{ name: string }>).map((a) => a.name);
      for (const alias of model.aliases) {
        assert.ok(aliases.includes(alias.name) || skipped.has(`${model.stackName}/${alias.logicalId}`), `${model.constructPath} alias ${alias.name} neither deployed nor reported skipped`);
      }
      checked += 1;
    }
    assert.ok(checked > 0, 'at least one function was created and checked');
    assert.equal(report.status.code, report.status.functions.some((f) => 'error' in f) ? 1 : 0);
  });
});
