import type { EvaluationMetrics } from './metrics';

/** The one number every screen sums an evaluation up by (Evaluate node, runs table, Models page, CLI), by what the model does. */
export interface Headline {
  name: 'accuracy' | 'r2' | 'silhouette' | 'varianceKept';
  value: number;
}

/** Stored evaluation metrics, or a runs-table row, which carries a projection's kept variance already summed. */
interface Scored {
  accuracy?: unknown;
  r2?: unknown;
  silhouette?: unknown;
  varianceKept?: unknown;
  explainedVarianceRatio?: unknown;
}

/** Accuracy, R², silhouette, or the variance a projection keeps; null when the metrics have none of them. */
export function headlineMetric(metrics: Scored | null | undefined): Headline | null {
  if (!metrics) return null;
  if (typeof metrics.accuracy === 'number') return { name: 'accuracy', value: metrics.accuracy };
  if (typeof metrics.r2 === 'number') return { name: 'r2', value: metrics.r2 };
  if (typeof metrics.silhouette === 'number') return { name: 'silhouette', value: metrics.silhouette };
  if (typeof metrics.varianceKept === 'number') return { name: 'varianceKept', value: metrics.varianceKept };
  const ratios = metrics.explainedVarianceRatio;
  if (Array.isArray(ratios) && ratios.every((r) => typeof r === 'number')) return { name: 'varianceKept', value: ratios.reduce((a: number, b: number) => a + b, 0) };
  return null;
}

/** "accuracy 93.1%", "R² 0.812", "silhouette 0.553", "87.0% of variance kept", or "—". */
export function formatHeadline(headline: Headline | null): string {
  if (!headline) return '—';
  switch (headline.name) {
    case 'accuracy':
      return `accuracy ${(headline.value * 100).toFixed(1)}%`;
    case 'r2':
      return `R² ${headline.value.toFixed(3)}`;
    case 'silhouette':
      return `silhouette ${headline.value.toFixed(3)}`;
    case 'varianceKept':
      return `${(headline.value * 100).toFixed(1)}% of variance kept`;
  }
}

/** Whether a step's metrics are an evaluation's (an Evaluate step's result), which a headline sums up. */
export function isEvaluation(metrics: Record<string, unknown> | null | undefined): metrics is Record<string, unknown> & EvaluationMetrics {
  return Boolean(metrics && ['classification', 'regression', 'clustering', 'projection'].includes(String(metrics.task)));
}
