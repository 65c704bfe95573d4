#!/usr/bin/env node
import { App, Stack } from 'aws-cdk-lib';
import { LambdaFunction } from '../lib';

// The example application. `npm start` synthesizes it into cdk.out.
const app = new App();

const api = new Stack(app, 'Api', { description: 'lambdakit example: HTTP API backend' });
new LambdaFunction(api, 'Hello', { entry: 'functions/hello/handler.ts' });

app.synth();
