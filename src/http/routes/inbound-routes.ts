// POST /inbound/{source_id}: third parties' webhooks. No API key: the
// source's scheme verifies the request, which needs the exact bytes, so this
// plugin reads every body as a Buffer whatever its content type.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { InboundHeaders } from '../../domain/inbound-signature.ts';
import type { InboundReceiver } from '../../services/inbound-receiver.ts';
import { Problem } from '../schemas/common-schemas.ts';
import { InboundParams, InboundReceiptOut } from '../schemas/source-schemas.ts';

export interface InboundRouteDeps {
  receiver: InboundReceiver;
  maxEventBytes: number;
}

function plainHeaders(raw: Record<string, string | string[] | undefined>): InboundHeaders {
  const out: InboundHeaders = {};
  for (const [k, v] of Object.entries(raw)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export const inboundRoutes =
  (deps: InboundRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );

    app.post(
      '/inbound/:source_id',
      {
        bodyLimit: deps.maxEventBytes,
        schema: {
          operationId: 'receiveInbound',
          tags: ['sources'],
          summary:
            "Receive a third party's webhook: verified by the source's scheme, stored as one event (a provider's retry is deduplicated by its event id), answered after the commit",
          security: [],
          params: InboundParams,
          response: {
            200: InboundReceiptOut,
            400: Problem,
            401: Problem,
            404: Problem,
            413: Problem,
            422: Problem,
          },
        },
      },
      async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const receipt = await deps.receiver.receive(
          request.params.source_id,
          plainHeaders(request.headers),
          body,
        );
        return {
          object: 'inbound_receipt' as const,
          event_id: receipt.event.id,
          sequence: receipt.event.sequence,
          replayed: receipt.replayed,
        };
      },
    );
  };
