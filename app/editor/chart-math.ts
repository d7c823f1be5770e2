/** Pure helpers behind the hand-written SVG charts: ranges, scales, ticks, point strings, colours. */

export type Scale = (value: number) => number;

/**
 * Smallest and largest finite value, each pushed out by `pad` × the range (so dots clear the frame);
 * a single value (or none) widens to a range of 1 around it.
 */
export function extent(values: Iterable<number>, pad = 0): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return [0, 1];
  if (max - min < 1e-12) return [min - 0.5, max + 0.5];
  const margin = (max - min) * pad;
  return [min - margin, max + margin];
}

/** A step of 1, 2 or 5 × 10ⁿ that cuts [min, max] into about `count` pieces. */
export function tickStep(min: number, max: number, count = 5): number {
  const raw = Math.abs(max - min) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction >= 7.5 ? 10 : fraction >= 3.5 ? 5 : fraction >= 1.5 ? 2 : 1;
  return nice * power;
}

/** [min, max] widened outwards to whole tick steps, so the axis starts and ends on a labelled tick. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  const step = tickStep(min, max, count);
  return [roundTo(Math.floor(min / step + 1e-9) * step, step), roundTo(Math.ceil(max / step - 1e-9) * step, step)];
}

/** Round values at the tick steps inside [min, max] (ends included when they fall on a step). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const step = tickStep(min, max, count);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

/** Drops the floating-point dust of i × step (0.30000000000000004 → 0.3). */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const rounded = Number(value.toFixed(Math.min(decimals, 15)));
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** A tick label with no more decimals than its step needs (large numbers as 12k, 3.4M). */
export function formatTick(value: number, step: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(step >= 1e6 ? 0 : 1)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toFixed(step >= 1e3 ? 0 : 1)}k`;
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return value.toFixed(decimals);
}

/** Maps [d0, d1] onto [r0, r1] linearly (a zero-width domain maps to the middle of the range). */
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  const span = d1 - d0;
  if (span === 0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** The `points` attribute of an SVG polyline; points with a non-finite coordinate are left out. */
export function polylinePoints(points: readonly (readonly [number, number])[], x: Scale, y: Scale): string {
  return points
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
    .map(([a, b]) => `${round2(x(a))},${round2(y(b))}`)
    .join(' ');
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Running totals: [0.5, 0.3, 0.1] → [0.5, 0.8, 0.9]. */
export function cumulative(values: readonly number[]): number[] {
  let sum = 0;
  return values.map((v) => (sum += v));
}

/** Mean of the finite values (an area is stored as null when a class has no positive test row); null when none. */
export function finiteMean(values: readonly (number | null | undefined)[]): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
}

/** Equal bands for `count` bars across [start, end], each with `gap` (a share of the band) left empty. */
export function bands(count: number, [start, end]: readonly [number, number], gap = 0.2): { x: number; width: number; center: number }[] {
  const band = (end - start) / Math.max(1, count);
  const width = band * (1 - gap);
  return Array.from({ length: count }, (_, i) => {
    const x = start + i * band + (band - width) / 2;
    return { x, width, center: x + width / 2 };
  });
}

/** Colours told apart by most eyes (Okabe–Ito, then Tableau), cycled past ten. */
export const CATEGORY_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000', '#8c564b', '#7f7f7f'];
export const categoryColor = (i: number) => CATEGORY_COLORS[i % CATEGORY_COLORS.length];

/** What a point without a label is called in a legend. */
export const NO_LABEL = '(no label)';

/**
 * Points grouped by their label, labels in natural order ("2" before "10"; no label last), at most
 * `max` points spread evenly so a chart stays light, each label with its colour. Past `maxGroups`
 * labels, colours would not tell them apart: all points form one group.
 */
export function groupByLabel<P extends { label: string | null }>(
  points: readonly P[],
  max = 500,
  maxGroups = 12,
): { label: string; color: string; points: P[] }[] {
  const step = Math.max(1, points.length / max);
  const groups = new Map<string, P[]>();
  for (let i = 0; Math.floor(i * step) < points.length && i < max; i++) {
    const p = points[Math.floor(i * step)];
    const label = p.label ?? NO_LABEL;
    const group = groups.get(label);
    if (group) group.push(p);
    else groups.set(label, [p]);
  }
  // Too many labels (a numeric target, ids) to tell apart by colour: one group.
  if (groups.size > maxGroups) return [{ label: `${groups.size} different values`, color: categoryColor(0), points: [...groups.values()].flat() }];
  const order = (a: string, b: string) => (a === NO_LABEL ? 1 : b === NO_LABEL ? -1 : a.localeCompare(b, undefined, { numeric: true }));
  return [...groups.keys()].sort(order).map((label, i) => ({ label, color: categoryColor(i), points: groups.get(label)! }));
}
