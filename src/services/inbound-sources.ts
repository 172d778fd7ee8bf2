// Inbound source management: the rules over a source's secret and type
// prefix that a route schema cannot express, then the store.
import { randomBytes } from 'node:crypto';
import type {
  InboundScheme,
  InboundSourceConfig,
  InboundSourceRow,
} from '../domain/inbound-source.ts';
import { HeraldError } from '../domain/problem.ts';
import { generateSecret, isValidSecret } from '../domain/signature.ts';
import type { Store } from '../store/store.ts';

/** Empty, or dot-terminated segments: `stripe.`, `acme.billing.`. */
export const TYPE_PREFIX_PATTERN = '^([A-Za-z0-9_]+\\.)*$';
const TYPE_PREFIX_RE = new RegExp(TYPE_PREFIX_PATTERN);
/** A shared token shorter than this is guessable. */
const TOKEN_MIN_LENGTH = 16;

export interface SourceInput {
  name: string;
  scheme: InboundScheme;
  secret?: string;
  type_prefix?: string;
}

export type SourceChanges = Partial<SourceInput>;

/** Secrets Herald can make: the two schemes where the sender takes a secret from us. */
function generatedSecret(scheme: InboundScheme): string | null {
  if (scheme === 'standard_webhooks') return generateSecret();
  if (scheme === 'token') return `htok_${randomBytes(32).toString('base64url')}`;
  return null;
}

function checkSecret(scheme: InboundScheme, secret: string): void {
  if (scheme === 'standard_webhooks' && !isValidSecret(secret)) {
    throw new HeraldError(
      'validation_failed',
      'a standard_webhooks secret is whsec_ followed by the base64 of 24 to 64 bytes',
      { field: 'secret' },
    );
  }
  if (scheme === 'token' && secret.length < TOKEN_MIN_LENGTH) {
    throw new HeraldError(
      'validation_failed',
      `a token must be at least ${TOKEN_MIN_LENGTH} characters`,
      { field: 'secret' },
    );
  }
}

function checkPrefix(prefix: string): void {
  if (!TYPE_PREFIX_RE.test(prefix)) {
    throw new HeraldError(
      'validation_failed',
      'type_prefix is empty or dot-terminated segments of letters, digits and underscores, e.g. "stripe."',
      { field: 'type_prefix' },
    );
  }
}

export class SourceService {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(tenantId: string, input: SourceInput): Promise<InboundSourceRow> {
    const secret = input.secret ?? generatedSecret(input.scheme);
    if (secret === null) {
      throw new HeraldError(
        'validation_failed',
        `a ${input.scheme} source needs the signing secret ${input.scheme} gave you`,
        { field: 'secret' },
      );
    }
    checkSecret(input.scheme, secret);
    const typePrefix = input.type_prefix ?? '';
    checkPrefix(typePrefix);
    return this.#store.sourceCreate({
      tenantId,
      name: input.name,
      scheme: input.scheme,
      secret,
      typePrefix,
    });
  }

  async get(tenantId: string, id: string): Promise<InboundSourceRow> {
    const row = await this.#store.sourceGet({ tenantId, id });
    if (!row) throw new HeraldError('not_found', `no source ${id}`);
    return row;
  }

  list(tenantId: string, after: string | null, limit: number): Promise<InboundSourceRow[]> {
    return this.#store.sourceList({ tenantId, after, limit });
  }

  async update(tenantId: string, id: string, patch: SourceChanges): Promise<InboundSourceRow> {
    const current = await this.get(tenantId, id);
    const scheme = patch.scheme ?? current.scheme;
    // Another provider's secret is never right for the new scheme.
    if (patch.scheme !== undefined && patch.scheme !== current.scheme && !patch.secret) {
      throw new HeraldError('validation_failed', 'changing the scheme needs a new secret', {
        field: 'secret',
      });
    }
    if (patch.secret !== undefined) checkSecret(scheme, patch.secret);
    if (patch.type_prefix !== undefined) checkPrefix(patch.type_prefix);
    const changes: Partial<InboundSourceConfig> = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.scheme !== undefined) changes.scheme = patch.scheme;
    if (patch.secret !== undefined) changes.secret = patch.secret;
    if (patch.type_prefix !== undefined) changes.typePrefix = patch.type_prefix;
    const row = await this.#store.sourceUpdate({ tenantId, id, changes });
    if (!row) throw new HeraldError('not_found', `no source ${id}`);
    return row;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.#store.sourceDelete({ tenantId, id }))) {
      throw new HeraldError('not_found', `no source ${id}`);
    }
  }
}
