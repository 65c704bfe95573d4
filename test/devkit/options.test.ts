import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevServer, defaultDevEnvironments } from '../../lib/dev/dev';
import { LocalRuntime } from '../../lib/local';

test('dev runs two environments per CPU per function by default, at least 4 and at most 16', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 64].map((cpus) => defaultDevEnvironments(cpus)), [4, 4, 6, 8, 16, 16]);
});

test('a cap of environments that is not a whole number from 1 to 1000 is refused by name, before anything starts', async () => {
  for (const bad of [0, -1, 2.5, 1001, Number.NaN]) {
    // No assembly exists at this path: the option is checked before synth or moto would be reached.
    await assert.rejects(DevServer.start({ app: '/nonexistent/cdk.out', synth: false, port: 0, lambdaPort: 0, maxEnvironments: bad }), (error: Error) => {
      assert.match(error.message, /^maxEnvironments \(--max-environments\) must be a whole number from 1 to 1000, got /);
      return true;
    });
  }
  await assert.rejects(LocalRuntime.start({ assembly: { functions: [], stacks: [] } as never, maxEnvironments: 0 }), /--max-environments\) must be a whole number from 1 to 1000, got 0/);
});
