import type { Argv } from 'yargs';
import { EVENT_OPTIONS } from '../events/sources';

export function registerEvent(program: Argv): Argv {
  return program.command(
    'event [type]',
    'Print a sample event of an event source (http-api, sqs, dynamodb, ...) as JSON; --list names them',
    (y) => {
      let command = y
        .positional('type', { type: 'string', describe: 'Event source, e.g. http-api, sqs, s3-put (see --list)' })
        .option('list', { type: 'boolean', default: false, describe: 'List the event sources and their options' })
        .example('$0 event http-api --route-key "GET /users/{id}" --path /users/42', '')
        .example('$0 event sqs --body \'{"n":1}\' --body \'{"n":2}\'', '')
        .example('$0 event dynamodb --keys \'{"id":"1"}\' --new-image \'{"name":"Ada"}\'', '');
      for (const [name, spec] of Object.entries(EVENT_OPTIONS)) {
        // Repeatable options arrive as an array when given twice; the builders check how many they accept.
        command = command.option(name, { type: spec.type, describe: spec.describe, ...(spec.repeatable ? { array: true, nargs: 1 } : {}) });
      }
      return command;
    },
    async (args) => {
      const { listEventSources, sampleEvent } = await import('../events/sources');
      if (args.list || !args.type) {
        if (!args.list) process.exitCode = 1;
        const sources = listEventSources();
        const width = Math.max(...sources.map((s) => s.name.length));
        const out = args.list ? process.stdout : process.stderr;
        if (!args.list) out.write('lambdakit: name an event source:\n');
        for (const s of sources) out.write(`${s.name.padEnd(width)}  ${s.description}\n${' '.repeat(width + 2)}${s.options.map((o) => `--${o}`).join(' ')}\n`);
        return;
      }
      const flags: Record<string, string | readonly string[] | boolean | undefined> = {};
      for (const name of Object.keys(EVENT_OPTIONS)) flags[name] = args[name] as string | string[] | boolean | undefined;
      process.stdout.write(`${JSON.stringify(sampleEvent(args.type, flags), null, 2)}\n`);
    },
  );
}
