import type { Argv } from 'yargs';
import { appOptions } from '../ops/options';

const FORMATS = ['mermaid', 'dot', 'svg', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** The format a file's extension asks for, when --format is not given. */
const FORMAT_OF_EXTENSION: Readonly<Record<string, Format>> = { '.mmd': 'mermaid', '.mermaid': 'mermaid', '.md': 'mermaid', '.dot': 'dot', '.gv': 'dot', '.svg': 'svg', '.json': 'json' };

export function registerGraph(program: Argv): Argv {
  return program.command(
    'graph',
    'Draw the app\'s wiring from its assembly: routes, buckets, queues, topics, streams, rules and schedules → functions → what they use, with dead-letter queues; stacks as groups',
    (y) =>
      appOptions(y, 'the assembly in --output, synthesized from cdk.json when missing')
        .option('format', { type: 'string', describe: `Output format: ${FORMATS.join(', ')} (default: from --out's extension, else mermaid)` })
        .option('stack', { type: 'string', array: true, describe: 'Only this stack and what is wired to it (repeatable)' })
        .option('out', { alias: 'o', type: 'string', describe: 'Write to this file instead of stdout (.svg, .dot, .mmd, .md or .json also choose the format)' })
        .example('$0 graph', 'Mermaid flowchart of the app in cdk.out (paste it into a README inside a ```mermaid block)')
        .example('$0 graph --format svg --out wiring.svg', 'An SVG laid out by Graphviz; each node\'s <g> has the node\'s id')
        .example('$0 graph --stack Api --format dot', 'Only the Api stack and what it is wired to, as Graphviz DOT')
        .example('$0 graph --app "npx tsx bin/app.ts"', 'Synthesize another app first'),
    async (args) => {
      const fs = await import('node:fs');
      const path = await import('node:path');
      const { LambdakitError } = await import('../errors');
      const format = formatOf(args.format, args.out);
      if (!format) {
        throw new LambdakitError(`unknown format ${args.format}; choose one of ${FORMATS.join(', ')}`, { code: 'UnknownFormat', value: args.format, hint: `pass --format ${FORMATS.join('|')}` });
      }
      const { assemblyOf } = await import('../ops/app');
      const { assembly: dir, synthesized } = await assemblyOf(args.app, args.output);
      if (!synthesized && args.app === undefined && !fs.existsSync(path.join(dir, 'manifest.json'))) {
        // No assembly yet: synthesize cdk.json's app, as cost and dev do.
        const { synthesize, tail } = await import('../assembly/synth');
        const result = await synthesize({ output: dir });
        if (result.exitCode !== 0) throw new LambdakitError(`synth failed (exit code ${result.exitCode}):\n${tail(result.stderr || result.stdout)}`, { code: 'SynthFailed', hint: 'fix the app, then run the command again' });
      }
      const { readAssembly } = await import('../assembly/read');
      const graph = await import('../assembly/graph');
      const model = graph.buildGraph(readAssembly(dir), { stacks: args.stack });
      const text = format === 'svg' ? await graph.toSvg(model) : format === 'dot' ? graph.toDot(model) : format === 'json' ? `${JSON.stringify(model, null, 2)}\n` : graph.toMermaid(model);
      if (args.out) {
        fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
        fs.writeFileSync(args.out, text);
        process.stderr.write(`lambdakit: ${model.nodes.length} nodes, ${model.edges.length} edges → ${args.out}\n`);
      } else {
        process.stdout.write(text);
      }
    },
  );
}

function formatOf(format: string | undefined, out: string | undefined): Format | undefined {
  if (format !== undefined) return (FORMATS as readonly string[]).includes(format) ? (format as Format) : undefined;
  const extension = out ? out.slice(out.lastIndexOf('.')).toLowerCase() : '';
  return FORMAT_OF_EXTENSION[extension] ?? 'mermaid';
}
