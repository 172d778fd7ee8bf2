// The account of every open SSE stream and long poll: how many each API key
// holds (bounded per key), how many bytes their sockets buffer, and the switch
// that ends them early when their key is revoked or the server shuts down.
// Metrics read the counts here; nothing else keeps its own.
import { HeraldError } from '../domain/problem.ts';

export type StreamKind = 'sse' | 'long_poll';
export type StreamEndReason = 'revoked' | 'shutdown' | 'slow_client';

export interface OpenStream {
  readonly keyId: string;
  readonly kind: StreamKind;
  /** Aborts when the stream must end for a reason of the server's (see `reason`). */
  readonly signal: AbortSignal;
  readonly reason: StreamEndReason | null;
  /** Bytes this stream's socket holds unsent, when the stream reports them (SSE). */
  buffered: () => number;
  end(reason: StreamEndReason): void;
  /** Gives the slot back; call once when the response is over. */
  release(): void;
}

export interface OpenStreamsOptions {
  maxPerKey: number;
  /** Retry-After of the 429 for one stream too many. */
  retryAfterSeconds?: number;
}

class Stream implements OpenStream {
  readonly #abort = new AbortController();
  readonly #onRelease: (s: Stream) => void;
  #reason: StreamEndReason | null = null;
  #released = false;
  buffered: () => number = () => 0;
  readonly keyId: string;
  readonly kind: StreamKind;

  constructor(keyId: string, kind: StreamKind, onRelease: (s: Stream) => void) {
    this.keyId = keyId;
    this.kind = kind;
    this.#onRelease = onRelease;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get reason(): StreamEndReason | null {
    return this.#reason;
  }

  end(reason: StreamEndReason): void {
    if (this.#reason !== null) return;
    this.#reason = reason;
    this.#abort.abort();
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease(this);
  }
}

export class OpenStreams {
  readonly #byKey = new Map<string, Set<Stream>>();
  readonly #maxPerKey: number;
  readonly #retryAfterSeconds: number;
  #closing = false;

  constructor(opts: OpenStreamsOptions) {
    this.#maxPerKey = opts.maxPerKey;
    this.#retryAfterSeconds = opts.retryAfterSeconds ?? 5;
  }

  /** Takes one of the key's slots, or refuses with 429 (503 once shutting down). */
  open(keyId: string, kind: StreamKind): OpenStream {
    if (this.#closing) {
      throw new HeraldError('service_unavailable', 'the server is shutting down; retry shortly', {
        retryAfterSeconds: 1,
      });
    }
    let set = this.#byKey.get(keyId);
    if ((set?.size ?? 0) >= this.#maxPerKey) {
      throw new HeraldError(
        'too_many_requests',
        `this API key already holds ${this.#maxPerKey} open streams and long polls (the most allowed, --max-streams-per-key); close one or retry later`,
        { retryAfterSeconds: this.#retryAfterSeconds },
      );
    }
    if (!set) {
      set = new Set();
      this.#byKey.set(keyId, set);
    }
    const stream = new Stream(keyId, kind, (s) => {
      const own = this.#byKey.get(keyId);
      own?.delete(s);
      if (own?.size === 0) this.#byKey.delete(keyId);
    });
    set.add(stream);
    return stream;
  }

  /** Ends every stream of a key (it was revoked). */
  endKey(keyId: string, reason: StreamEndReason): void {
    for (const s of this.#byKey.get(keyId) ?? []) s.end(reason);
  }

  /** Ends every stream and refuses new ones: the server is shutting down. */
  endAll(reason: StreamEndReason): void {
    this.#closing = true;
    for (const set of this.#byKey.values()) for (const s of set) s.end(reason);
  }

  /** Open streams and long polls per API key id, by kind. */
  countsByKey(): Map<string, Record<StreamKind, number>> {
    const out = new Map<string, Record<StreamKind, number>>();
    for (const [keyId, set] of this.#byKey) {
      const counts = { sse: 0, long_poll: 0 };
      for (const s of set) counts[s.kind] += 1;
      out.set(keyId, counts);
    }
    return out;
  }

  get size(): number {
    let n = 0;
    for (const set of this.#byKey.values()) n += set.size;
    return n;
  }

  /** Bytes all open streams' sockets hold unsent. */
  bufferedBytes(): number {
    let n = 0;
    for (const set of this.#byKey.values()) for (const s of set) n += s.buffered();
    return n;
  }
}
