import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildProgram } from '../../lib/cli/program';
import { runCli } from './run-cli';

/** What `lambdakit <args>` prints for --help, from the program itself (in this process: one CLI start per command would cost seconds). */
function helpOf(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    buildProgram(args)
      .exitProcess(false)
      .parse(args, {}, (error, _argv, output) => (error ? reject(error) : resolve(output)));
  });
}

describe('lambdakit --help', () => {
  const helps = new Map<string, string>();
  before(async () => {
    const top = await helpOf(['--help']);
    const commands = [...top.matchAll(/^ {2}lambdakit (\w[\w-]*)/gm)].map((m) => m[1]);
    assert.ok(commands.length >= 11, top);
    for (const command of commands) helps.set(command, await helpOf([command, '--help']));
  });

  it('shows examples for every command', async () => {
    for (const [command, help] of helps) assert.match(help, new RegExp(`\\nExamples:\\n {2}lambdakit ${command}\\b`), `${command} --help has no examples`);
    // And as a user runs it: the CLI prints the same help and exits 0.
    const cli = await runCli(['status', '--help']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /\nExamples:\n {2}lambdakit status\b/);
  });

  it('dev says moto_server must be on PATH and how to install it', () => {
    const help = helps.get('dev')!;
    assert.match(help, /`moto_server` must be on PATH/);
    assert.match(help, /pip install\s+"moto\[server\]"/);
  });

  it('--app means the same in every command that takes it: an assembly directory or an app command', () => {
    for (const command of ['check', 'status', 'promote', 'invoke', 'local', 'dev', 'cost']) {
      assert.match(helps.get(command)!.replace(/\s+/g, ' '), /--app CDK app: a cloud assembly directory \(holds manifest.json\), or the command that synthesizes it/, command);
    }
  });
});
