'use client';
import type { CrossValidationSummary } from '../../lib/metrics';

const format = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3)) : 'n/a');

/** A tree model's feature importance as horizontal bars, largest first. */
export function FeatureImportance({ importance }: { importance: { name: string; importance: number }[] }) {
  const top = importance.slice(0, 15);
  const max = Math.max(...top.map((f) => f.importance), 1e-12);
  return (
    <div className="space-y-1" data-testid="feature-importance">
      <p className="text-xs text-slate-600">
        How much each column helped the trees tell rows apart (shares add up to 100%). Columns near 0 barely matter to this model.
      </p>
      <ul className="space-y-0.5 text-xs">
        {top.map((f) => (
          <li key={f.name} className="flex items-center gap-2">
            <span className="w-32 shrink-0 truncate" title={f.name}>
              {f.name}
            </span>
            <span className="h-2 rounded bg-indigo-500" style={{ width: `${(f.importance / max) * 60}%` }} />
            <span className="text-slate-500">{(f.importance * 100).toFixed(1)}%</span>
          </li>
        ))}
      </ul>
      {importance.length > top.length && <p className="text-[11px] text-slate-500">…and {importance.length - top.length} more columns.</p>}
    </div>
  );
}

/** Each score's mean ± spread over the folds, with every fold's value. */
export function CrossValidationResults({ summary }: { summary: CrossValidationSummary }) {
  return (
    <div className="space-y-1" data-testid="cross-validation">
      <p className="text-xs text-slate-600">
        The model was trained {summary.folds} times, each time tested on a different fold. The mean is the expected score; a small spread (±) means it does not depend much on which rows
        were set aside.
      </p>
      <table className="w-full text-xs">
        <thead>
          <tr className="text-left text-slate-500">
            <th>score</th>
            <th>mean ± spread</th>
            <th>per fold</th>
          </tr>
        </thead>
        <tbody>
          {summary.scores.map((s) => (
            <tr key={s.name}>
              <td>{s.name}</td>
              <td className="font-medium">
                {format(s.mean)} ± {format(s.std)}
              </td>
              <td className="text-slate-500">{s.perFold.map(format).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
