#!/usr/bin/env node
import { App, Stack } from 'aws-cdk-lib';
import { LambdaFunction, QueueTrigger, WorkQueue } from 'lambdakit';

// `npm start` runs this app locally (lambdakit dev); `npx cdk deploy` deploys it.
const app = new App();
const stack = new Stack(app, '{{stackName}}');

// Encrypted, SSL-only, with a dead-letter queue after 5 receives.
const jobs = new WorkQueue(stack, 'Jobs');
new LambdaFunction(stack, 'Worker', {
  entry: 'functions/worker.ts',
  // Batches of up to 10; failed messages are reported one by one (ReportBatchItemFailures).
  triggers: [new QueueTrigger(jobs, { batchSize: 10 })],
});

app.synth();
