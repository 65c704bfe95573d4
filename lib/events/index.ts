export { EventContext, type EventEnvironment } from './context';
export {
  httpApiEvent,
  restApiEvent,
  functionUrlEvent,
  httpApiV1Event,
  type ReceivedRequest,
  type HttpRequestOptions,
  type RoutedRequestOptions,
  type HttpApiEventOptions,
  type RestApiEventOptions,
  type FunctionUrlEventOptions,
} from './http';
export * from './alb';
export * from './s3';
export * from './sqs';
export * from './sns';
export * from './dynamodb';
export * from './kinesis';
export * from './eventbridge';
export * from './scheduler';
export * from './cloudwatch-logs';
export { sampleEvent, listEventSources, type EventFlags } from './sources';
