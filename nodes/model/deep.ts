import { z } from 'zod';
import { networkFamily, type NetworkFamily } from '../../runtime/training/networks/family';
import type { ColumnSchema } from '../../lib/table';
import { defineNode, type ConfigureProblem, type NodeDefinition } from '../define';
import { modelDesign } from './design';

/** The model node of a deep family: no inputs, one Model output carrying the params as the spec's config; its network declared with it. */
export function deepModelNode<P extends z.ZodType<Record<string, unknown>>>(definition: { network: NetworkFamily<z.output<P>>; label: string; description: string; params: P }) {
  const { network } = definition;
  return defineNode({
    type: `model.${network.family}`,
    version: 1,
    category: 'model',
    label: definition.label,
    description: definition.description,
    params: definition.params,
    network,
    ...modelDesign(network.family, 'gradient'),
  }) as unknown as NodeDefinition<P>;
}

/**
 * Compile-time check that a deep family finds what it reads among the split's feature columns (the
 * target left out), as its network declares; other families have no such needs: always no problem.
 */
export function deepInputProblems(family: string, columns: readonly ColumnSchema[], target: string | undefined): ConfigureProblem[] {
  const missing = networkFamily(family)?.missingInput(columns.filter((c) => c.name !== target));
  return missing ? [{ code: 'config', message: missing }] : [];
}
