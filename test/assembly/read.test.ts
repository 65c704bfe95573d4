import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { LambdaFunction, LambdakitError, findFunction, readAssembly } from '../../lib';
import { FIXTURES, newStack } from '../helpers';

describe('readAssembly', () => {
  const { app, stack } = newStack('Orders');
  new LambdaFunction(stack, 'Hello', {
    entry: path.join(FIXTURES, 'handlers', 'ok.ts'),
    memorySize: 256,
    timeout: Duration.seconds(7),
    reservedConcurrency: 3,
    provisionedConcurrency: 1,
    retryAttempts: 1,
    maxEventAge: Duration.minutes(2),
    environment: { STAGE: 'test' },
  });
  new LambdaFunction(stack, 'Named', { entry: path.join(FIXTURES, 'handlers', 'ok.ts'), functionName: 'orders-named' });
  const model = readAssembly(app.synth().directory);

  it('models each function with its settings, code directory and construct path', () => {
    const hello = findFunction(model, 'Orders/Hello')!;
    assert.equal(hello.stackName, 'Orders');
    assert.equal(hello.runtime, 'nodejs24.x');
    assert.equal(hello.handler, 'index.handler');
    assert.equal(hello.memoryMb, 256);
    assert.equal(hello.timeoutSeconds, 7);
    assert.equal(hello.reservedConcurrency, 3);
    assert.equal(hello.architecture, 'arm64');
    assert.equal(hello.environment.STAGE, 'test');
    assert.ok(hello.codeDir && fs.existsSync(path.join(hello.codeDir, 'index.js')));
    assert.equal(hello.functionName, `Orders-${hello.logicalId}`);
    assert.equal(hello.hasPhysicalName, false);
  });

  it('models the live alias with its version, provisioned concurrency and async settings', () => {
    const hello = findFunction(model, 'Orders/Hello')!;
    assert.deepEqual(hello.versions.map((v) => v.version), ['1']);
    const [alias] = hello.aliases;
    assert.equal(alias.name, 'live');
    assert.equal(alias.version, '1');
    assert.equal(alias.provisionedConcurrency, 1);
    assert.deepEqual({ retries: alias.asyncInvoke?.maximumRetryAttempts, age: alias.asyncInvoke?.maximumEventAgeSeconds }, { retries: 1, age: 120 });
  });

  it('finds functions by construct path, physical name and stack/logical id', () => {
    const named = findFunction(model, 'orders-named')!;
    assert.equal(named.constructPath, 'Orders/Named');
    assert.equal(findFunction(model, `Orders/${named.logicalId}`), named);
    assert.equal(findFunction(model, 'Orders/Missing'), undefined);
  });

  it('says where to get an assembly when there is none', () => {
    assert.throws(() => readAssembly(path.join(FIXTURES, 'no-such-dir')), (error: unknown) => {
      assert.ok(error instanceof LambdakitError);
      assert.equal(error.code, 'AssemblyNotFound');
      assert.match(error.hint ?? '', /cdk synth/);
      return true;
    });
  });
});
