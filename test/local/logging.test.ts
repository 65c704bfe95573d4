import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { LocalRuntime } from '../../lib/local/runtime';
import { writeAssembly } from './fixture';

// Logging as Lambda does it: LoggingConfig reaches the runtimes as AWS_LAMBDA_LOG_FORMAT and
// AWS_LAMBDA_LOG_LEVEL, the runtimes filter and format as Lambda's runtime clients do
// (aws-lambda-nodejs-runtime-interface-client's LogPatch.js, awslambdaric's bootstrap.py), and
// the platform lines follow SystemLogLevel.

const json = (level?: string, system?: string) => ({ LoggingConfig: { LogFormat: 'JSON', ...(level ? { ApplicationLogLevel: level } : {}), ...(system ? { SystemLogLevel: system } : {}) } });
const nodeLogs = `exports.handler = async () => {
  console.trace('at trace'); console.debug('at debug'); console.info('at info'); console.log('at log'); console.warn('at warn'); console.error('at error');
  return { format: process.env.AWS_LAMBDA_LOG_FORMAT, level: process.env.AWS_LAMBDA_LOG_LEVEL };
};`;
const pyLogs = `import logging, os
def handler(event, context):
    logging.getLogger().debug("at debug")
    logging.getLogger("app").info("at info")
    logging.warning("at warning")
    logging.error("at error")
    return {"root": logging.getLogger().level, "format": os.environ.get("AWS_LAMBDA_LOG_FORMAT"), "level": os.environ.get("AWS_LAMBDA_LOG_LEVEL"), "trace": os.environ.get("_X_AMZN_TRACE_ID")}
`;
const nodeThrows = `exports.handler = async () => { throw new TypeError('bad thing'); };
exports.callback = (event, context, callback) => { callback(new RangeError('through the callback')); };`;
const pyRaises = `def handler(event, context):
    raise ValueError("bad thing")
`;
const nodeEnv = `exports.handler = async () => Object.fromEntries(['AWS_XRAY_CONTEXT_MISSING', 'AWS_XRAY_DAEMON_ADDRESS', '_AWS_XRAY_DAEMON_ADDRESS', '_AWS_XRAY_DAEMON_PORT', '_X_AMZN_TRACE_ID', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].map((k) => [k, process.env[k]]));`;

let runtime: LocalRuntime;
const saved = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN };

