import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './run-cli';

describe('lambdakit --help', () => {
  it('shows examples for every command', async () => {
    const top = await runCli(['--help']);
    const commands = [...top.stdout.matchAll(/^ {2}lambdakit (\w[\w-]*)/gm)].map((m) => m[1]);
    assert.ok(commands.length >= 11, top.stdout);
    const helps = await Promise.all(commands.map(async (command) => ({ command, help: await runCli([command, '--help']) })));
    for (const { command, help } of helps) {
      assert.equal(help.code, 0, `${command}: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`\\nExamples:\\n {2}lambdakit ${command}\\b`), `${command} --help has no examples`);
    }
  });

  it('dev says moto_server must be on PATH and how to install it', async () => {
    const help = await runCli(['dev', '--help']);
    assert.match(help.stdout, /`moto_server` must be on PATH/);
    assert.match(help.stdout, /pip install\s+"moto\[server\]"/);
  });

  it('--app means the same in every command that takes it: an assembly directory or an app command', async () => {
    for (const command of ['check', 'status', 'promote', 'invoke', 'local', 'dev', 'cost']) {
      const help = await runCli([command, '--help']);
      assert.match(help.stdout.replace(/\s+/g, ' '), /--app CDK app: a cloud assembly directory \(holds manifest.json\), or the command that synthesizes it/, command);
    }
  });
});
