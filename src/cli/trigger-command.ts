// `herald trigger TYPE`: publishes one event (POST /events), like `stripe trigger`.
import { Command } from 'commander';
import { type ApiOptions, addApiOptions, parseJsonObject, withApi } from './api-client.ts';
import { printJson, printRecord, type Row } from './output.ts';

export function triggerCommand(): Command {
  const cmd = new Command('trigger')
    .description('publish one event')
    .argument('<type>', 'event type, e.g. user.created')
    .option('--data <json>', 'the event payload, a JSON object', '{}')
    .option('--organization <id>', 'organization the event belongs to')
    .option('--idempotency-key <key>', 'publishing the same key again returns the first event');
  addApiOptions(cmd).action(
    async (
      type: string,
      opts: ApiOptions & { data: string; organization?: string; idempotencyKey?: string },
    ) => {
      const data = parseJsonObject(cmd, '--data', opts.data);
      await withApi(cmd, opts, async (api) => {
        const event = await api.post<Row>('/events', {
          event: type,
          data,
          ...(opts.organization ? { organization_id: opts.organization } : {}),
          ...(opts.idempotencyKey ? { id: opts.idempotencyKey } : {}),
        });
        if (opts.json) printJson(event);
        else printRecord(event, ['object', 'context']);
      });
    },
  );
  return cmd;
}
