// The endpoint health rule, once for every store: outcomes are folded in the
// order they happened. A success ends the failure streak; a failed attempt
// starts (or continues) the failing period; a given-up delivery adds one to
// the consecutive failures. The endpoint is disabled the moment a threshold is
// crossed (410 Gone, N given-up deliveries in a row, failing for a duration),
// and stays disabled: a later success in the same group does not enable it.
import type { DisabledReason, EndpointConfig, EndpointHealthState } from './endpoint.ts';

export interface FoldedOutcome {
  status: 'succeeded' | 'retrying' | 'failed';
  /** When the attempt started (the failing period starts then). */
  attemptedAt: Date;
  /** When the outcome was decided. */
  at: Date;
  /** Disable at once with this reason (410 Gone). */
  disable: DisabledReason | null;
}

export interface FoldResult {
  state: EndpointHealthState;
  /** Set when this outcome disabled the endpoint. */
  disabled: DisabledReason | null;
}

export function foldOutcome(
  cfg: Pick<EndpointConfig, 'disableAfterFailures' | 'disableAfterMs'>,
  state: EndpointHealthState,
  o: FoldedOutcome,
): FoldResult {
  if (o.status === 'succeeded') {
    return {
      state: { ...state, consecutiveFailures: 0, failingSince: null, lastSuccessAt: o.at },
      disabled: null,
    };
  }
  const next: EndpointHealthState = {
    ...state,
    lastFailureAt: o.at,
    failingSince: state.failingSince ?? o.attemptedAt,
    consecutiveFailures: state.consecutiveFailures + (o.status === 'failed' ? 1 : 0),
  };
  let disabled: DisabledReason | null = o.disable;
  if (
    disabled === null &&
    o.status === 'failed' &&
    cfg.disableAfterFailures !== null &&
    next.consecutiveFailures >= cfg.disableAfterFailures
  ) {
    disabled = 'consecutive_failures';
  }
  if (
    disabled === null &&
    cfg.disableAfterMs !== null &&
    next.failingSince !== null &&
    o.at.getTime() - next.failingSince.getTime() >= cfg.disableAfterMs
  ) {
    disabled = 'failing_duration';
  }
  return { state: next, disabled };
}

/** Folds a sequence in order; the endpoint is disabled by the first outcome that crosses a threshold. */
export function foldOutcomes(
  cfg: Pick<EndpointConfig, 'disableAfterFailures' | 'disableAfterMs'>,
  state: EndpointHealthState,
  outcomes: FoldedOutcome[],
): FoldResult {
  let s = state;
  let disabled: DisabledReason | null = null;
  for (const o of outcomes) {
    const r = foldOutcome(cfg, s, o);
    s = r.state;
    disabled ??= r.disabled;
  }
  return { state: s, disabled };
}
