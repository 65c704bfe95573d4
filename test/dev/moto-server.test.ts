import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { LambdakitError } from '../../lib/errors';
import { startMotoServer } from '../../lib/dev/moto-server';
import { findExecutable, unshim } from '../../lib/local/executables';

const answers = async (endpoint: string) => {
  try {
    return (await fetch(`${endpoint}/moto-api/`)).ok;
  } catch {
    return false;
  }
};

test('moto_server starts on a free port of 127.0.0.1, answers, and is gone after close()', async () => {
  const moto = await startMotoServer();
  try {
    assert.match(moto.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(moto.endpoint, `http://127.0.0.1:${moto.port}`);
    assert.equal(await answers(moto.endpoint), true);
  } finally {
    await moto.close();
  }
  assert.equal(await answers(moto.endpoint), false);
  await moto.close(); // a second close is harmless
});

test('a missing moto_server is one LambdakitError saying how to install it', async () => {
  await assert.rejects(
    startMotoServer({ command: 'moto_server_that_is_not_installed' }),
    (error: unknown) =>
      error instanceof LambdakitError && error.code === 'MotoMissing' && !error.message.includes('\n') && /not installed/.test(error.message) && error.hint === "install it with `pip install 'moto[server]'`, then run lambdakit dev again",
  );
});

test('a requested port that is taken is a LambdakitError naming the port', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as net.AddressInfo;
  try {
    await assert.rejects(startMotoServer({ port }), (error: unknown) => error instanceof LambdakitError && error.code === 'PortInUse' && error.message.includes(`port ${port}`));
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});

for (const [how, ending] of [
  ['exits', 'process.exit(0)'],
  ['is killed with SIGKILL', "process.kill(process.pid, 'SIGKILL')"],
] as const) {
  test(`moto_server does not outlive the process that started it when that process ${how}`, async () => {
    const root = path.resolve(__dirname, '..', '..');
    const script = `const { startMotoServer } = require('./lib/dev/moto-server'); startMotoServer().then((m) => { console.log(m.endpoint); ${ending}; });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    const endpoint = out.trim();
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    // moto is stopped as the process goes; wait (bounded) for its socket to close.
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = await answers(endpoint);
      if (alive) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(alive, false);
  });
}

test('a pyenv shim is bypassed for the program of the version pyenv would select; anything unclear keeps the shim', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-pyenv-'));
  try {
    const program = (file: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
      return file;
    };
    const shim = program(path.join(root, 'shims', 'moto_server'));
    const v311 = program(path.join(root, 'versions', '3.11.7', 'bin', 'moto_server'));
    const v312 = program(path.join(root, 'versions', '3.12.1', 'bin', 'moto_server'));
    fs.mkdirSync(path.join(root, 'versions', '3.13.0', 'bin'), { recursive: true }); // no moto there
    const project = path.join(root, 'project', 'sub');
    fs.mkdirSync(project, { recursive: true });
    const env = { PYENV_ROOT: root };

    assert.equal(unshim(shim, env, project), shim, 'no version selected: the shim');
    fs.writeFileSync(path.join(root, 'version'), '3.11.7\n');
    assert.equal(unshim(shim, env, project), v311, "pyenv's global version");
    fs.writeFileSync(path.join(root, 'project', '.python-version'), '3.13.0\n3.12.1\n');
    assert.equal(unshim(shim, env, project), v312, 'the nearest .python-version, its first version that has the program');
    assert.equal(unshim(shim, { ...env, PYENV_VERSION: '3.11.7' }, project), v311, 'PYENV_VERSION first');
    assert.equal(unshim(shim, { ...env, PYENV_VERSION: 'system' }, project), shim, 'the system Python: the shim decides');
    assert.equal(unshim(v311, env, project), v311, 'not a shim: itself');
    assert.equal(findExecutable('moto_server', { PATH: [path.join(root, 'nowhere'), path.join(root, 'shims')].join(path.delimiter) }), shim);
    assert.equal(findExecutable('moto_server', { PATH: path.join(root, 'nowhere') }), undefined);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
