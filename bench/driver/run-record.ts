import type { DynamoDbCost } from './dynamodb-cost.js';
import type { DynamoDbCalls } from './dynamodb-proxy.js';

/** One measured window of one variant: everything the results JSON keeps per run. */
export interface RunRecord {
  round: number;
  variant: string;
  startedAt: string;
  /** Responses autocannon counted in the window. */
  requests: number;
  /** Requests the server answered, those autocannon gave up on at the end included; the per-request costs divide by this. */
  served: number;
  requestsPerSecond: number;
  /** Latency in milliseconds. */
  p50: number;
  p99: number;
  /** Non-2xx responses, errors and timeouts; a run with any is left out of the medians. */
  failures: number;
  seconds: number;
  /** The server process's own user + system CPU time per request. */
  serverCpuMicrosPerRequest: number;
  /** The part of it spent in the kernel (socket writes and reads), which a busy machine inflates most. */
  serverSystemCpuMicrosPerRequest: number;
  /** CPU time of redis-server or the DynamoDB Local JVM per request, when the variant uses one. */
  storeCpuMicrosPerRequest?: number;
  /** Store commands per request: Redis commands in lower case, DynamoDB operations as named. */
  storeOperationsPerRequest: Record<string, number>;
  dynamodb?: { calls: DynamoDbCalls; cost: DynamoDbCost };
  /**
   * CPU the rest of the machine used during the window, in cores (of 2): everything but this
   * server, its store and the driver (autocannon). Other work on a shared machine shows here.
   */
  otherCpuCores: number;
}
