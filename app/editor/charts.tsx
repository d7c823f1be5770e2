'use client';

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

/** Rows = actual class, columns = predicted class; darker = more rows. */
export function ConfusionMatrix({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  const max = Math.max(1, ...matrix.flat());
  return (
    <table className="border-collapse text-xs" data-testid="confusion-matrix">
      <thead>
        <tr>
          <th className="p-1 text-left font-normal text-slate-500">actual ↓ / predicted →</th>
          {labels.map((l) => (
            <th key={l} className="p-1 font-medium">{l}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={labels[i]}>
            <th className="p-1 text-left font-medium">{labels[i]}</th>
            {row.map((count, j) => (
              <td
                key={j}
                className="min-w-8 border border-white p-1 text-center"
                style={{ background: `rgba(${i === j ? '5,150,105' : '220,38,38'},${0.08 + 0.8 * (count / max)})` }}
              >
                {count}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
