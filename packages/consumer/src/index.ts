// herald-consumer: the receiving side of Herald.

export { expressWebhookHandler } from './adapters/express.ts';
export {
  type FastifyLike,
  type FastifyWebhookOptions,
  fastifyWebhookPlugin,
} from './adapters/fastify.ts';
export { BodyTooLargeError, nodeWebhookHandler, readRawBody } from './adapters/node-http.ts';
export type { WebhookHandlerOptions } from './adapters/receive.ts';
export {
  type Bookmark,
  ConsumeHttpError,
  type ConsumeOptions,
  consume,
  type SequenceGap,
} from './consume.ts';
export {
  type DedupeResult,
  Deduper,
  type DedupeStore,
  MemoryDedupeStore,
  type MemoryDedupeStoreOptions,
} from './dedupe.ts';
export {
  InvalidPayloadError,
  InvalidTimestampError,
  MissingHeaderError,
  SignatureMismatchError,
  TimestampOutOfToleranceError,
  WebhookVerificationError,
} from './errors.ts';
export { FileDedupeStore, type FileDedupeStoreOptions } from './file-dedupe-store.ts';
export {
  StaleGuard,
  type StaleGuardOptions,
  type StaleGuardResult,
  type Version,
} from './stale-guard.ts';
export type { HeadersLike, HeraldEvent } from './types.ts';
export { DEFAULT_TOLERANCE_SECONDS, parseEvents, type VerifyOptions, verify } from './verify.ts';
