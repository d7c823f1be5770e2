import type { PortSpec } from '../../lib/ports';
import type { ClassicFamily, ModelSpec, ModelTask } from '../artifacts';

/**
 * What every classic model node shares: no inputs, one Model output, and a design made of its family
 * and its params (the params are the model's config).
 */
export function classicDesign(family: ClassicFamily, task?: ModelTask) {
  return {
    inputs: [] as PortSpec[],
    outputs: [{ name: 'model', type: 'Model', label: 'Model' }] as PortSpec[],
    configure: () => ({ outputs: { model: { type: 'Model' as const, model: { family, trainer: 'classic' as const, task } } } }),
    run: async ({ params }: { params: unknown }) => {
      const model: ModelSpec = { family, trainer: 'classic', config: params as Record<string, unknown> };
      return { model };
    },
  };
}
