import * as net from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Everything the server sent. */
  readonly raw: string;
}

/**
 * Writes raw bytes to a server and resolves with the first response it sends back, once that
 * response is complete (by its Content-Length) or the server closed the connection: the positive
 * signal tests wait for, never a sleep.
 */
export function rawRequest(port: number, bytes: string | Buffer | Array<string | Buffer>, options: { endAfterWrite?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = () => {
      if (settled) return;
      const parsed = parse(received);
      if (!parsed) return;
      settled = true;
      socket.destroy();
      resolve(parsed);
    };
    socket.on('connect', () => {
      for (const part of [bytes].flat()) socket.write(part);
      if (options.endAfterWrite) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = parse(received);
      if (parsed && Buffer.byteLength(parsed.body) >= Number(parsed.headers['content-length'] ?? Infinity)) finish();
    });
    socket.on('error', (error) => {
      if (!settled && received.length === 0) {
        settled = true;
        reject(error);
      }
    });
    socket.on('close', () => {
      finish();
      if (!settled) reject(new Error(`the server closed the connection without an answer (received ${JSON.stringify(received.toString('latin1'))})`));
    });
  });
}

function parse(received: Buffer): RawResponse | undefined {
  const text = received.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: received.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1')).toString('utf8'), raw: text };
}
