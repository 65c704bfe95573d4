import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { LambdakitError } from '../errors';
import { findExecutable, unshim } from '../local/executables';

export interface MotoServer {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** The process id of moto_server (for tests and diagnostics). */
  readonly pid?: number;
  /**
   * Settles when moto exits without close() having been called: it crashed or was killed.
   * Resolves with what happened (exit code or signal, and moto's last error line).
   */
  readonly died: Promise<string>;
  /** Stops moto and waits for it to exit. */
  close(): Promise<void>;
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Runs "$@" (moto) in place of the shell, with a background reader that stops it at end of input. */
const WATCHDOG = 'exec 3<&0; { read -r _ <&3; kill "$$"; } >/dev/null 2>&1 & exec "$@" 3<&- </dev/null';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `moto_server` (the local AWS services) on 127.0.0.1, on the given
 * port or a free one, and waits until it answers. The process is killed when
 * `close()` is called or when this process exits.
 */
export async function startMotoServer(options: { port?: number; host?: string; command?: string } = {}): Promise<MotoServer> {
  const host = options.host ?? '127.0.0.1';
  const command = options.command ?? 'moto_server';
  const executable = findExecutable(command);
  if (!executable) {
    throw new LambdakitError(`${command} is not installed: lambdakit dev serves S3, DynamoDB, SQS, SNS, Kinesis and EventBridge through moto`, {
      code: 'MotoMissing',
      hint: "install it with `pip install 'moto[server]'`, then run lambdakit dev again",
    });
  }
  const port = options.port ?? (await freePort(host));
  if (options.port !== undefined && !(await portFree(port, host))) {
    throw new LambdakitError(`port ${port} on ${host} is already in use, so the local AWS services cannot start there`, { code: 'PortInUse', value: port, hint: 'stop the other process or pass --services-port' });
  }
  // A watchdog shell reads moto's stdin, a pipe only this process writes to: when this
  // process ends in any way (even SIGKILL) the pipe closes and the watchdog stops moto.
  // `exec` makes moto take the shell's pid, so `child` is moto itself.
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'sh', unshim(executable), '-H', host, '-p', String(port)], { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin?.on('error', () => {
    // The watchdog already left: nothing to tell it.
  });
  let log = '';
  // Werkzeug says "Running on http://..." once moto listens: no need to wait for the next probe.
  let listening: () => void = () => undefined;
  const saysListening = new Promise<void>((resolve) => (listening = resolve));
  child.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
    if (log.includes('Running on http')) listening();
  });
  const kill = () => {
    child.kill('SIGKILL');
    child.stdin?.destroy();
  };
  process.once('exit', kill);
  const endpoint = `http://${host}:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      kill();
      process.off('exit', kill);
      throw new LambdakitError(`${command} exited with code ${child.exitCode} before answering: ${log.trim().split('\n').pop() ?? ''}`, { code: 'MotoFailed' });
    }
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      kill();
      process.off('exit', kill);
      throw new LambdakitError(`${command} did not answer on ${endpoint} within 30 s`, { code: 'MotoFailed' });
    }
    await Promise.race([saysListening, new Promise((r) => setTimeout(r, 25))]);
  }
  let closing = false;
  const died = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (closing) return;
      // moto's stderr is mostly its access log; only a line that is not one says why it ended.
      const last = log
        .trim()
        .split('\n')
        .filter((line) => line && !/"[A-Z]+ \S+ HTTP\/[\d.]+" \d{3}/.test(line))
        .pop();
      resolve(`${signal ? `killed by ${signal}` : `exited with code ${code}`}${last ? ` (${last})` : ''}`);
    });
  });
  return {
    port,
    endpoint,
    pid: child.pid,
    died,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        process.off('exit', kill);
        child.stdin?.destroy();
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(kill, 3000).unref();
      }),
  };
}

