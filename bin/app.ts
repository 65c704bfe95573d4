#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { isLambdakitError } from '../lib';
import { ApiStack, DataStack, ProcessingStack } from './stacks';

// The example application. `npx cdk synth` writes its three stacks to cdk.out.
try {
  const app = new App();
  const data = new DataStack(app, 'Data', { description: 'lambdakit example: table, bucket, queue, topic, stream and bus' });
  new ApiStack(app, 'Api', { data, description: 'lambdakit example: HTTP API backend (hello, users, orders)' });
  new ProcessingStack(app, 'Processing', { data, description: 'lambdakit example: uploads, jobs, schedule, change stream, fan-out, clicks and routing' });
  app.synth();
} catch (error) {
  // A configuration mistake is one clear line, not a stack trace from inside the constructs.
  if (!isLambdakitError(error)) throw error;
  process.stderr.write(`lambdakit: ${error.message}${error.hint ? `\n  next: ${error.hint}` : ''}\n`);
  process.exit(1);
}
