// What a CDK app needs to construct and synthesize is loaded with the package.
export * from './constructs/lambda-function';
export * from './constructs/powertools';
export * from './constructs/node-layer';
export * from './constructs/python-layer';
export * from './bundling/options';
export type { BuildArchitecture, BuildLanguage, BuildRequest, BuildResult, RuntimeBuilder } from './bundling/builder';
export { detectLanguage, runtimeFamilyOf } from './bundling/detect';
export { pythonBuilder } from './bundling/python';
export { goBuilder } from './bundling/go';
export { rustBuilder } from './bundling/rust';
export { customBuilder } from './bundling/custom';
export * from './errors';
export * from './check/enable';
export * from './assembly/model';
export { readAssembly, findFunction } from './assembly/read';
export * from './constructs/function-monitoring';
export * from './constructs/gradual-deployment';
export { TemplateResolver, type LocalAccount, type ResourceValues } from './assembly/resolve';
export * from './assembly/triggers';
export * from './assembly/resources';
export * from './constructs/work-queue';
export * from './constructs/secure-bucket';
export * from './constructs/resource-access';
export * from './triggers/index';
export * from './events/index';

// The local runtime (servers, the Runtime and Invoke APIs, @smithy's event-stream codec) and
// the cost estimates load on first use of one of their names: an app that only builds
// constructs never loads them. Their types are exported as usual; each value is declared
// here and defined below as a getter that requires its module.
import type * as Local from './local/index';
import type * as Cost from './cost/index';

export type * from './local/index';
export type * from './cost/index';

export declare const LocalLambda: typeof Local.LocalLambda;
export type LocalLambda = Local.LocalLambda;
export declare const LocalRuntime: typeof Local.LocalRuntime;
export type LocalRuntime = Local.LocalRuntime;
export declare const ResolveError: typeof Local.ResolveError;
export type ResolveError = Local.ResolveError;
export declare const InvokeApiServer: typeof Local.InvokeApiServer;
export type InvokeApiServer = Local.InvokeApiServer;
export declare const ThrottledError: typeof Local.ThrottledError;
export type ThrottledError = Local.ThrottledError;
export declare const Destinations: typeof Local.Destinations;
export type Destinations = Local.Destinations;
export declare const DeliveryError: typeof Local.DeliveryError;
export type DeliveryError = Local.DeliveryError;
export declare const AsyncJournal: typeof Local.AsyncJournal;
export type AsyncJournal = Local.AsyncJournal;
export declare const LambdaApi: typeof Local.LambdaApi;
export type LambdaApi = Local.LambdaApi;
export declare const LambdaApiError: typeof Local.LambdaApiError;
export type LambdaApiError = Local.LambdaApiError;
export declare const checkMaxEnvironments: typeof Local.checkMaxEnvironments;
export declare const DEFAULT_MAX_ENVIRONMENTS: typeof Local.DEFAULT_MAX_ENVIRONMENTS;
export declare const MAX_ENVIRONMENTS_LIMIT: typeof Local.MAX_ENVIRONMENTS_LIMIT;
export declare const SYNC_PAYLOAD_LIMIT: typeof Local.SYNC_PAYLOAD_LIMIT;
export declare const ASYNC_PAYLOAD_LIMIT: typeof Local.ASYNC_PAYLOAD_LIMIT;
export declare const logTail: typeof Local.logTail;
export declare const invokeDirect: typeof Local.invokeDirect;
export declare const invokeLocal: typeof Local.invokeLocal;
export declare const serveLocal: typeof Local.serveLocal;
export declare const describeServer: typeof Local.describeServer;
export declare const describeStop: typeof Local.describeStop;
export declare const loadAssembly: typeof Local.loadAssembly;
export declare const readEventInput: typeof Local.readEventInput;

export declare const estimateApp: typeof Cost.estimateApp;
export declare const estimateCost: typeof Cost.estimateCost;
export declare const billedDuration: typeof Cost.billedDuration;
export declare const loadPrices: typeof Cost.loadPrices;
export declare const tieredCost: typeof Cost.tieredCost;
export declare const DEFAULT_PRICE_FILE: typeof Cost.DEFAULT_PRICE_FILE;
export declare const readTraffic: typeof Cost.readTraffic;
export declare const readLocalReports: typeof Cost.readLocalReports;
export declare const localDuration: typeof Cost.localDuration;
export declare const percentileOf: typeof Cost.percentileOf;
export declare const DEFAULT_LOCAL_FACTOR: typeof Cost.DEFAULT_LOCAL_FACTOR;
export declare const DEFAULT_LOCAL_PERCENTILE: typeof Cost.DEFAULT_LOCAL_PERCENTILE;
export declare const readCloudWatch: typeof Cost.readCloudWatch;
export declare const resolveUsage: typeof Cost.resolveUsage;
export declare const provisionedConcurrencyOf: typeof Cost.provisionedConcurrencyOf;
export declare const isDeployTimeHandler: typeof Cost.isDeployTimeHandler;
export declare const memoryWhatIf: typeof Cost.memoryWhatIf;
export declare const parseMemoryList: typeof Cost.parseMemoryList;
export declare const cpuScaledDuration: typeof Cost.cpuScaledDuration;
export declare const ONE_VCPU_MB: typeof Cost.ONE_VCPU_MB;
export declare const overBudget: typeof Cost.overBudget;
export declare const enforceBudget: typeof Cost.enforceBudget;
export declare const formatEstimate: typeof Cost.formatEstimate;
export declare const formatWhatIf: typeof Cost.formatWhatIf;

