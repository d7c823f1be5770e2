import type { ModelSpec, SplitArtifact, TrainedModelArtifact } from '../artifacts';
import type { RunContext } from '../context';
import type { TrainOptions } from './options';

/** Trains any model family on a split: classic families fit in one go, gradient ones epoch by epoch. */
export async function trainModel(split: SplitArtifact, spec: ModelSpec, options: TrainOptions, ctx: RunContext): Promise<TrainedModelArtifact> {
  if (spec.trainer === 'classic') {
    const { trainClassic } = await import('./classic');
    return trainClassic(split, spec, options.seed, ctx);
  }
  const { trainNetwork } = await import('./neural');
  return trainNetwork(split, spec, options, ctx);
}
