export * from './constructs/lambda-function';
export * from './constructs/node-layer';
export * from './bundling/options';
export * from './errors';
export * from './check/enable';
export * from './assembly/model';
export { readAssembly, findFunction } from './assembly/read';
export * from './constructs/function-monitoring';
export * from './constructs/gradual-deployment';
