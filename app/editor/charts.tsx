'use client';
import { useId, type ReactNode } from 'react';
import {
  bands,
  categoryColor,
  cumulative,
  extent,
  formatTick,
  groupByLabel,
  linearScale,
  NO_LABEL,
  niceDomain,
  niceTicks,
  polylinePoints,
  tickStep,
  type Scale,
} from './chart-math';

const SERIES_COLORS = ['#4f46e5', '#f59e0b', '#059669', '#dc2626'];

/** A small SVG line chart: one line per series, x = epoch. */
export function LineChart({
  points,
  series,
  height = 140,
  title,
}: {
  points: { epoch: number; values: Record<string, number> }[];
  series: string[];
  height?: number;
  title: string;
}) {
  const present = series.filter((s) => points.some((p) => Number.isFinite(p.values[s])));
  if (points.length === 0 || present.length === 0) return null;
  const width = 280;
  const pad = { l: 36, r: 8, t: 8, b: 18 };
  const all = points.flatMap((p) => present.map((s) => p.values[s]).filter(Number.isFinite));
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (max - min < 1e-9) (min -= 0.5), (max += 0.5);
  const maxEpoch = Math.max(...points.map((p) => p.epoch), 1);
  const x = (e: number) => pad.l + ((e - 1) / Math.max(maxEpoch - 1, 1)) * (width - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - (v - min) / (max - min)) * (height - pad.t - pad.b);
  return (
    <figure className="text-xs">
      <figcaption className="mb-1 font-medium text-slate-700">{title}</figcaption>
      <svg width={width} height={height} role="img" aria-label={title} className="rounded bg-white">
        <line x1={pad.l} x2={pad.l} y1={pad.t} y2={height - pad.b} stroke="#cbd5e1" />
        <line x1={pad.l} x2={width - pad.r} y1={height - pad.b} y2={height - pad.b} stroke="#cbd5e1" />
        <text x={2} y={pad.t + 8} fontSize="9" fill="#64748b">{max.toFixed(2)}</text>
        <text x={2} y={height - pad.b} fontSize="9" fill="#64748b">{min.toFixed(2)}</text>
        <text x={width - pad.r} y={height - 4} fontSize="9" fill="#64748b" textAnchor="end">epoch {maxEpoch}</text>
        {present.map((s, i) => (
          <polyline
            key={s}
            fill="none"
            stroke={SERIES_COLORS[i % SERIES_COLORS.length]}
            strokeWidth={1.5}
            points={points.filter((p) => Number.isFinite(p.values[s])).map((p) => `${x(p.epoch)},${y(p.values[s])}`).join(' ')}
          />
        ))}
      </svg>
      <div className="mt-1 flex gap-3">
        {present.map((s, i) => (
          <span key={s} className="flex items-center gap-1">
            <span className="inline-block h-2 w-3" style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} />
            {s}
          </span>
        ))}
      </div>
    </figure>
  );
}

