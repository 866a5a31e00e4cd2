import { useSessionsTableForProcesses, warmUp } from '../support/dynamodb-local.js';
import { describeOutageUnderLoad } from '../support/outage-under-load.js';

describeOutageUnderLoad('DynamoDB', () => {
  const { local, env } = useSessionsTableForProcesses();
  return {
    env,
    pid: () => local.pid,
    // The JVM's own start, several seconds, is the outage.
    downAfterKill: 0,
    restart: async () => {
      await local.stop();
      await local.start();
      // Back means answering at its usual speed: a restarted emulator's first calls of each kind
      // take over a second while the JVM loads their code, which real DynamoDB does not do.
      const client = local.client();
      try {
        await warmUp(client);
      } finally {
        client.destroy();
      }
    },
  };
});
