// How a stream (endpoint) is doing, in words: active, failing, or disabled and why.
import { badge } from './dom.js';

const REASONS = {
  manual: 'disabled by hand',
  consecutive_failures: 'too many failed deliveries in a row',
  failing_duration: 'failing for too long',
  gone: 'the receiver answered 410 Gone',
};

/** @param {string | null} reason */
export function reasonText(reason) {
  return reason ? (REASONS[/** @type {keyof REASONS} */ (reason)] ?? reason) : '';
}

/** @param {any} ep an Endpoint from the API */
export function stateBadge(ep) {
  if (!ep.active) return badge(`Disabled: ${reasonText(ep.disabled_reason)}`, 'bad');
  if (ep.consecutive_failures > 0 || ep.failing_since) {
    return badge(
      `Failing${ep.consecutive_failures ? ` (${ep.consecutive_failures} in a row)` : ''}`,
      'warn',
    );
  }
  return badge('Active', 'ok');
}
