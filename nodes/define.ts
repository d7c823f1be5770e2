import type { z } from 'zod';
import type { PortSpec, PortType } from '../lib/ports';
import type { TableSchema, Task } from '../lib/table';

export const NODE_CATEGORIES = ['dataset', 'cleaning', 'features', 'split', 'model', 'train', 'evaluate', 'deploy'] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

/** What compile knows about the artifact on a port before anything runs (KNIME's configure). */
export interface PortInfo {
  type: PortType;
  table?: TableSchema;
  /** Split partitions present; Model and TrainedModel describe the learner. */
  hasValidation?: boolean;
  model?: { family: string; trainer: 'gradient'; task?: Task };
}

export interface DatasetInfo {
  columns: TableSchema['columns'];
  contentHash: string;
  defaultTarget?: string;
}

export interface CompileEnv {
  /** Column schema and content hash of a dataset a graph names, or undefined when it is not here. */
  dataset(id: string): DatasetInfo | undefined;
}

export interface ConfigureProblem {
  /** The param the problem is about, when there is one (shown beside the field in the inspector). */
  field?: string;
  message: string;
  code?: 'unknown-column' | 'config';
}

export interface ConfigureResult {
  /** An output left out is unknown (its inputs are not wired yet, or a problem stops it). */
  outputs: Record<string, PortInfo | undefined>;
  problems?: ConfigureProblem[];
  /** Extra identity for the cache key that params do not show (a dataset's content hash). */
  identity?: string;
}

export interface RunContext {
  /** Fraction done, 0..1. */
  progress(fraction: number, message?: string): void;
  log(message: string): void;
  /** One point of a live curve (per epoch): `values` like { loss, accuracy, val_loss }. */
  epoch(epoch: number, values: Record<string, number>): void;
  signal: AbortSignal;
  /** Identifies this step's run, e.g. for naming what it publishes. */
  runId: string;
  nodeId: string;
  /**
   * The step's last saved state, kept across a retry on another worker (a worker killed mid-training
   * resumes from here); cleared once the step succeeds.
   */
  checkpoint: { load(): unknown | null; save(state: unknown): void };
}

export interface NodeDefinition<P extends z.ZodType = z.ZodType> {
  /** `category.kebab-name`, stable and never reused. */
  type: string;
  /** Bump when params change, with a migration for older graphs. */
  version: number;
  category: NodeCategory;
  label: string;
  /** Plain-language description for non-experts. */
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  params: P;
  /** Steps with side effects (deploy) are never skipped as cached. */
  sideEffect?: boolean;
  /** Engine-internal kinds (ingesting an upload) stay out of the palette and the graph format. */
  hidden?: boolean;
  /** Stored artifacts the step reads besides its inputs (an uploaded dataset), given to run() as inputs under these ports. */
  reads?(params: z.output<P>): Record<string, { key: string; port: string }>;
  /** Light bookkeeping without TensorFlow.js (deploy): the engine runs it itself, no worker needed. */
  inline?: boolean;
  /** Deep-model training: routed to a GPU worker when one is in the pool. */
  wantsGpu?: boolean;
  /**
   * Expansion: compile splits the node into these parts (per fold, per sweep point), each run by
   * `runPart` as its own step on any worker, in parallel; then `run` gets their outputs in
   * `inputs.parts`, in this order. Each part's params are the node's params with `params` applied.
   */
  parts?(params: z.output<P>): { id: string; params: Partial<z.output<P>> }[];
  runPart?(args: { inputs: Record<string, unknown>; params: z.output<P>; ctx: RunContext }): Promise<unknown>;
  /** Pure: input port infos + params → output port infos, or problems naming the field. */
  configure(args: { params: z.output<P>; inputs: Record<string, PortInfo | undefined>; env: CompileEnv }): ConfigureResult;
  run(args: { inputs: Record<string, unknown>; params: z.output<P>; ctx: RunContext }): Promise<Record<string, unknown>>;
  /** Small JSON shown in the results panel and kept with the run (metrics, the published name). */
  summarize?(outputs: Record<string, unknown>, params: z.output<P>): Record<string, unknown>;
}

/** Identity function that keeps the params type flowing into configure and run. */
export function defineNode<P extends z.ZodType>(definition: NodeDefinition<P>): NodeDefinition<P> {
  return definition;
}

/** The client's view of a node kind: data only (ports + params JSON Schema), never run(). */
export type CatalogEntry = Pick<NodeDefinition, 'type' | 'version' | 'category' | 'label' | 'description' | 'inputs' | 'outputs'> & {
  paramsSchema: Record<string, unknown>;
  sideEffect: boolean;
};
