import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CHECKS_CONTEXT, CHECKS_MARKER_FILE } from '../../lib/check/enable';
import { HttpApi, WorkQueue } from '../../lib';
import { newStack } from '../helpers';

const outdirs: string[] = [];
after(() => outdirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Synthesizes the app; returns whether cdk-nag ran (its marker) and the synth error, if any. */
function synth(context: Record<string, unknown>, build: (stack: ReturnType<typeof newStack>['stack']) => void) {
  const { app, stack } = newStack('Checked', { '@aws-cdk/core:validationReportJson': true, ...context });
  outdirs.push(app.outdir);
  build(stack);
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  const reportFile = path.join(app.outdir, 'validation-report.json');
  const report = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8') : '';
  return { checked: fs.existsSync(path.join(app.outdir, CHECKS_MARKER_FILE)), error, report };
}

describe('checks from the lambdakit:checks context key', () => {
  it('an app of only an HttpApi gets cdk-nag when the key is true: an unencrypted queue beside it fails synth', () => {
    // given an app whose only lambdakit construct is an HttpApi, under `lambdakit check`'s context
    const result = synth({ [CHECKS_CONTEXT]: true }, (stack) => {
      new HttpApi(stack, 'Api');
      new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    });
    // then the packs ran and their findings stopped synth
    assert.equal(result.checked, true);
    assert.match(String(result.error), /Validation failed/);
    assert.match(result.report, /AwsSolutions-SQS/);
  });

  it('an app of only a WorkQueue gets cdk-nag too; `-c lambdakit:checks=true` (a string) counts', () => {
    const result = synth({ [CHECKS_CONTEXT]: 'true' }, (stack) => {
      new WorkQueue(stack, 'Work');
    });
    assert.equal(result.error, undefined);
    assert.equal(result.checked, true);
  });

  it('adds no cdk-nag without the key, whatever LAMBDAKIT_CHECKS says', () => {
    // given the old environment variable, which constructs no longer read
    process.env.LAMBDAKIT_CHECKS = '1';
    try {
      const result = synth({}, (stack) => {
        new HttpApi(stack, 'Api');
        new WorkQueue(stack, 'Work');
        new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      });
      // then synth succeeds and no pack ran
      assert.equal(result.error, undefined);
      assert.equal(result.checked, false);
    } finally {
      delete process.env.LAMBDAKIT_CHECKS;
    }
  });

  it('adds no cdk-nag when the key is false', () => {
    const result = synth({ [CHECKS_CONTEXT]: false }, (stack) => {
      new WorkQueue(stack, 'Work');
      new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    });
    assert.equal(result.error, undefined);
    assert.equal(result.checked, false);
  });
});
