#!/usr/bin/env node
import { App, Stack } from 'aws-cdk-lib';
import { HttpApi, LambdaFunction } from 'lambdakit';

// `npm start` runs this app locally (lambdakit dev); `npx cdk deploy` deploys it.
const app = new App();
const stack = new Stack(app, '{{stackName}}');

const api = new HttpApi(stack, 'Http');
const hello = new LambdaFunction(stack, 'Hello', { entry: 'functions/hello.ts' });
api.addRoute('GET /hello', hello, { auth: 'none' }); // public; routes are IAM-authorized by default

app.synth();
