import type { RedisStoreClient } from './redis-store.options.js';

const SLOTS = 16384;

/** A connection of an ioredis Cluster to one of its nodes. */
interface ClusterNodeClient {
  readonly options: { host?: string; port?: number };
  ping(): Promise<unknown>;
}

/**
 * What the check reads of an ioredis Cluster besides RedisStoreClient: its map of which node
 * serves each slot, first the master, and its open connections. ioredis 5 and 6 both have these.
 */
interface ClusterClient extends RedisStoreClient {
  readonly isCluster: true;
  readonly slots: (readonly string[] | undefined)[];
  nodes(role: 'all'): ClusterNodeClient[];
  refreshSlotsCache(callback: () => void): void;
}

const isCluster = (client: RedisStoreClient): client is ClusterClient => (client as { isCluster?: unknown }).isCluster === true;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Resolves when every Redis node the store's commands can reach answers PING: the server, or
 * the master Sentinel named (the client follows it), or each master of a Cluster, which serves
 * its share of the sessions. Throws an error naming what did not answer.
 */
export async function pingRedis(client: RedisStoreClient): Promise<void> {
  if (isCluster(client)) return pingEveryMaster(client);
  try {
    await client.ping();
  } catch (error) {
    throw new Error(`PING failed with the connection ${client.status}: ${messageOf(error)}`);
  }
}

/** Masters by the client's slot map, and how many slots have none. */
function mastersOf(cluster: ClusterClient): { masters: Set<string>; unserved: number } {
  const masters = new Set<string>();
  let unserved = 0;
  for (let slot = 0; slot < SLOTS; slot++) {
    const master = cluster.slots[slot]?.[0];
    if (master === undefined) unserved++;
    else masters.add(master);
  }
  return { masters, unserved };
}

/** The open connection to each node, by ioredis' node key `host:port`. */
const connectionsOf = (cluster: ClusterClient) =>
  new Map(cluster.nodes('all').map((node) => [`${node.options.host}:${node.options.port}`, node]));

async function pingEveryMaster(cluster: ClusterClient): Promise<void> {
  let { masters, unserved } = mastersOf(cluster);
  let connections = connectionsOf(cluster);
  // ioredis drops a node's connection once it closes and opens it again only when it next
  // reads the slot map: ask for that now rather than report a master that may be back.
  if (unserved > 0 || [...masters].some((master) => !connections.has(master))) {
    await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
    ({ masters, unserved } = mastersOf(cluster));
    connections = connectionsOf(cluster);
  }
  if (masters.size === 0) throw new Error(`no Redis Cluster slot map yet (client ${cluster.status})`);
  const failures = await Promise.all(
    [...masters].map(async (master) => {
      const node = connections.get(master);
      if (!node) return `master ${master}: no connection`;
      return node.ping().then(
        () => undefined,
        (error: unknown) => `master ${master}: ${messageOf(error)}`,
      );
    }),
  );
  const problems = failures.filter((failure) => failure !== undefined);
  if (unserved > 0) problems.unshift(`${unserved} of ${SLOTS} slots have no master`);
  if (problems.length > 0) throw new Error(`Redis Cluster: ${problems.join('; ')}`);
}