before(async () => {
  // The caller's temporary credentials, as an assumed role or SSO session leaves them.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session-token' });
  const dir = writeAssembly('Logs', [
    { id: 'NodeWarn', functionName: 'node-warn', files: { 'index.js': nodeLogs }, properties: json('WARN') },
    { id: 'NodeDefault', functionName: 'node-default', files: { 'index.js': nodeLogs }, properties: json() },
    { id: 'NodeQuiet', functionName: 'node-quiet', files: { 'index.js': nodeLogs }, properties: json('DEBUG', 'WARN') },
    { id: 'NodeText', functionName: 'node-text', files: { 'index.js': nodeLogs } },
    { id: 'PyWarn', functionName: 'py-warn', runtime: 'python3.13', handler: 'app.handler', files: { 'app.py': pyLogs }, properties: json('WARN') },
    { id: 'PyDebug', functionName: 'py-debug', runtime: 'python3.13', handler: 'app.handler', files: { 'app.py': pyLogs }, properties: json('TRACE') },
    { id: 'PyText', functionName: 'py-text', runtime: 'python3.13', handler: 'app.handler', files: { 'app.py': pyLogs } },
    { id: 'NodeThrows', functionName: 'node-throws', files: { 'index.js': nodeThrows } },
    { id: 'NodeCallback', functionName: 'node-callback', handler: 'index.callback', files: { 'index.js': nodeThrows } },
    { id: 'NodeThrowsJson', functionName: 'node-throws-json', files: { 'index.js': nodeThrows }, properties: json() },
    { id: 'PyRaises', functionName: 'py-raises', runtime: 'python3.13', handler: 'app.handler', files: { 'app.py': pyRaises } },
    { id: 'NodeEnv', functionName: 'node-env', files: { 'index.js': nodeEnv } },
    { id: 'NodeEnvOwn', functionName: 'node-env-own', files: { 'index.js': nodeEnv }, environment: { AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR' } },
  ]);
  runtime = await LocalRuntime.start({ assembly: readAssembly(dir), reportsFile: false });
});

after(async () => {
  await runtime?.close({ drainMs: 0 });
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const invoke = async (name: string) => {
  const outcome = await runtime.invoke(runtime.resolve(name), Buffer.from('{}'));
  return { ...outcome, body: JSON.parse(outcome.payload.toString()) as Record<string, unknown> };
};
/** The JSON lines of a log (application lines of the JSON format), parsed. */
const jsonLines = (log: string) => log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('log levels', () => {
  test('Node.js with JSON logs and ApplicationLogLevel WARN: debug and info lines are dropped, warn and error kept', async () => {
    const { body, log, requestId } = await invoke('node-warn');
    assert.deepEqual(body, { format: 'JSON', level: 'WARN' });
    const lines = jsonLines(log);
    assert.deepEqual(lines.map((l) => [l.level, l.message]), [['WARN', 'at warn'], ['ERROR', 'at error']]);
    for (const line of lines) assert.equal(line.requestId, requestId);
    assert.match(log, /^START RequestId: /m, 'SystemLogLevel defaults to INFO: the platform lines stay');
    assert.match(log, /^REPORT RequestId: /m);
  });

  test('Node.js with JSON logs and no level: Lambda sets INFO, so debug and trace are dropped', async () => {
    const { body, log } = await invoke('node-default');
    assert.deepEqual(body, { format: 'JSON', level: 'INFO' });
    assert.deepEqual(jsonLines(log).map((l) => l.level), ['INFO', 'INFO', 'WARN', 'ERROR']);
  });

  test('SystemLogLevel WARN leaves out START, END and REPORT (INFO platform lines); the function lines stay', async () => {
    const { body, log } = await invoke('node-quiet');
    assert.equal(body.level, 'DEBUG');
    assert.doesNotMatch(log, /(START|END|REPORT) RequestId/);
    assert.deepEqual(jsonLines(log).map((l) => l.message), ['at debug', 'at info', 'at log', 'at warn', 'at error']);
  });

  test('text logs: no level variable, nothing filtered, platform lines kept', async () => {
    const { body, log } = await invoke('node-text');
    assert.deepEqual(body, {});
    for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']) assert.match(log, new RegExp(`\\t${level}\\tat `));
    assert.match(log, /^START RequestId: [\s\S]*^END RequestId: [\s\S]*^REPORT RequestId: /m);
  });

  test('Python sets the root logger level from AWS_LAMBDA_LOG_LEVEL (TRACE becomes DEBUG) and logs JSON', async () => {
    const warn = await invoke('py-warn');
    assert.equal(warn.body.root, 30);
    assert.equal(warn.body.level, 'WARN');
    assert.deepEqual(jsonLines(warn.log).map((l) => [l.level, l.message, l.logger, l.requestId]), [['WARNING', 'at warning', 'root', warn.requestId], ['ERROR', 'at error', 'root', warn.requestId]]);

    const debug = await invoke('py-debug');
    assert.equal(debug.body.root, 10);
    assert.deepEqual(jsonLines(debug.log).map((l) => l.message), ['at debug', 'at info', 'at warning', 'at error']);
  });

  test("Python text logs: Lambda's handler on the root logger, which keeps Python's default level (WARNING)", async () => {
    const { body, log, requestId } = await invoke('py-text');
    assert.equal(body.root, 30);
    assert.equal(body.level, null);
    assert.match(log, new RegExp(`^\\[WARNING\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${requestId}\\tat warning$`, 'm'));
    assert.match(log, /^\[ERROR\]\t\S+\t\S+\tat error$/m);
    assert.doesNotMatch(log, /at info|at debug/);
  });
});

describe('Invoke Error logging', () => {
  test('Node.js text: a thrown error is logged as `<time>\\t<request id>\\tERROR\\tInvoke Error \\t{errorType, errorMessage, stack}`', async () => {
    const { ok, body, log, requestId } = await invoke('node-throws');
    assert.equal(ok, false);
    assert.equal(body.errorType, 'TypeError');
    const line = new RegExp(`^(\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z)\\t${requestId}\\tERROR\\tInvoke Error \\t(\\{.*\\})$`, 'm').exec(log);
    assert.ok(line, log);
    const logged = JSON.parse(line[2]) as { errorType: string; errorMessage: string; stack: string[] };
    assert.deepEqual(Object.keys(logged), ['errorType', 'errorMessage', 'stack']);
    assert.equal(logged.errorType, 'TypeError');
    assert.equal(logged.errorMessage, 'bad thing');
    assert.equal(logged.stack[0], 'TypeError: bad thing');
    assert.match(logged.stack[1], /index\.js/);
  });

  test('Node.js: an error passed to the callback is logged the same way', async () => {
    const { log } = await invoke('node-callback');
    assert.match(log, /\tERROR\tInvoke Error \t\{"errorType":"RangeError","errorMessage":"through the callback","stack":\["RangeError: through the callback",/);
  });

  test('Node.js JSON: the error object is the message of an ERROR line', async () => {
    const { log, requestId } = await invoke('node-throws-json');
    const [line] = jsonLines(log).filter((l) => l.level === 'ERROR');
    assert.equal(line.requestId, requestId);
    const message = line.message as { errorType: string; errorMessage: string; stackTrace: string[] };
    assert.equal(message.errorType, 'TypeError');
    assert.equal(message.errorMessage, 'bad thing');
    assert.equal(message.stackTrace[0], 'TypeError: bad thing');
  });

  test('Python: `[ERROR] <Type>: <message>` and the traceback from the handler on, one event (lines joined by \\r)', async () => {
    const { ok, body, log } = await invoke('py-raises');
    assert.equal(ok, false);
    assert.deepEqual(body.stackTrace, [`  File "${runtime.resolve('py-raises').fn.codeDir}/app.py", line 2, in handler\n    raise ValueError("bad thing")\n`], 'no frame of the runtime itself');
    const line = log.split('\n').find((l) => l.startsWith('[ERROR]'));
    assert.equal(line, `[ERROR] ValueError: bad thing\rTraceback (most recent call last):\r\u00a0\u00a0File "${runtime.resolve('py-raises').fn.codeDir}/app.py", line 2, in handler\r\u00a0\u00a0\u00a0\u00a0raise ValueError("bad thing")`);
  });
});

describe('environment variables Lambda sets', () => {
  test('X-Ray, the caller session token, and a trace id per invocation', async () => {
    const first = await invoke('node-env');
    const second = await invoke('node-env');
    const trace = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/;
    for (const { body } of [first, second]) {
      assert.equal(body.AWS_XRAY_CONTEXT_MISSING, 'LOG_ERROR');
      assert.equal(body.AWS_XRAY_DAEMON_ADDRESS, '127.0.0.1:2000');
      assert.equal(body._AWS_XRAY_DAEMON_ADDRESS, '127.0.0.1');
      assert.equal(body._AWS_XRAY_DAEMON_PORT, '2000');
      assert.deepEqual([body.AWS_ACCESS_KEY_ID, body.AWS_SECRET_ACCESS_KEY, body.AWS_SESSION_TOKEN], ['ASIAEXAMPLE', 'secret', 'session-token']);
      assert.match(String(body._X_AMZN_TRACE_ID), trace);
    }
    assert.notEqual(first.body._X_AMZN_TRACE_ID, second.body._X_AMZN_TRACE_ID, 'each invocation has its own trace id');
    const py = await invoke('py-text');
    assert.match(String(py.body.trace), trace);
  });

  test('AWS_XRAY_CONTEXT_MISSING is not reserved: the function may set its own', async () => {
    const { body } = await invoke('node-env-own');
    assert.equal(body.AWS_XRAY_CONTEXT_MISSING, 'IGNORE_ERROR');
  });
});
