import type { Argv } from 'yargs';

export function registerLocal(program: Argv): Argv {
  return program.command(
    'local',
    "Serve the assembly's functions on Lambda's Invoke API (127.0.0.1) in local execution environments, no Docker",
    (y) =>
      y
        .option('port', { type: 'number', default: 3001, describe: 'Port of the Invoke API (0 picks a free one)' })
        .option('app', { type: 'string', default: 'cdk.out', describe: 'Cloud assembly directory (synthesized first when missing)' })
        .option('synth', { type: 'boolean', default: false, describe: 'Synthesize the app (cdk.json) before serving' })
        .option('endpoint-url', { type: 'string', describe: 'Local AWS services (e.g. moto): receive dead letters and destination records, and are the functions\' AWS_ENDPOINT_URL (default: AWS_ENDPOINT_URL)' })
        .option('reports', { type: 'boolean', default: true, describe: 'Append every REPORT to .lambdakit/local-reports.jsonl (for lambdakit cost)' })
        .option('allow-host', { type: 'string', array: true, describe: 'Accept requests whose Host is this name (repeatable; .example.com allows its subdomains too). Only loopback names are accepted otherwise, so web pages cannot reach the API' })
        .option('max-environments', { type: 'number', default: 16, describe: 'Most environments (processes) per function at once; further calls get 429 TooManyRequestsException' }),
    async (args) => {
      const { serveLocal, describeServer } = await import('../local');
      const local = await serveLocal({ port: args.port, app: args.app, synth: args.synth, endpointUrl: args.endpointUrl, reportsFile: args.reports ? undefined : false, maxEnvironments: args.maxEnvironments, allowedHosts: args.allowHost });
      process.stdout.write(describeServer(local));
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      process.stderr.write(`\n${signal}: draining asynchronous invocations...\n`);
      const { undelivered, requestIds } = await local.close({ drainMs: 5_000 });
      if (undelivered > 0) {
        process.stderr.write(`lambdakit: ${undelivered} asynchronous invocation(s) were not finished: ${requestIds.join(', ')}\n`);
        process.exitCode = 1;
      }
    },
  );
}
