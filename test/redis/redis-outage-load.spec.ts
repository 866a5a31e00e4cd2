import { DOWN_FOR, describeOutageUnderLoad } from '../support/outage-under-load.js';
import { useRedisServer } from '../support/redis-server.js';

describeOutageUnderLoad('Redis', () => {
  // Persistent (fsync on every write), so that a SIGKILL loses no session.
  const server = useRedisServer({ persistent: true });
  return {
    env: () => ({ SESSION_STORE: 'redis', SESSION_REDIS_URL: server.url }),
    pid: () => server.pid,
    downAfterKill: DOWN_FOR,
    restart: async () => {
      // stop() of a process that is gone only forgets it; start() then launches a new one.
      await server.stop();
      await server.start();
    },
  };
});
