// The event shape Herald sends (webhook bodies, the Events API, SSE).
export interface HeraldEvent<TData = Record<string, unknown>> {
  object: 'event';
  id: string;
  /** The event type, e.g. `user.created`. */
  event: string;
  data: TData;
  created_at: string;
  /** Gap-free, increasing position of the event in its environment. */
  sequence: number;
  organization_id?: string;
  context: { sequence: number; organization_id?: string };
}

/** Node's IncomingHttpHeaders, a plain object, or a fetch `Headers`. */
export type HeadersLike =
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };
