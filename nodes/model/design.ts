import type { PortSpec } from '../../lib/ports';
import type { ModelSpec, ModelTask } from '../../runtime/artifacts';

/**
 * What every model node shares: no inputs, one Model output, and a design made of its family, how it
 * learns, and its config: the node's params themselves, or what `config` makes of them.
 */
export function modelDesign<P = unknown>(family: ModelSpec['family'], trainer: ModelSpec['trainer'], options: { task?: ModelTask; config?: (params: P) => object } = {}) {
  return {
    inputs: [] as PortSpec[],
    outputs: [{ name: 'model', type: 'Model', label: 'Model' }] as PortSpec[],
    configure: () => ({ outputs: { model: { type: 'Model' as const, model: { family, trainer, task: options.task } } } }),
    run: async ({ params }: { params: unknown }) => {
      const model = { family, trainer, config: options.config ? options.config(params as P) : params } as ModelSpec;
      return { model };
    },
  };
}
