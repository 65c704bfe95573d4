import type { Argv } from 'yargs';
import { appOptions } from '../ops/options';
import { DEFAULT_DRAIN_SECONDS, checkDrainTimeout, serveUntilStopped } from './shutdown';

export function registerLocal(program: Argv): Argv {
  return program.command(
    'local',
    "Serve the assembly's functions on Lambda's Invoke API (127.0.0.1) in local execution environments, no Docker",
    (y) =>
      appOptions(y, 'the assembly in --output, synthesized from cdk.json when missing')
        .option('port', { type: 'number', default: 3001, describe: 'Port of the Invoke API (0 picks a free one)' })
        .option('synth', { type: 'boolean', default: false, describe: 'Synthesize the app (cdk.json) before serving' })
        .option('endpoint-url', { type: 'string', describe: 'Local AWS services (e.g. moto): receive dead letters and destination records, and are the functions\' AWS_ENDPOINT_URL (default: AWS_ENDPOINT_URL)' })
        .option('reports', { type: 'boolean', default: true, describe: 'Append every REPORT to .lambdakit/local-reports.jsonl (for lambdakit cost)' })
        .option('drain-timeout', { type: 'number', default: DEFAULT_DRAIN_SECONDS, describe: 'On Ctrl-C, seconds running invocations get to finish before they are stopped (a second Ctrl-C stops at once); unfinished Event invocations resume on the next start' })
        .option('allow-host', { type: 'string', array: true, describe: 'Accept requests whose Host is this name (repeatable; .example.com allows its subdomains too). Only loopback names are accepted otherwise, so web pages cannot reach the API' })
        .option('max-environments', { type: 'number', default: 16, describe: 'Most environments (processes) per function at once; further calls get 429 TooManyRequestsException' })
        .example('$0 local', 'Serve cdk.out on 127.0.0.1:3001')
        .example('aws lambda invoke --endpoint-url http://127.0.0.1:3001 --function-name Api/Hello --cli-binary-format raw-in-base64-out --payload \'{}\' out.json', ''),
    async (args) => {
      checkDrainTimeout(args.drainTimeout);
      const { serveLocal, describeServer, describeStop } = await import('../local');
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app, synthesized } = await assemblyOf(args.app, args.output);
      const local = await serveLocal({ port: args.port, app, synth: args.synth && !synthesized, endpointUrl: args.endpointUrl, reportsFile: args.reports ? undefined : false, maxEnvironments: args.maxEnvironments, allowedHosts: args.allowHost });
      process.stdout.write(describeServer(local));
      await serveUntilStopped(async (abort, signal) => {
        const running = local.runtime.inFlight;
        process.stderr.write(`\n${signal}: ${running ? `letting ${running} running invocation(s) finish (up to ${args.drainTimeout} s; Ctrl-C again stops at once)` : 'stopping'}...\n`);
        const { message, failed } = describeStop(await local.close({ drainMs: args.drainTimeout * 1000, signal: abort }));
        process.stderr.write(message);
        if (failed) process.exitCode = 1;
      });
    },
  );
}
