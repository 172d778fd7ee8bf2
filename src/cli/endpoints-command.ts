// `herald endpoints list|get|create|update|delete|enable|disable|test`.
// The common fields have flags; any other field of the API's body goes in
// `--body JSON` (merged under the flags), so nothing the API takes is out of reach.
import { Command } from 'commander';
import {
  type ApiOptions,
  addApiOptions,
  type HeraldApi,
  parseJsonObject,
  withApi,
} from './api-client.ts';
import { deliveryRecord } from './deliveries-command.ts';
import { col, printJson, printRecord, printTable, type Row } from './output.ts';

const ENDPOINT_COLUMNS = [
  col('ID', 'id'),
  col('URL', 'url'),
  { header: 'STATE', value: (r: Row) => (r.active ? 'active' : `disabled`) },
  col('EVENTS', 'events'),
  col('FORMAT', 'format'),
  col('DESCRIPTION', 'description'),
];

interface FieldFlags {
  events?: string;
  description?: string;
  format?: string;
  organization?: string;
  body?: string;
}

function withFieldFlags(cmd: Command): Command {
  return cmd
    .option('--events <types>', 'event types or wildcards, comma-separated: user.*,order.paid')
    .option('--description <text>', 'a description')
    .option('--format <format>', 'json, json_array or json_lines')
    .option('--organization <id>', 'only events of this organization')
    .option('--body <json>', 'any other fields of the request body, as a JSON object');
}

function bodyFrom(cmd: Command, o: FieldFlags): Record<string, unknown> {
  const body: Record<string, unknown> = { ...parseJsonObject(cmd, '--body', o.body) };
  if (o.events !== undefined) body.events = o.events.split(',').map((s) => s.trim());
  if (o.description !== undefined) body.description = o.description;
  if (o.format !== undefined) body.format = o.format;
  if (o.organization !== undefined) body.organization_id = o.organization;
  return body;
}

function show(opts: ApiOptions, ep: Row): void {
  if (opts.json) printJson(ep);
  else printRecord(ep, ['object']);
}

export function endpointsCommand(): Command {
  const endpoints = new Command('endpoints').description('manage webhook endpoints');
  const id = (c: Command) => c.argument('<id>', 'endpoint id (ep_…)');
  const simple = (
    name: string,
    description: string,
    run: (api: HeraldApi, id: string, opts: ApiOptions) => Promise<void>,
  ) => {
    const c = id(new Command(name).description(description));
    addApiOptions(c).action((epId: string, opts: ApiOptions) =>
      withApi(c, opts, (api) => run(api, epId, opts)),
    );
    return c;
  };

  const list = new Command('list')
    .description('list endpoints, oldest first')
    .option('--after <id>', 'cursor: endpoints after this id')
    .option('--limit <n>', 'page size, 1 to 100', '100');
  addApiOptions(list).action((opts: ApiOptions & { after?: string; limit: string }) =>
    withApi(list, opts, async (api) => {
      const page = await api.get<{ data: Row[]; list_metadata: { after: string | null } }>(
        '/endpoints',
        { after: opts.after, limit: opts.limit },
      );
      if (opts.json) return printJson(page);
      printTable(page.data, ENDPOINT_COLUMNS);
      if (page.list_metadata.after)
        process.stderr.write(`more: --after ${page.list_metadata.after}\n`);
    }),
  );

  const create = withFieldFlags(
    new Command('create')
      .description('create an endpoint; prints its signing secret (shown only now)')
      .argument('<endpoint-url>', 'where Herald POSTs the events'),
  ).option('--secret <whsec>', 'use this signing secret instead of a generated one');
  addApiOptions(create).action((url: string, opts: ApiOptions & FieldFlags & { secret?: string }) =>
    withApi(create, opts, async (api) => {
      const body: Record<string, unknown> = { ...bodyFrom(create, opts), url };
      if (opts.secret !== undefined) body.secret = opts.secret;
      show(opts, await api.post<Row>('/endpoints', body));
    }),
  );

  const update = withFieldFlags(
    id(new Command('update').description('change an endpoint; omitted fields keep their value')),
  ).option('--endpoint-url <url>', 'a new URL');
  addApiOptions(update).action(
    (epId: string, opts: ApiOptions & FieldFlags & { endpointUrl?: string }) =>
      withApi(update, opts, async (api) => {
        const body = bodyFrom(update, opts);
        if (opts.endpointUrl !== undefined) body.url = opts.endpointUrl;
        if (Object.keys(body).length === 0) {
          update.error('update needs at least one field to change', { exitCode: 2 });
        }
        show(
          opts,
          await api.call<Row>('PATCH', `/endpoints/${encodeURIComponent(epId)}`, { body }),
        );
      }),
  );

  const path = (epId: string, rest = '') => `/endpoints/${encodeURIComponent(epId)}${rest}`;
  return endpoints
    .addCommand(list)
    .addCommand(
      simple('get', 'show an endpoint', async (api, epId, opts) =>
        show(opts, await api.get<Row>(path(epId))),
      ),
    )
    .addCommand(create)
    .addCommand(update)
    .addCommand(
      simple('delete', 'delete an endpoint with its deliveries', async (api, epId, opts) => {
        await api.call('DELETE', path(epId));
        if (opts.json) printJson({ object: 'endpoint', id: epId, deleted: true });
        else process.stdout.write(`deleted ${epId}\n`);
      }),
    )
    .addCommand(
      simple('enable', 'enable an endpoint', async (api, epId, opts) =>
        show(opts, await api.post<Row>(path(epId, '/enable'))),
      ),
    )
    .addCommand(
      simple('disable', 'disable an endpoint; events accumulate', async (api, epId, opts) =>
        show(opts, await api.post<Row>(path(epId, '/disable'))),
      ),
    )
    .addCommand(
      simple('test', 'send a herald.test event to the endpoint', async (api, epId, opts) =>
        deliveryRecord(opts, await api.post<Row>(path(epId, '/test'))),
      ),
    );
}
