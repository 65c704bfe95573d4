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

/** Requests Node's HTTP parser refuses, written byte for byte: [label, bytes]. */
export function malformedRequests(port: number, path: string): Array<[string, string | Buffer]> {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  return [
    ['garbage request line', 'GARBAGE\r\n\r\n'],
    ['unknown HTTP version', `POST ${path} HTTP/9.9\r\n${host}\r\n`],
    ['space in the target', `POST /a b HTTP/1.1\r\n${host}\r\n`],
    ['header without a colon', `POST ${path} HTTP/1.1\r\n${host}Bad Header\r\n\r\n`],
    ['NUL in a header value', `POST ${path} HTTP/1.1\r\n${host}X-Thing: a\0b\r\n\r\n`],
    ['space before the colon', `POST ${path} HTTP/1.1\r\n${host}X-Thing : a\r\n\r\n`],
    ['oversized headers', `POST ${path} HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['non-numeric Content-Length', `POST ${path} HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`],
    ['negative Content-Length', `POST ${path} HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`],
    ['two different Content-Lengths', `POST ${path} HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
    ['Content-Length beyond any number', `POST ${path} HTTP/1.1\r\n${host}Content-Length: 99999999999999999999999\r\n\r\n`],
    ['bad chunk size', `POST ${path} HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`],
    ['chunk without its CRLF', `POST ${path} HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n`],
    ['Content-Length and chunked together', `POST ${path} HTTP/1.1\r\n${host}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
    ['no Host header', `POST ${path} HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}`],
    ['binary noise', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a])],
  ];
}
