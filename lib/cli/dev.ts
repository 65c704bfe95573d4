import type { Argv } from 'yargs';
import { appOptions } from '../ops/options';
import { DEFAULT_DRAIN_SECONDS, checkDrainTimeout, serveUntilStopped } from './shutdown';

export function registerDev(program: Argv): Argv {
  return program.command(
    'dev',
    'Run the whole app locally: functions, HTTP routes, triggers and the AWS services they use (moto), no Docker and no AWS account',
    (y) =>
      appOptions(y, 'the assembly in --output, synthesized from cdk.json when the app changed')
        .option('port', { type: 'number', default: 3000, describe: 'HTTP gateway port (API Gateway routes and function URLs)' })
        .option('lambda-port', { type: 'number', default: 3001, describe: 'Lambda Invoke API port' })
        .option('services-port', { type: 'number', describe: 'Port of the local AWS services (default: a free port)' })
        .option('services-endpoint', { type: 'string', describe: 'Use the AWS services already running at this URL (your moto_server, or any AWS-compatible endpoint) instead of starting moto; their data outlives dev, which leaves them running on exit' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to bind (loopback unless you ask otherwise)' })
        .option('synth', { type: 'boolean', describe: 'Synthesize the app (cdk.json) first even when the assembly is up to date (by default dev synthesizes only when the app, cdk.json or a function changed since lambdakit last synthesized); --no-synth uses the assembly as it is. An --app command is synthesized on every start' })
        .option('watch', { type: 'boolean', default: true, describe: 'Rebuild a function when a source file it imports is saved (--no-watch to turn off)' })
        .option('json', { type: 'boolean', default: false, describe: 'One JSON object per line instead of text' })
        .option('fast-retries', { type: 'boolean', default: false, describe: 'Retry failed asynchronous events after 1 and 2 seconds instead of 1 and 2 minutes' })
        .option('visibility-timeout', { type: 'number', describe: "Override every queue's visibility timeout (seconds) so failed messages return quickly" })
        .option('schedules-every', { type: 'number', describe: 'Fire every schedule each N seconds instead of its expression' })
        .option('reports', { type: 'boolean', default: true, describe: 'Append every REPORT to .lambdakit/local-reports.jsonl (for lambdakit cost)' })
        .option('drain-timeout', { type: 'number', default: DEFAULT_DRAIN_SECONDS, describe: 'On Ctrl-C, seconds running invocations get to finish before they are stopped (a second Ctrl-C stops at once); unfinished Event invocations resume on the next start' })
        .option('allow-host', { type: 'string', array: true, describe: 'Accept requests whose Host is this name on the gateway and the Invoke API (repeatable; .example.com allows its subdomains too). Only loopback names and the --host address are accepted otherwise, so web pages cannot reach them' })
        .option('console', { type: 'boolean', default: true, describe: 'Serve the web console on --console-port: invocations live, invoke and replay, dead letters and redrive, resources, wiring (--no-console to turn off)' })
        .option('console-port', { type: 'number', default: 3002, describe: 'Web console port (0: a free one)' })
        .option('max-environments', { type: 'number', describe: 'Most environments (processes) per function at once; further requests wait for one (default: two per CPU, 4 to 16)' })
        .example('$0 dev', 'The app of cdk.json: gateway on :3000, Invoke API on :3001, moto for the services')
        .example('$0 dev --app "npx tsx bin/app.ts" --fast-retries', '')
        .example('$0 dev --services-endpoint http://127.0.0.1:5000', '')
        .epilogue('The AWS services come from moto: `moto_server` must be on PATH (install it with `pip install "moto[server]"`, or `pipx install "moto[server]"`), unless --services-endpoint names services already running.'),
    async (args) => {
      checkDrainTimeout(args.drainTimeout);
      const started = performance.now();
      // moto_server takes half a second to start: it does so while dev's modules load.
      const motoServer = args.servicesEndpoint === undefined ? import('../dev/moto-server').then((m) => m.startMotoServer({ port: args.servicesPort, host: args.host })) : undefined;
      motoServer?.catch(() => undefined);
      const { DevServer } = await import('../dev/dev');
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app, synthesized } = await assemblyOf(args.app, args.output);
      const { describeStop } = await import('../local/serve');
      const dev = await DevServer.start({
        motoServer,
        port: args.port,
        lambdaPort: args.lambdaPort,
        servicesPort: args.servicesPort,
        servicesEndpoint: args.servicesEndpoint,
        host: args.host,
        app,
        synth: synthesized ? false : (args.synth ?? 'auto'),
        json: args.json,
        watch: args.watch,
        fastRetries: args.fastRetries,
        visibilityTimeoutSeconds: args.visibilityTimeout,
        scheduleEveryMs: args.schedulesEvery === undefined ? undefined : args.schedulesEvery * 1000,
        reportsFile: args.reports ? undefined : false,
        maxEnvironments: args.maxEnvironments,
        allowedHosts: args.allowHost,
        console: args.console ? { port: args.consolePort } : false,
      });
      const readyMs = performance.now() - started;
      if (args.json) process.stdout.write(`${JSON.stringify({ ...dev.summaryJson(), readyMs: Math.round(readyMs) })}\n`);
      else process.stdout.write(`${dev.summary()}  ready in ${(readyMs / 1000).toFixed(1)} s — Ctrl-C stops everything\n`);
      const stopped = await serveUntilStopped(async (abort, reason) => {
        process.stderr.write(reason.startsWith('SIG') ? `\n${reason}: stopping (running invocations get up to ${args.drainTimeout} s; Ctrl-C again stops at once)...\n` : `lambdakit dev: ${reason}\n`);
        const { message, failed } = describeStop(await dev.close({ drainMs: args.drainTimeout * 1000, signal: abort }));
        process.stderr.write(message);
        if (failed) process.exitCode = 1;
      }, dev.failure);
      if (stopped.failed) process.exitCode = 1;
    },
  );
}
