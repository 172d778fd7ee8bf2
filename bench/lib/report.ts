// What every scenario returns, the run settings every scenario gets, and the
// markdown table the runner prints.
import type { Backend } from './backends.ts';

export interface Row {
  scenario: string;
  backend: Backend;
  metric: string;
  /** Herald's figure (median over repetitions), formatted. */
  value: string;
  /** The baseline measured in the same run, formatted, if any. */
  baseline: string;
  /** Herald ÷ baseline (or the scenario's own comparison), formatted. */
  ratio: string;
  goal: string;
  /** Whether the goal was met; null when there is no goal or nothing ran. */
  met: boolean | null;
  /** Events or requests that did not arrive or failed (must be 0). */
  loss: number;
  /** Set when the scenario could not run; value and ratio are then empty. */
  notRunnable?: string;
}

export type Mode = 'smoke' | 'quick' | 'full';

export interface Sizes {
  reps: number;
  ingestMs: number;
  batchSize: number;
  deliveryEvents: number;
  latencyRate: number;
  latencyMs: number;
  burstEvents: number;
  /** Burst repetitions (each drains a whole burst; capped by reps). */
  burstReps: number;
  scaleSmall: number;
  scaleLarge: number;
  pageSamples: number;
  settleMs: number;
}

export const SIZES: Record<Mode, Sizes> = {
  smoke: {
    reps: 1,
    ingestMs: 200,
    batchSize: 50,
    deliveryEvents: 50,
    latencyRate: 100,
    latencyMs: 300,
    burstEvents: 100,
    burstReps: 1,
    scaleSmall: 300,
    scaleLarge: 1_000,
    pageSamples: 10,
    settleMs: 200,
  },
  quick: {
    reps: 3,
    ingestMs: 700,
    batchSize: 500,
    deliveryEvents: 200,
    latencyRate: 1_000,
    latencyMs: 1_000,
    burstEvents: 1_000,
    burstReps: 1,
    scaleSmall: 10_000,
    scaleLarge: 50_000,
    pageSamples: 50,
    settleMs: 1_000,
  },
  full: {
    reps: 5,
    ingestMs: 3_000,
    batchSize: 500,
    deliveryEvents: 10_000,
    latencyRate: 1_000,
    latencyMs: 10_000,
    burstEvents: 100_000,
    burstReps: 1,
    scaleSmall: 10_000,
    scaleLarge: 1_000_000,
    pageSamples: 300,
    settleMs: 5_000,
  },
};

export interface ScenarioContext {
  backend: Backend;
  mode: Mode;
  sizes: Sizes;
  log: (msg: string) => void;
}

export type Scenario = (ctx: ScenarioContext) => Promise<Row[]>;

export function notRunnable(
  scenario: string,
  backend: Backend,
  metrics: string[],
  reason: string,
): Row[] {
  return metrics.map((metric) => ({
    scenario,
    backend,
    metric,
    value: '',
    baseline: '',
    ratio: '',
    goal: '',
    met: null,
    loss: 0,
    notRunnable: reason.split('\n')[0]?.slice(0, 160) ?? reason,
  }));
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| scenario | store | metric | Herald | baseline | ratio | goal | met | loss |',
    '|---|---|---|---:|---:|---:|---|:-:|---:|',
  ];
  for (const r of rows) {
    if (r.notRunnable) {
      lines.push(
        `| ${r.scenario} | ${r.backend} | ${r.metric} | not runnable: ${r.notRunnable.replaceAll('|', '/')} | | | | | |`,
      );
      continue;
    }
    const met = r.met === null ? '' : r.met ? 'yes' : '**no**';
    lines.push(
      `| ${r.scenario} | ${r.backend} | ${r.metric} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} | ${met} | ${r.loss} |`,
    );
  }
  return lines.join('\n');
}
