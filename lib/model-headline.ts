/** The one number a list shows for a model's evaluation, by what the model does. */
export interface Headline {
  name: 'accuracy' | 'r2' | 'silhouette' | 'varianceKept';
  value: number;
}

/** Accuracy, R², silhouette, or the variance a projection keeps; null when the metrics have none of them. */
export function headlineMetric(metrics: Record<string, unknown> | null | undefined): Headline | null {
  if (!metrics) return null;
  if (typeof metrics.accuracy === 'number') return { name: 'accuracy', value: metrics.accuracy };
  if (typeof metrics.r2 === 'number') return { name: 'r2', value: metrics.r2 };
  if (typeof metrics.silhouette === 'number') return { name: 'silhouette', value: metrics.silhouette };
  const ratios = metrics.explainedVarianceRatio;
  if (Array.isArray(ratios) && ratios.every((r) => typeof r === 'number')) return { name: 'varianceKept', value: ratios.reduce((a: number, b: number) => a + b, 0) };
  return null;
}

/** "accuracy 93.1%", "R² 0.812", "silhouette 0.553", "variance kept 87.0%", or "—". */
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
      return `variance kept ${(headline.value * 100).toFixed(1)}%`;
  }
}
