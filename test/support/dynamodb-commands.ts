import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Records the name of every command sent through the client (`GetItem`, `Query`...), before retries. */
export function recordCommands(client: DynamoDBClient, name: string): string[] {
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name },
  );
  return commands;
}
