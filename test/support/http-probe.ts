import { Agent, type OutgoingHttpHeaders, request } from 'node:http';
import { createConnection } from 'node:net';

export interface ProbeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ProbeRequest {
  method?: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  /** Sent as JSON. */
  json?: unknown;
}

/**
 * An HTTP client over kept-alive connections to one local port, for the many small requests of
 * fuzzing and load loops, where a new connection per request would cost more than the request.
 */
export class KeptAliveClient {
  private readonly agent: Agent;

  constructor(
    readonly port: number,
    sockets = 1,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  send({ method = 'GET', path, headers = {}, json }: ProbeRequest, timeout = 10_000): Promise<ProbeResponse> {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const all: OutgoingHttpHeaders = body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers: all, agent: this.agent, timeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} within ${timeout} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Bytes Node's own client refuses to put in a header value (it checks before sending). */
export const sendableHeaderValue = (value: string): boolean => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);

/**
 * Sends `GET path` with the given header lines as raw latin1 bytes on a fresh connection, for
 * values no HTTP client would send (control bytes, bare CR or LF). Resolves to the status code.
 */
export function rawGet(port: number, path: string, headerLines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let received = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to raw GET ${path}`)));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(received);
      if (status) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('close', () => reject(new Error(`connection closed without a status line: ${JSON.stringify(received)}`)));
    socket.on('connect', () => {
      const head = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headerLines, '', ''].join('\r\n');
      socket.end(Buffer.from(head, 'latin1'));
    });
  });
}
