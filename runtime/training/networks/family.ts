import type { ColumnSchema } from '../../../lib/table';
import type { tf } from '../../tf/backend';
import type { InputLayout, NetworkReads } from './inputs';

/** Builds one family's network over the encoded rows, from its config (the model node's params). */
export interface NetworkBuilder<C> {
  build(config: C, layout: InputLayout, outputUnits: number, task: 'classification' | 'regression', seed: number): tf.LayersModel;
}

/**
 * A deep network family (CNN, RNN, transformer…), as its model node declares it: what it reads
 * itself among the encoded columns (everything else joins before the answer), what compile must
 * find in the data for it, and its builder, loaded only when a network is built so that compiling
 * a graph never loads TensorFlow.js.
 */
export interface NetworkFamily<C> {
  /** The ModelSpec family it builds. */
  family: string;
  reads: NetworkReads;
  /** What the split's feature columns lack for this family, in plain words; undefined when nothing. */
  missingInput(features: ColumnSchema[]): string | undefined;
  load(): Promise<NetworkBuilder<C>>;
}

/** The deep families by name, as the model nodes registered them when defined (nodes/define.ts defineNode). */
const FAMILIES = new Map<string, NetworkFamily<unknown>>();

export function registerNetworkFamily<C>(family: NetworkFamily<C>): void {
  const known = FAMILIES.get(family.family);
  if (known && known !== family) throw new Error(`Two node kinds build "${family.family}" networks.`);
  FAMILIES.set(family.family, family as NetworkFamily<unknown>);
}

/** The deep family of that name; undefined for the dense and classic families. */
export function networkFamily(name: string): NetworkFamily<unknown> | undefined {
  return FAMILIES.get(name);
}
