// The one HTTP client the API commands (listen, trigger, events, endpoints,
// deliveries, replay) use to talk to a Herald: bearer auth, JSON in and out,
// and every non-2xx turned into an ApiError carrying the problem+json answer.

import type { Command } from 'commander';
import { Option } from 'commander';
import { Agent, request } from 'undici';

export const DEFAULT_HERALD_URL = 'http://127.0.0.1:8080';

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
}

/** The server answered, with an error status. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem, method: string, path: string) {
    const title = problem.title ?? `HTTP ${status}`;
    super(`${method} ${path}: ${status} ${title}${problem.detail ? `: ${problem.detail}` : ''}`);
    this.status = status;
    this.problem = problem;
  }
}

/** No answer: refused, reset, timed out. Worth retrying for loops such as listen. */
export class NetworkError extends Error {}

type Query = Record<string, string | number | undefined | null>;

export interface CallOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export class HeraldApi {
  readonly baseUrl: string;
  readonly #apiKey: string;
  // Long polls hold a request for up to a minute; the defaults would cut them.
  readonly #agent = new Agent({ headersTimeout: 120_000, bodyTimeout: 120_000 });

  constructor(baseUrl: string, apiKey: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#apiKey = apiKey;
  }

  async call<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: 'application/json',
    };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: method as 'GET',
        headers,
        body,
        dispatcher: this.#agent,
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const e = err as { code?: string; message?: string };
      throw new NetworkError(
        `cannot reach Herald at ${this.baseUrl}: ${e.code ?? ''}${e.code ? ' ' : ''}${e.message ?? String(err)}`.trim(),
      );
    }
    const text = await res.body.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { detail: text.slice(0, 500) };
      }
    }
    if (res.statusCode >= 400) {
      throw new ApiError(res.statusCode, (parsed ?? {}) as Problem, method, path);
    }
    return parsed as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.call<T>('GET', path, { query, signal });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, { body });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** `--url`, `--api-key` and `--json`, shared by every command that calls the API. */
export function addApiOptions(cmd: Command, { json = true } = {}): Command {
  cmd
    .addOption(
      new Option('--url <url>', 'Herald base URL').env('HERALD_URL').default(DEFAULT_HERALD_URL),
    )
    .addOption(new Option('--api-key <key>', 'API key (sk_herald_…)').env('HERALD_API_KEY'));
  return json
    ? cmd.option('--json', 'print the API response as JSON instead of a table', false)
    : cmd;
}

/** The client for a command's options; a missing key or bad URL is a usage error (exit 2). */
export function apiFromOptions(cmd: Command, opts: { url: string; apiKey?: string }): HeraldApi {
  if (!opts.apiKey) {
    cmd.error('an API key is required: pass --api-key or set HERALD_API_KEY', {
      exitCode: 2,
      code: 'herald.missingApiKey',
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(opts.url);
  } catch {
    return cmd.error(`--url "${opts.url}" is not a URL`, { exitCode: 2 });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    cmd.error(`--url "${opts.url}" must be http or https`, { exitCode: 2 });
  }
  return new HeraldApi(opts.url, opts.apiKey as string);
}

/** Runs an API command's body with a client, always closing it. */
export async function withApi<T>(
  cmd: Command,
  opts: { url: string; apiKey?: string },
  fn: (api: HeraldApi) => Promise<T>,
): Promise<T> {
  const api = apiFromOptions(cmd, opts);
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

/** A JSON object flag (`--data`, `--body`); anything else is a usage error. */
export function parseJsonObject(
  cmd: Command,
  flag: string,
  raw: string | undefined,
): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    cmd.error(`${flag}: not JSON: ${(err as Error).message}`, { exitCode: 2 });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    cmd.error(`${flag}: must be a JSON object`, { exitCode: 2 });
  }
  return v as Record<string, unknown>;
}

export interface ApiOptions {
  url: string;
  apiKey?: string;
  json: boolean;
}
