#!/usr/bin/env node
import { App, Stack } from 'aws-cdk-lib';
import { HttpApi, LambdaFunction } from 'lambdakit';

// `npm start` runs this app locally (lambdakit dev); `npx cdk deploy` deploys it.
const app = new App();
const stack = new Stack(app, '{{stackName}}');

const api = new HttpApi(stack, 'Http');
// A Python function: the newest Python runtime aws-cdk-lib offers, arm64, standard library only.
const hello = new LambdaFunction(stack, 'Hello', { entry: 'functions/hello/handler.py' });
api.addRoute('GET /hello', hello, { auth: 'none' }); // public; routes are IAM-authorized by default

app.synth();
