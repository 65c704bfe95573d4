// lambdakit's Node.js runtime client: loads the handler named by _HANDLER from
// LAMBDA_TASK_ROOT and serves invocations through the Lambda Runtime API at
// AWS_LAMBDA_RUNTIME_API (host:port, optionally followed by a path prefix).
// Plain JavaScript on purpose: it runs in every execution environment before
// any user code, so it must load fast and depend on nothing.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

// A process lambdakit started ahead of any function (lib/local/prewarm.ts) has done what does not
// depend on the function (Node.js startup, loading this file) and waits on fd 3 to be placed in an
// environment: it then takes on the environment's whole process environment and working directory,
// before anything below reads them, and goes on as a process spawned with them does.
if (process.env.LAMBDAKIT_PREWARM === '1') await placement();

function placement() {
  return new Promise((resolve) => {
    const pipe = new net.Socket({ fd: 3, readable: true, writable: true });
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end < 0) return;
      const { cwd, env } = JSON.parse(text.slice(0, end));
      // Closed, so that nothing the function starts inherits it.
      pipe.destroy();
      for (const name of Object.keys(process.env)) delete process.env[name];
      for (const [name, value] of Object.entries(env)) process.env[name] = value;
      process.chdir(cwd);
      resolve();
    });
    // lambdakit is gone before placing it.
    pipe.on('end', () => process.exit(0));
    pipe.on('error', () => process.exit(0));
    pipe.write('ready\n');
  });
}

const api = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
const slash = api.indexOf('/');
const hostPort = slash < 0 ? api : api.slice(0, slash);
const prefix = slash < 0 ? '' : api.slice(slash);
const [host, port] = hostPort.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
const base = `${prefix}/2018-06-01/runtime`;