/** Tiny loss line for the canvas node. */
export function Sparkline({ values }: { values: number[] }) {
  if (values.length < 2) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const pts = values.map((v, i) => `${(i / (values.length - 1)) * 100},${28 - ((v - min) / span) * 26}`).join(' ');
  return (
    <svg viewBox="0 0 100 30" className="h-7 w-full" aria-label="loss curve" data-testid="node-sparkline">
      <polyline points={pts} fill="none" stroke="#4f46e5" strokeWidth={2} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

/** Rows = actual class, columns = predicted class; darker = more rows (green on the diagonal: right). */
export function ConfusionMatrix({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  return (
    <CountGrid
      testId="confusion-matrix"
      corner="actual ↓ / predicted →"
      rowLabels={labels}
      colLabels={labels}
      counts={matrix}
      tint={(i, j) => (i === j ? '5,150,105' : '220,38,38')}
    />
  );
}

/** Rows per cluster and class of the target; darker = more rows. */
export function CrossTab({ labels, counts }: { labels: string[]; counts: number[][] }) {
  return (
    <CountGrid
      testId="cluster-crosstab"
      corner="cluster ↓ / class →"
      rowLabels={counts.map((_, i) => `cluster ${i}`)}
      colLabels={labels}
      counts={counts}
      tint={() => '79,70,229'}
    />
  );
}

/** A table of counts shaded by size; `tint` gives each cell's colour as "r,g,b". */
function CountGrid({
  testId,
  corner,
  rowLabels,
  colLabels,
  counts,
  tint,
}: {
  testId: string;
  corner: string;
  rowLabels: string[];
  colLabels: string[];
  counts: number[][];
  tint(row: number, col: number): string;
}) {
  const max = Math.max(1, ...counts.flat());
  return (
    <div className="max-w-full overflow-x-auto">
      <table className="border-collapse text-xs" data-testid={testId}>
        <thead>
          <tr>
            <th className="p-1 text-left font-normal text-slate-500">{corner}</th>
            {colLabels.map((l) => (
              <th key={l} className="p-1 font-medium">{l}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {counts.map((row, i) => (
            <tr key={rowLabels[i]}>
              <th className="p-1 text-left font-medium">{rowLabels[i]}</th>
              {row.map((count, j) => (
                <td key={j} className="min-w-8 border border-white p-1 text-center" style={{ background: `rgba(${tint(i, j)},${0.08 + 0.8 * (count / max)})` }}>
                  {count}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const PLOT_WIDTH = 340;
const PLOT_HEIGHT = 210;
const PAD = { l: 46, r: 12, t: 10, b: 36 };
const AXIS_TEXT = { fontSize: 9, fill: '#64748b' } as const;

interface Axis {
  domain: [number, number];
  label: string;
  /** Ticks at these values with these labels (default: round values with as many decimals as they need). */
  ticks?: { value: number; label: string }[];
  format?(value: number): string;
}

interface LegendEntry {
  label: string;
  color: string;
  /** A line sample instead of a square. */
  line?: boolean;
}

function axisTicks(axis: Axis, count: number): { value: number; label: string }[] {
  if (axis.ticks) return axis.ticks;
  const [min, max] = axis.domain;
  const step = tickStep(min, max, count);
  return niceTicks(min, max, count).map((value) => ({ value, label: axis.format ? axis.format(value) : formatTick(value, step) }));
}

/**
 * A titled SVG plot: grid, ticks and axis titles; `children` draws the data through the two scales.
 * The figure carries `testId`, and its one-line `explanation` reads below it (and describes the image).
 */
function Plot({
  title,
  testId,
  explanation,
  x,
  y,
  legend,
  children,
}: {
  title: string;
  testId: string;
  explanation: string;
  x: Axis;
  y: Axis;
  legend?: LegendEntry[];
  children(sx: Scale, sy: Scale): ReactNode;
}) {
  const descriptionId = useId();
  const [left, right, top, bottom] = [PAD.l, PLOT_WIDTH - PAD.r, PAD.t, PLOT_HEIGHT - PAD.b];
  const sx = linearScale(x.domain, [left, right]);
  const sy = linearScale(y.domain, [bottom, top]);
  return (
    <figure className="text-xs" data-testid={testId}>
      <figcaption className="mb-1 font-medium text-slate-700">{title}</figcaption>
      <svg
        viewBox={`0 0 ${PLOT_WIDTH} ${PLOT_HEIGHT}`}
        width={PLOT_WIDTH}
        height={PLOT_HEIGHT}
        role="img"
        aria-label={title}
        aria-describedby={descriptionId}
        className="h-auto max-w-full rounded bg-white"
      >
        <title>{title}</title>
        {axisTicks(y, 5).map((t) => (
          <g key={`y${t.value}`}>
            <line x1={left} x2={right} y1={sy(t.value)} y2={sy(t.value)} stroke="#f1f5f9" />
            <text x={left - 4} y={sy(t.value) + 3} textAnchor="end" {...AXIS_TEXT}>
              {t.label}
            </text>
          </g>
        ))}
        {axisTicks(x, 6).map((t) => (
          <text key={`x${t.value}`} x={sx(t.value)} y={bottom + 12} textAnchor="middle" {...AXIS_TEXT}>
            {t.label}
          </text>
        ))}
        <line x1={left} x2={left} y1={top} y2={bottom} stroke="#cbd5e1" />
        <line x1={left} x2={right} y1={bottom} y2={bottom} stroke="#cbd5e1" />
        <text x={(left + right) / 2} y={PLOT_HEIGHT - 4} textAnchor="middle" {...AXIS_TEXT}>
          {x.label}
        </text>
        <text transform={`translate(10 ${(top + bottom) / 2}) rotate(-90)`} textAnchor="middle" {...AXIS_TEXT}>
          {y.label}
        </text>
        {children(sx, sy)}
      </svg>
      {legend && legend.length > 0 && (
        <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5" data-testid={`${testId}-legend`}>
          {legend.map((entry) => (
            <li key={entry.label} className="flex items-center gap-1">
              <span className={entry.line ? 'inline-block h-0.5 w-3' : 'inline-block h-2 w-2'} style={{ background: entry.color }} />
              {entry.label}
            </li>
          ))}
        </ul>
      )}
      <p id={descriptionId} className="mt-1 text-slate-600">
        {explanation}
      </p>
    </figure>
  );
}

const UNIT: [number, number] = [0, 1];
const areaText = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(3));

/** A ROC or precision–recall curve per class (the stored area is null where a class had no positive test row). */
export interface CurveSeries {
  label: string;
  points: [number, number][];
  area: number | null;
}

const CURVE_KINDS = {
  roc: {
    title: 'ROC curve',
    testId: 'roc-chart',
    x: 'false positive rate (wrongly flagged)',
    y: 'true positive rate (found)',
    area: 'AUC',
    explanation:
      'Each point is one cut-off for answering “yes”: curves hugging the top-left corner are better, the dashed diagonal is guessing; AUC (the area under the curve) goes from 0.5, guessing, to 1, perfect.',
  },
  pr: {
    title: 'Precision–recall curve',
    testId: 'pr-chart',
    x: 'recall (share of the class found)',
    y: 'precision (share of flags right)',
    area: 'AP',
    explanation:
      'As the model finds more rows of a class (recall, to the right), how many of the rows it flags are right (precision, up): higher is better; AP (average precision) sums the curve up, 1 is perfect.',
  },
} as const;

/** ROC or precision–recall curves: one per class, with its area in the legend; ROC adds the guessing diagonal. */
export function CurveChart({ kind, curves, note }: { kind: 'roc' | 'pr'; curves: CurveSeries[]; note?: string }) {
  const spec = CURVE_KINDS[kind];
  const single = curves.length === 1;
  const legend = curves.map((c, i) => ({ label: `${c.label} (${spec.area} ${areaText(c.area)})`, color: categoryColor(i), line: true }));
  return (
    <Plot
      title={single ? `${spec.title} for “${curves[0].label}”` : `${spec.title}s, one class against the rest`}
      testId={spec.testId}
      explanation={note ? `${spec.explanation} ${note}` : spec.explanation}
      x={{ domain: UNIT, label: spec.x }}
      y={{ domain: UNIT, label: spec.y }}
      legend={legend}
    >
      {(sx, sy) => (
        <>
          {kind === 'roc' && <line x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} stroke="#94a3b8" strokeDasharray="4 3" />}
          {curves.map((c, i) => (
            <polyline key={c.label} fill="none" stroke={categoryColor(i)} strokeWidth={1.5} points={polylinePoints(c.points, sx, sy)}>
              <title>{legend[i].label}</title>
            </polyline>
          ))}
        </>
      )}
    </Plot>
  );
}

/** Room left around scattered dots, as a share of their range. */
const DOT_MARGIN = 0.04;

/** A symmetric axis domain around zero, to round ticks. */
function aroundZero(values: number[]): [number, number] {
  const reach = Math.max(...values.map(Math.abs).filter(Number.isFinite), 1e-9) * (1 + DOT_MARGIN);
  return niceDomain(-reach, reach);
}

/** Regression misses: predicted value across, actual − predicted up, a zero line for “no miss”. */
export function ResidualPlot({ points }: { points: [number, number][] }) {
  const xDomain = niceDomain(...extent(points.map((p) => p[0]), DOT_MARGIN));
  return (
    <Plot
      title="Residuals: how far off each prediction was"
      testId="residual-plot"
      explanation="Each dot is a test row: above the line the model guessed too low, below it too high. Dots scattered evenly around zero are good; a curve or a funnel shape means the misses follow a pattern."
      x={{ domain: xDomain, label: 'predicted value' }}
      y={{ domain: aroundZero(points.map((p) => p[1])), label: 'actual − predicted' }}
    >
      {(sx, sy) => (
        <>
          <line x1={sx(xDomain[0])} x2={sx(xDomain[1])} y1={sy(0)} y2={sy(0)} stroke="#dc2626" strokeDasharray="4 3" />
          {points.map(([p, r], i) => (
            <circle key={i} cx={sx(p)} cy={sy(r)} r={2.2} fill="#4f46e5" fillOpacity={0.55} />
          ))}
        </>
      )}
    </Plot>
  );
}

/** Bars with their value on top; x ticks are the bar labels. */
export function BarChart({
  title,
  testId,
  explanation,
  bars,
  xLabel,
  yLabel,
}: {
  title: string;
  testId: string;
  explanation: string;
  bars: { label: string; value: number }[];
  xLabel: string;
  yLabel: string;
}) {
  const slots = bands(bars.length, [0, bars.length]);
  return (
    <Plot
      title={title}
      testId={testId}
      explanation={explanation}
      x={{ domain: [0, bars.length], label: xLabel, ticks: bars.length <= 20 ? slots.map((s, i) => ({ value: s.center, label: bars[i].label })) : [] }}
      y={{ domain: niceDomain(0, Math.max(1, ...bars.map((b) => b.value))), label: yLabel }}
    >
      {(sx, sy) =>
        bars.map((b, i) => (
          <g key={b.label}>
            <rect x={sx(slots[i].x)} width={sx(slots[i].x + slots[i].width) - sx(slots[i].x)} y={sy(b.value)} height={sy(0) - sy(b.value)} fill={categoryColor(0)}>
              <title>{`${b.label}: ${b.value}`}</title>
            </rect>
            {bars.length <= 20 && (
              <text x={sx(slots[i].center)} y={sy(b.value) - 2} textAnchor="middle" {...AXIS_TEXT}>
                {b.value}
              </text>
            )}
          </g>
        ))
      }
    </Plot>
  );
}

/** Inertia for k = 1, 2, …, the chosen k ringed. */
export function ElbowChart({ points, chosen }: { points: { k: number; inertia: number }[]; chosen: number }) {
  const ks = points.map((p) => p.k);
  const [kMin, kMax] = extent(ks);
  const picked = points.find((p) => p.k === chosen);
  return (
    <Plot
      title="Elbow chart: spread inside the clusters for each k"
      testId="elbow-chart"
      explanation={`The spread (inertia) always falls as k grows; a good k sits at the “elbow”, where one more cluster stops helping much.${
        picked ? ` Your k = ${chosen} is ringed.` : ` Your k = ${chosen} is beyond this chart.`
      }`}
      x={{ domain: [kMin, kMax], label: 'number of clusters (k)', ticks: ks.length <= 12 ? ks.map((k) => ({ value: k, label: String(k) })) : undefined }}
      y={{ domain: niceDomain(0, Math.max(...points.map((p) => p.inertia))), label: 'inertia (training rows)' }}
    >
      {(sx, sy) => (
        <>
          <polyline fill="none" stroke={categoryColor(0)} strokeWidth={1.5} points={polylinePoints(points.map((p) => [p.k, p.inertia]), sx, sy)} />
          {points.map((p) => (
            <circle key={p.k} cx={sx(p.k)} cy={sy(p.inertia)} r={2.5} fill={categoryColor(0)}>
              <title>{`k = ${p.k}: inertia ${p.inertia.toPrecision(4)}`}</title>
            </circle>
          ))}
          {picked && (
            <g data-testid="elbow-chosen">
              <circle cx={sx(picked.k)} cy={sy(picked.inertia)} r={6} fill="none" stroke={categoryColor(1)} strokeWidth={2} />
              <text x={sx(picked.k) + 8} y={sy(picked.inertia) - 6} fontSize={9} fill="#b45309">
                your k = {picked.k}
              </text>
            </g>
          )}
        </>
      )}
    </Plot>
  );
}

const percent = (v: number) => `${Math.round(v * 100)}%`;

/** Share of variance per principal component (bars) and their running total (line), 0–100%. */
export function VarianceChart({ ratios }: { ratios: number[] }) {
  const slots = bands(ratios.length, [0, ratios.length]);
  const running = cumulative(ratios);
  const labelEvery = Math.ceil(ratios.length / 12);
  return (
    <Plot
      title="Variation explained by each component"
      testId="variance-chart"
      explanation="Each bar is how much of the data's variation one direction captures; the line adds them up: the higher it ends, the less is lost by keeping only these components."
      x={{ domain: [0, ratios.length], label: 'component', ticks: slots.map((s, i) => ({ value: s.center, label: `PC${i + 1}` })).filter((_, i) => i % labelEvery === 0) }}
      y={{ domain: UNIT, label: 'share of the variation', format: percent }}
      legend={[
        { label: 'each component', color: categoryColor(0) },
        { label: 'running total', color: categoryColor(1), line: true },
      ]}
    >
      {(sx, sy) => (
        <>
          {ratios.map((r, i) => (
            <rect key={i} x={sx(slots[i].x)} width={sx(slots[i].x + slots[i].width) - sx(slots[i].x)} y={sy(r)} height={sy(0) - sy(r)} fill={categoryColor(0)} fillOpacity={0.8}>
              <title>{`PC${i + 1}: ${(r * 100).toFixed(1)}%`}</title>
            </rect>
          ))}
          <polyline fill="none" stroke={categoryColor(1)} strokeWidth={1.5} points={polylinePoints(running.map((v, i) => [slots[i].center, v]), sx, sy)} />
          {running.map((v, i) => (
            <circle key={i} cx={sx(slots[i].center)} cy={sy(v)} r={2.5} fill={categoryColor(1)}>
              <title>{`PC1–PC${i + 1} together: ${(v * 100).toFixed(1)}%`}</title>
            </circle>
          ))}
        </>
      )}
    </Plot>
  );
}

/** The test rows on the first two components, coloured by their label. */
export function ScatterMap({ points, oneComponent }: { points: { x: number; y: number; label: string | null }[]; oneComponent?: boolean }) {
  const groups = groupByLabel(points);
  return (
    <Plot
      title="Map of the test rows on the first two components"
      testId="pca-scatter"
      explanation={`Each dot is a test row placed by its first ${oneComponent ? 'component (one only, so all sit on a line)' : 'two components'}: rows that look alike sit close together, and the colours are the target's values, so separate colour patches mean the components tell them apart.`}
      x={{ domain: niceDomain(...extent(points.map((p) => p.x), DOT_MARGIN)), label: 'component 1' }}
      y={{ domain: niceDomain(...extent(points.map((p) => p.y), DOT_MARGIN)), label: oneComponent ? '—' : 'component 2' }}
      legend={groups.length > 1 || groups[0]?.label !== NO_LABEL ? groups.map((g) => ({ label: g.label, color: g.color })) : undefined}
    >
      {(sx, sy) =>
        groups.map((g) => (
          <g key={g.label} fill={g.color} fillOpacity={0.7}>
            {g.points.map((p, i) => (
              <circle key={i} cx={sx(p.x)} cy={sy(p.y)} r={2.2} />
            ))}
          </g>
        ))
      }
    </Plot>
  );
}
