import type { TrainedModelArtifact } from '../artifacts';

/** Trees: each input column's share of the splits' impurity decrease (one-hot columns summed back per column), largest first. */
export function featureImportance(trained: TrainedModelArtifact): { name: string; importance: number }[] | undefined {
  const model = trained.fitted as { featureImportance?: unknown } | undefined;
  if (!(model?.featureImportance instanceof Float64Array)) return undefined;
  const scores = model.featureImportance;
  let offset = 0;
  const importance = trained.encoder.features.map((feature) => {
    const width = feature.type === 'number' ? 1 : feature.categories.length;
    let sum = 0;
    for (let j = offset; j < offset + width; j++) sum += scores[j];
    offset += width;
    return { name: feature.name, importance: sum };
  });
  return importance.sort((a, b) => b.importance - a.importance);
}
