// The ingest baseline: the same Fastify (same version, same body limit) with
// routes shaped like Herald's that parse the JSON body and answer 201 with an
// echo of it, without validating, authenticating or storing anything.
// Run as a child: node bench/lib/baseline-server.ts <port>
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/events', async (request, reply) => reply.code(201).send(request.body));
app.post('/events/batch', async (request, reply) => {
  const body = request.body as { events: unknown[] };
  return reply.code(201).send({ object: 'list', data: body.events });
});
await app.listen({ host: '127.0.0.1', port });
const stop = () => {
  app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