function call(method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      { host, port: Number(port), path: `${base}${route}`, method, agent, headers: data ? { 'content-type': 'application/json', 'content-length': data.length, ...headers } : headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

// ---- logging, as Lambda's Node.js runtime client does it (aws-lambda-nodejs-runtime-interface-client, src/LogPatch.js) ----
const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
// Lambda sets AWS_LAMBDA_LOG_LEVEL (JSON format only); lines below it are dropped in the runtime itself.
const minLevel = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
let currentRequestId;

const jsonErrorReplacer = (_key, value) =>
  value instanceof Error
    ? Object.assign({ errorType: value?.constructor?.name ?? 'UnknownError', errorMessage: value.message, stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack }, value)
    : value;

function jsonLine(time, level, params) {
  const result = { timestamp: time, level, requestId: currentRequestId };
  if (params.length === 1) {
    result.message = params[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch {
      result.message = format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = format(...params);
  const error = params.find((param) => param instanceof Error);
  if (error) Object.assign(result, { errorType: error?.constructor?.name ?? 'UnknownError', errorMessage: error.message, stackTrace: typeof error.stack === 'string' ? error.stack.split('\n') : [] });
  return JSON.stringify(result);
}

function emit(level, params) {
  const time = new Date().toISOString();
  const line = jsonLogs ? jsonLine(time, level, params) : `${time}\t${currentRequestId}\t${level}\t${format(...params)}`;
  // One line per call: CloudWatch splits events on newlines, the runtime turns them into carriage returns.
  process.stdout.write(`${line.replace(/\n/g, '\r')}\n`);
}
const noop = () => {};
for (const [level, method] of [['TRACE', 'trace'], ['DEBUG', 'debug'], ['INFO', 'info'], ['WARN', 'warn'], ['ERROR', 'error']]) {
  console[method] = LEVELS[level] >= minLevel ? (message, ...params) => emit(level, [message, ...params]) : noop;
}
console.log = console.info;
console.fatal = (message, ...params) => emit('FATAL', [message, ...params]);

// An error the runtime reports (`Invoke Error`, `Uncaught Exception`, ...), logged as the runtime client's
// structuredConsole.logError does: text `<label> \t<error as JSON>`, or the error object in JSON format.
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const out = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
  if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
  return out;
}
function logError(label, error) {
  const err = error instanceof Error ? error : new Error(error);
  if (jsonLogs) return console.error(err);
  let text;
  try {
    text = JSON.stringify(err, (_key, value) => withEnumerableProperties(value));
  } catch {
    text = JSON.stringify(errorBody(err));
  }
  console.error(label, `\t${text}`);
}

function errorBody(error, fallbackType) {
  const err = error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error));
  return {
    errorType: err.name && err.name !== 'Error' ? err.name : (fallbackType ?? 'Error'),
    errorMessage: err.message,
    trace: String(err.stack ?? '').split('\n'),
  };
}

async function initError(type, message, error) {
  const body = { errorType: type, errorMessage: message, trace: error ? String(error.stack ?? '').split('\n') : [] };
  process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(body)}\n`);
  await call('POST', '/init/error', JSON.stringify(body), { 'lambda-runtime-function-error-type': type });
  process.exit(129);
}

// ---- response streaming: the `awslambda` global of Lambda's Node.js runtime (streamifyResponse, HttpResponseStream) ----
// The handler marks are the runtime interface client's symbols (src/UserFunction.js), so handlers
// wrapped by libraries that set them directly (middy, Powertools) are recognised too.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const HTTP_INTEGRATION_RESPONSE = 'application/vnd.awslambda.http-integration-response';
const ERROR_TYPE_TRAILER = 'Lambda-Runtime-Function-Error-Type';
const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';

/**
 * The stream a streaming handler writes to: a Writable whose bytes go to the Runtime API as one
 * chunked POST to /invocation/{id}/response (`Lambda-Runtime-Function-Response-Mode: streaming`),
 * opened by the first write or the end, each write passed on as it comes (with backpressure). An
 * error ends it with the trailers Lambda reads: the error type and the error JSON in base64.
 */
class ResponseStream extends Writable {
  constructor(id, highWaterMark) {
    super(highWaterMark ? { highWaterMark } : {});
    this.invocationId = id;
    this.contentType = 'application/octet-stream';
    this.request = undefined;
    this.prelude = undefined;
    this.failed = false;
    /** Resolves once the Runtime API has answered the POST, or it failed. */
    this.answered = new Promise((resolve) => (this.settle = resolve));
  }

  setContentType(contentType) {
    if (this.request) throw new Error('Cannot set content-type, too late.');
    this.contentType = contentType;
  }

  // As the runtime interface client does, a chunk that is neither text nor bytes is sent as JSON.
  write(chunk, encoding, callback) {
    const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    return super.write(data, encoding, callback);
  }

  open() {
    if (this.request) return this.request;
    const request = http.request({
      host,
      port: Number(port),
      path: `${base}/invocation/${this.invocationId}/response`,
      method: 'POST',
      agent,
      headers: {
        'content-type': this.contentType,
        'lambda-runtime-function-response-mode': 'streaming',
        'transfer-encoding': 'chunked',
        trailer: `${ERROR_TYPE_TRAILER}, ${ERROR_BODY_TRAILER}`,
      },
    });
    request.on('response', (res) => {
      res.resume();
      res.on('end', () => this.settle({ status: res.statusCode }));
      res.on('error', (error) => this.settle({ error }));
    });
    request.on('error', (error) => this.settle({ error }));
    this.request = request;
    // HttpResponseStream.from: the JSON prelude and its 8-NUL delimiter come before the body.
    if (this.prelude !== undefined) request.write(Buffer.concat([Buffer.from(this.prelude), Buffer.alloc(8)]));
    return request;
  }

  _write(chunk, encoding, callback) {
    const request = this.open();
    if (this.failed || request.destroyed) return callback(new Error('the response stream is closed'));
    request.write(chunk, encoding, (error) => callback(error ?? undefined));
  }

  _final(callback) {
    const request = this.open();
    if (this.failed || request.destroyed || request.writableEnded) return callback();
    request.end(() => callback());
  }

  /** Ends the response with `error`: the chunks written so far stay delivered. */
  fail(error) {
    const request = this.open();
    this.failed = true;
    if (request.destroyed || request.writableEnded) return;
    const body = errorBody(error);
    request.addTrailers({ [ERROR_TYPE_TRAILER]: body.errorType, [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(body)).toString('base64') });
    request.end();
  }
}

globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[STREAMING] = 'response';
    if (typeof options?.highWaterMark === 'number') handler[HIGH_WATER_MARK] = Math.trunc(options.highWaterMark);
    return handler;
  },
  HttpResponseStream: class HttpResponseStream {
    /** Declares an HTTP response (function URLs): `{ statusCode, headers, cookies }` precede the body. */
    static from(stream, prelude) {
      stream.setContentType(HTTP_INTEGRATION_RESPONSE);
      stream.prelude = JSON.stringify(prelude);
      return stream;
    }
  },
};

/** Runs a streaming handler: `handler(event, responseStream, context)`, answered once its stream has ended. */
async function runStreaming(id, event, context) {
  const stream = new ResponseStream(id, handler[HIGH_WATER_MARK]);
  inflight.stream = stream;
  try {
    const result = handler(event, stream, context);
    if (!result || typeof result.then !== 'function') throw new Error('Streaming does not support non-async handlers.');
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
  } catch (error) {
    logError('Invoke Error', error);
    stream.fail(error);
  }
  // As on Lambda, the invocation lasts until the handler has ended its stream (or it times out).
  await stream.answered;
  inflight.settled = true;
}

// ---- load the handler: `<module path>.<export path>` under LAMBDA_TASK_ROOT ----
// As Lambda's Node.js runtime client loads it: CommonJS through require (an extensionless file, a
// .js file unless the nearest package.json says "type": "module", a .cjs file), ES modules through
// import() (such a .js file, a .mjs file), in that order; then the module name as require resolves
// it from the task root. The export path may be nested (`index.handlers.get`).
const requireUser = createRequire(import.meta.url);

function typeModule(dir) {
  for (let at = dir; ; at = path.dirname(at)) {
    if (at.endsWith(`${path.sep}node_modules`)) return false;
    const pj = path.join(at, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8'))?.type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(at) === at) return false;
  }
}

async function loadModule(root, modulePath) {
  const base = path.resolve(root, modulePath);
  const exists = (file) => fs.existsSync(file) && fs.statSync(file).isFile();
  if (exists(base)) return requireUser(base);
  const esmJs = exists(`${base}.js`) && typeModule(path.dirname(base));
  if (exists(`${base}.js`) && !esmJs) return requireUser(`${base}.js`);
  if (esmJs) return import(pathToFileURL(`${base}.js`).href);
  if (exists(`${base}.mjs`)) return import(pathToFileURL(`${base}.mjs`).href);
  if (exists(`${base}.cjs`)) return requireUser(`${base}.cjs`);
  return requireUser(requireUser.resolve(modulePath, { paths: [root] }));
}

async function loadHandler() {
  const spec = process.env._HANDLER ?? '';
  const name = path.basename(spec);
  const moduleRoot = spec.slice(0, spec.length - name.length);
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return initError('Runtime.MalformedHandlerName', 'Bad handler');
  const modulePath = moduleRoot + name.slice(0, dot);
  const exportPath = name.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  let mod;
  try {
    mod = await loadModule(root, modulePath);
  } catch (error) {
    if (error instanceof SyntaxError) return initError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`, error);
    if (error && (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND')) return initError('Runtime.ImportModuleError', `Error: ${error.message}`, error);
    return initError(error?.name ?? 'Error', error?.message ?? String(error), error);
  }
  const resolve = (object) => exportPath.split('.').reduce((nested, key) => nested && nested[key], object);
  let handler = resolve(mod);
  // A CommonJS module imported as an ES module has its exports under default.
  if (handler === undefined && mod && mod.default && typeof mod.default === 'object') handler = resolve(mod.default);
  if (!handler) return initError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  if (typeof handler !== 'function') return initError('Runtime.HandlerNotFound', `${spec} is not a function`);
  return handler;
}

const handler = await loadHandler();
const fnName = process.env.AWS_LAMBDA_FUNCTION_NAME;
const fnVersion = process.env.AWS_LAMBDA_FUNCTION_VERSION;
const memory = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
const logGroup = process.env.AWS_LAMBDA_LOG_GROUP_NAME;
const logStream = process.env.AWS_LAMBDA_LOG_STREAM_NAME;

// 'beforeExit' fires once the loop has nothing left to do. The runtime's own idle keep-alive
// sockets do not count: the agent unrefs them while they wait in its pool.
function emptyEventLoop() {
  return new Promise((resolve) => process.once('beforeExit', resolve));
}

let inflight; // { id, settled }
async function respond(id, kind, payload, type) {
  if (!inflight || inflight.id !== id || inflight.settled) return;
  inflight.settled = true;
  if (kind === 'response') {
    let body;
    try {
      body = JSON.stringify(payload === undefined ? null : payload);
    } catch (error) {
      return void respondRaw(id, 'error', errorBody(error), 'Runtime.SerializationError');
    }
    await call('POST', `/invocation/${id}/response`, body);
  } else {
    await respondRaw(id, 'error', payload, type);
  }
}
/** A failed invocation: logged as Lambda's runtime logs it, then reported (once). */
function fail(id, error) {
  if (!inflight || inflight.id !== id || inflight.settled) return;
  logError('Invoke Error', error);
  return respond(id, 'error', errorBody(error));
}
function respondRaw(id, _kind, body, type) {
  return call('POST', `/invocation/${id}/error`, JSON.stringify(body), { 'lambda-runtime-function-error-type': type ?? body.errorType });
}

process.on('unhandledRejection', async (reason, promise) => {
  const body = { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: `${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`, trace: reason instanceof Error ? String(reason.stack).split('\n') : [] };
  const error = Object.assign(new Error(body.errorMessage), { reason, promise });
  error.name = 'Runtime.UnhandledPromiseRejection';
  logError('Unhandled Promise Rejection', error);
  if (inflight?.stream?.request && !inflight.settled) await failStream(error);
  else if (inflight && !inflight.settled) await respond(inflight.id, 'error', body, body.errorType).catch(() => {});
  process.exit(128);
});
process.on('uncaughtException', async (error) => {
  const body = errorBody(error);
  logError('Uncaught Exception', error);
  if (inflight?.stream?.request && !inflight.settled) await failStream(error);
  else if (inflight && !inflight.settled) await respond(inflight.id, 'error', body, body.errorType).catch(() => {});
  process.exit(129);
});

/** A streamed response already under way can only end with its error in the trailers. */
async function failStream(error) {
  inflight.settled = true;
  inflight.stream.fail(error);
  await inflight.stream.answered;
}

for (;;) {
  const next = await call('GET', '/invocation/next');
  if (next.status !== 200) throw new Error(`runtime API answered ${next.status} to next`);
  const h = next.headers;
  const id = h['lambda-runtime-aws-request-id'];
  const deadline = Number(h['lambda-runtime-deadline-ms']);
  currentRequestId = id;
  if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  let event;
  try {
    event = JSON.parse(next.body.toString('utf8') || 'null');
  } catch (error) {
    await respondRaw(id, 'error', errorBody(error), 'Runtime.InvalidEventPayload');
    continue;
  }
  inflight = { id, settled: false };
  const context = {
    awsRequestId: id,
    functionName: fnName,
    functionVersion: fnVersion,
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: memory,
    logGroupName: logGroup,
    logStreamName: logStream,
    clientContext: h['lambda-runtime-client-context'] ? JSON.parse(h['lambda-runtime-client-context']) : undefined,
    identity: h['lambda-runtime-cognito-identity'] ? JSON.parse(h['lambda-runtime-cognito-identity']) : undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (err, result) => (err ? fail(id, err) : respond(id, 'response', result)),
    succeed: (result) => respond(id, 'response', result),
    fail: (err) => fail(id, err),
  };
  if (handler[STREAMING] === 'response') {
    // A streaming handler gets the response stream; it answers through it, not through the context.
    delete context.done;
    delete context.succeed;
    delete context.fail;
    await runStreaming(id, event, context);
    continue;
  }
  try {
    if (handler.length >= 3) {
      // Callback style: the result is what the callback (or a returned promise) gives first.
      const outcome = await new Promise((resolve) => {
        let done = false;
        const finish = (o) => {
          if (!done) {
            done = true;
            resolve(o);
          }
        };
        try {
          const maybe = handler(event, context, (err, result) => finish(err ? { err } : { result }));
          if (maybe && typeof maybe.then === 'function') maybe.then((result) => finish({ result }), (err) => finish({ err }));
        } catch (err) {
          finish({ err });
        }
      });
      // As Lambda does for callback handlers: with callbackWaitsForEmptyEventLoop (the default) the
      // response waits until nothing is left on the event loop (timers, sockets), up to the timeout.
      if (context.callbackWaitsForEmptyEventLoop) await emptyEventLoop();
      if ('err' in outcome) await fail(id, outcome.err);
      else await respond(id, 'response', outcome.result);
    } else {
      const result = await handler(event, context);
      await respond(id, 'response', result);
    }
  } catch (error) {
    await fail(id, error);
  }
}
