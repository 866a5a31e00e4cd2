import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { once } from 'node:events';
import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import { itemSize } from '../../src/stores/dynamodb/dynamodb-item.js';

/** What DynamoDB was asked during a window, by operation, as the pricing needs it. */
export interface DynamoDbCalls {
  /** Calls per operation (`GetItem`, `UpdateItem`, ...). */
  operations: Record<string, number>;
  /** GetItem calls that asked for a strongly consistent read. */
  consistentReads: number;
  /** Largest item a GetItem returned, in bytes by DynamoDB's size rules. */
  largestItemBytes: number;
}

/**
 * A counting HTTP proxy in front of DynamoDB Local. Both our store and connect-dynamodb talk to
 * it, so their calls are counted the same way, on the wire, whatever their SDK does (retries
 * included). Every request and response is small, so each is buffered whole.
 */
export class DynamoDbProxy {
  private calls: DynamoDbCalls = emptyCalls();
  private readonly agent = new Agent({ keepAlive: true });
  private server?: Server;

  constructor(private readonly target: URL) {}

  /** Listens on a free loopback port and returns the endpoint to hand to the servers. */
  async start(): Promise<string> {
    this.server = createServer((incoming, outgoing) => void this.forward(incoming, outgoing));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** The calls since the last call of this method. */
  take(): DynamoDbCalls {
    const taken = this.calls;
    this.calls = emptyCalls();
    return taken;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async forward(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const body = await readAll(incoming);
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    this.calls.operations[operation] = (this.calls.operations[operation] ?? 0) + 1;
    if (operation === 'GetItem' && (JSON.parse(body.toString()) as { ConsistentRead?: boolean }).ConsistentRead === true) {
      this.calls.consistentReads++;
    }
    const upstream = request(this.target, { method: incoming.method, path: incoming.url, headers: incoming.headers, agent: this.agent });
    upstream.end(body);
    try {
      const [answer] = (await once(upstream, 'response')) as [IncomingMessage];
      const answerBody = await readAll(answer);
      if (operation === 'GetItem' && answer.statusCode === 200) {
        const { Item } = JSON.parse(answerBody.toString()) as { Item?: Record<string, AttributeValue> };
        if (Item) this.calls.largestItemBytes = Math.max(this.calls.largestItemBytes, itemSize(Item));
      }
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      outgoing.end(answerBody);
    } catch (error) {
      outgoing.writeHead(502);
      outgoing.end(String(error));
    }
  }
}

function emptyCalls(): DynamoDbCalls {
  return { operations: {}, consistentReads: 0, largestItemBytes: 0 };
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
