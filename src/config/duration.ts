// Durations in configuration: "500ms", "15s", "10m", "1h", "30d", or a bare number of seconds.
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

export function parseDuration(text: string): number | null {
  const m = RE.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] as number));
}
