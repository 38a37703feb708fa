/** dynalite started in this process on 127.0.0.1, a table like the platform's (pk/sk), and a request recorder. */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { dynamoTableDefinition } from '../src/dynamodb.js';

export interface RecordedRequest {
  command: string;
  input: Record<string, unknown>;
}

export interface DynamoHarness {
  doc: DynamoDBDocumentClient;
  requests: RecordedRequest[];
  createTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<DynamoHarness> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'test-only', secretAccessKey: 'test-only' },
  });
  const requests: RecordedRequest[] = [];
  // What leaves the SDK after marshalling: the keys IAM would evaluate.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push({ command: context.commandName ?? '?', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordRequests' },
  );
  const doc = DynamoDBDocumentClient.from(client);
  return {
    doc,
    requests,
    createTable: async (name) => {
      try {
        await client.send(new CreateTableCommand(dynamoTableDefinition(name)));
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
      }
    },
    stop: async () => {
      doc.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
