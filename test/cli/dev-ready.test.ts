import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { DevServer } from '../../lib/dev/dev';
import { assemblyProject } from '../ops/moto';

const dir = assemblyProject('dev-ready', { Empty: {} });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('lambdakit dev ready message', () => {
  it('shows the AWS CLI the --endpoint-url form (builds before 2.13 ignore AWS_ENDPOINT_URL) and the v2 payload flag', async () => {
    const dev = await DevServer.start({ cwd: dir, app: path.join(dir, 'cdk.out'), synth: false, port: 0, lambdaPort: 0, watch: false, reportsFile: false });
    try {
      const summary = dev.summary();
      const services = /^ {2}AWS services +(\S+)/m.exec(summary)?.[1];
      assert.ok(services, summary);
      assert.match(summary, new RegExp(`aws --endpoint-url ${services.replace(/[.]/g, '\\.')} \\.\\.\\. for the AWS CLI`));
      assert.match(summary, /aws lambda invoke --endpoint-url http:\/\/127\.0\.0\.1:\d+ --function-name <name> --cli-binary-format raw-in-base64-out --payload '\{\}' out\.json/);
    } finally {
      await dev.close({ drainMs: 0 });
    }
  });
});
