// Herald calls the scenarios share: endpoints (the push-delivery API) and
// fast bulk publishing over HTTP.
import { type Api, batchBody } from './load.ts';

/** Creates an endpoint; throws (the scenario is then "not runnable") if the API refuses. */
export async function createEndpoint(
  client: Api,
  body: { url: string; max_concurrency?: number; active?: boolean },
): Promise<string> {
  const res = await client.call('POST', '/endpoints', JSON.stringify(body));
  if (res.status !== 201 || typeof res.body?.id !== 'string') {
    throw new Error(`POST /endpoints answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body.id as string;
}

export async function setEndpointActive(client: Api, id: string, active: boolean): Promise<void> {
  const res = await client.call('POST', `/endpoints/${id}/${active ? 'enable' : 'disable'}`);
  if (res.status !== 200) throw new Error(`enable/disable answered ${res.status}`);
}

export async function deleteEndpoint(client: Api, id: string): Promise<void> {
  const res = await client.call('DELETE', `/endpoints/${id}`);
  if (res.status !== 204) throw new Error(`DELETE /endpoints answered ${res.status}`);
}

/**
 * Publishes events from..from+count-1 (data.n) in batches with a few
 * concurrent requests; resolves with the number of events not accepted.
 */
export async function publishBatches(
  client: Api,
  from: number,
  count: number,
  batchSize = 500,
  concurrency = 4,
): Promise<number> {
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const start = next;
        const size = Math.min(batchSize, count - start);
        next += size;
        const res = await client.call('POST', '/events/batch', batchBody(from + start, size));
        if (res.status !== 201) failed += size;
      }
    }),
  );
  return failed;
}