/** The names each lazily loaded module provides (test/index.test.ts checks them against the modules). */
const LAZY_EXPORTS: { readonly [module in './local/index' | './cost/index']: readonly string[] } = {
  './local/index': [
    'LocalLambda', 'LocalRuntime', 'ResolveError', 'InvokeApiServer', 'ThrottledError', 'Destinations', 'DeliveryError', 'AsyncJournal',
    'LambdaApi', 'LambdaApiError', 'checkMaxEnvironments', 'DEFAULT_MAX_ENVIRONMENTS', 'MAX_ENVIRONMENTS_LIMIT', 'SYNC_PAYLOAD_LIMIT',
    'ASYNC_PAYLOAD_LIMIT', 'logTail', 'invokeDirect', 'invokeLocal', 'serveLocal', 'describeServer', 'describeStop', 'loadAssembly', 'readEventInput',
  ],
  './cost/index': [
    'estimateApp', 'estimateCost', 'billedDuration', 'loadPrices', 'tieredCost', 'DEFAULT_PRICE_FILE', 'readTraffic', 'readLocalReports',
    'localDuration', 'percentileOf', 'DEFAULT_LOCAL_FACTOR', 'DEFAULT_LOCAL_PERCENTILE', 'readCloudWatch', 'resolveUsage', 'provisionedConcurrencyOf',
    'isDeployTimeHandler', 'memoryWhatIf', 'parseMemoryList', 'cpuScaledDuration', 'ONE_VCPU_MB', 'overBudget', 'enforceBudget', 'formatEstimate',
    'formatWhatIf',
  ],
};

// `module.exports`, not `exports`: it is the object importers receive both from tsc's output and
// from tsx/esbuild's (which replaces module.exports when a file uses `export`).
const loaders: Record<keyof typeof LAZY_EXPORTS, () => Record<string, unknown>> = {
  './local/index': () => require('./local/index'),
  './cost/index': () => require('./cost/index'),
};
for (const [file, names] of Object.entries(LAZY_EXPORTS) as Array<[keyof typeof LAZY_EXPORTS, readonly string[]]>) {
  for (const name of names) Object.defineProperty(module.exports, name, { enumerable: true, get: () => loaders[file]()[name] });
}

// Never runs. Node's ESM loader finds a CommonJS module's named exports by reading its source
// (cjs-module-lexer), which does not see the getters above; these assignments name them for it, so
// `import { LocalLambda } from 'lambdakit'` keeps working from ES modules.
if (module.id === undefined) {
  exports.LocalLambda = exports.LocalRuntime = exports.ResolveError = exports.InvokeApiServer = exports.ThrottledError = exports.Destinations = undefined;
  exports.DeliveryError = exports.AsyncJournal = exports.LambdaApi = exports.LambdaApiError = exports.checkMaxEnvironments = undefined;
  exports.DEFAULT_MAX_ENVIRONMENTS = exports.MAX_ENVIRONMENTS_LIMIT = exports.SYNC_PAYLOAD_LIMIT = exports.ASYNC_PAYLOAD_LIMIT = exports.logTail = undefined;
  exports.invokeDirect = exports.invokeLocal = exports.serveLocal = exports.describeServer = exports.describeStop = exports.loadAssembly = undefined;
  exports.readEventInput = exports.estimateApp = exports.estimateCost = exports.billedDuration = exports.loadPrices = exports.tieredCost = undefined;
  exports.DEFAULT_PRICE_FILE = exports.readTraffic = exports.readLocalReports = exports.localDuration = exports.percentileOf = undefined;
  exports.DEFAULT_LOCAL_FACTOR = exports.DEFAULT_LOCAL_PERCENTILE = exports.readCloudWatch = exports.resolveUsage = exports.provisionedConcurrencyOf = undefined;
  exports.isDeployTimeHandler = exports.memoryWhatIf = exports.parseMemoryList = exports.cpuScaledDuration = exports.ONE_VCPU_MB = undefined;
  exports.overBudget = exports.enforceBudget = exports.formatEstimate = exports.formatWhatIf = undefined;
}
