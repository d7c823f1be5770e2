import type { z } from 'zod';
import type { NodeCategory } from '../lib/catalog';
import type { PortSpec, PortType } from '../lib/ports';
import type { ColumnSchema, TableSchema } from '../lib/table';
import type { ModelTask } from '../runtime/artifacts';
import type { RunContext } from '../runtime/context';
import { registerStep, type StatefulStep } from '../runtime/recipe';
import { registerTrainer, type ClassicTrainer } from '../runtime/training/classic';
import { registerNetworkFamily, type NetworkFamily } from '../runtime/training/networks/family';

export type { RunContext };

// The catalog's client-side types live in lib/ (app/ reads them without importing nodes/).
export type { CatalogEntry, NodeCategory } from '../lib/catalog';

/** What compile knows about the artifact on a port before anything runs (KNIME's configure). */
export interface PortInfo {
  type: PortType;
  table?: TableSchema;
  /** Split partitions present; Model and TrainedModel describe the learner. */
  hasValidation?: boolean;
  model?: {
    family: string;
    trainer: 'gradient' | 'classic';
    task?: ModelTask;
    /** A model that starts from a saved one: the raw columns the saved model reads (the new data must have them). */
    inputColumns?: ColumnSchema[];
  };
  /** Folds: how many. */
  folds?: number;
}

export interface DatasetInfo {
  columns: TableSchema['columns'];
  contentHash: string;
  defaultTarget?: string;
}

/** What compile knows of a saved model (the Models page) that a graph starts from. */
export interface SavedModelInfo {
  id: string;
  /** The output port of the step that trained it. */
  port: string;
  family: string;
  trainer: 'gradient' | 'classic';
  task: ModelTask;
  target: string;
  inputColumns: ColumnSchema[];
  /** The pipeline it was trained in. */
  graphName: string;
}

export interface CompileEnv {
  /** Column schema and content hash of a dataset a graph names, or undefined when it is not here. */
  dataset(id: string): DatasetInfo | undefined;
  /** A saved model by id, or undefined when it is not here; absent where saved models are not kept (plain compile checks). */
  savedModel?(id: string): SavedModelInfo | undefined;
  /** Why this deployment name cannot be used here (another workspace publishes under it), or undefined when it can; absent where deployments are not kept. */
  deploymentNameRefusal?(name: string): string | undefined;
  /** The name of the pipeline being compiled (compile sets it from the graph). */
  pipelineName?: string;
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

export interface NodeDefinition<P extends z.ZodType = z.ZodType> {
  /** `category.kebab-name`, stable and never reused. */
  type: string;
  /** Bump when params change, with a migration for older graphs. */
  version: number;
  /**
   * Params saved by an older version of this kind (`fromVersion` < `version`) → params of this
   * version. Applied whenever a graph is compiled or opened, so graphs saved earlier keep working.
   */
  migrate?(params: Record<string, unknown>, fromVersion: number): Record<string, unknown>;
  category: NodeCategory;
  label: string;
  /** Plain-language description for non-experts. */
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  params: P;
  /**
   * A stateful preprocessing step (fit on training rows, transform any rows) the node adds to the
   * recipe: recipes name it by `step.kind`, and the trained model applies it when serving.
   */
  step?: StatefulStep<any, any>;
  /** A classic model family's trainer (fit in one go): training finds it by the family of the model the node makes. */
  trainer?: ClassicTrainer<any, z.output<P>>;
  /** A deep model family's network (what it reads, what compile checks, its builder): training finds it by the family's name. */
  network?: NetworkFamily<z.output<P>>;
  /** Steps with side effects (deploy) are never skipped as cached. */
  sideEffect?: boolean;
  /**
   * Publishes the trained model on its TrainedModel input (deploy): under which name (`pipelineName`
   * is the name of the pipeline publishing), whether it may take the name over from another pipeline or
   * change its input schema (`replace`), and whether it is published though it does not beat its
   * baseline (`deployAnyway`). The engine records the name's next version in the registry, or
   * counts the step unchanged when that model is already live under the name.
   */
  publishes?(params: z.output<P>, pipelineName: string): { name: string; replace: boolean; deployAnyway: boolean };
  /** Judges the trained model on its TrainedModel input (evaluate): its summary becomes the metrics of that model and of its deployments. */
  judgesModel?: true;
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
  parts?(params: z.output<P>, inputs: Record<string, PortInfo | undefined>): { id: string; params: Partial<z.output<P>> }[];
  runPart?(args: { inputs: Record<string, unknown>; params: z.output<P>; ctx: RunContext }): Promise<unknown>;
  /** Pure: input port infos + params → output port infos, or problems naming the field. */
  configure(args: { params: z.output<P>; inputs: Record<string, PortInfo | undefined>; env: CompileEnv }): ConfigureResult;
  run(args: { inputs: Record<string, unknown>; params: z.output<P>; ctx: RunContext }): Promise<Record<string, unknown>>;
  /** Small JSON shown in the results panel and kept with the run (metrics, the published name). */
  summarize?(outputs: Record<string, unknown>, params: z.output<P>): Record<string, unknown>;
}

/** A graph node as saved: its kind's version when saved, and its params. */
interface SavedNode {
  typeVersion: number;
  params: Record<string, unknown>;
}

/** A saved node brought up to its kind's version (params migrated), or why it cannot be. */
export function upgradeNode<N extends SavedNode>(kind: NodeDefinition, node: N): { ok: true; node: N } | { ok: false; message: string } {
  if (node.typeVersion === kind.version) return { ok: true, node };
  if (node.typeVersion < kind.version && kind.migrate) {
    try {
      return { ok: true, node: { ...node, typeVersion: kind.version, params: kind.migrate(node.params, node.typeVersion) } };
    } catch (error) {
      return { ok: false, message: `This ${kind.label} node was saved as version ${node.typeVersion} and could not be upgraded: ${(error as Error).message}` };
    }
  }
  return { ok: false, message: `This ${kind.label} node was saved as version ${node.typeVersion}; this Pipeloom has version ${kind.version} and no upgrade from it.` };
}

/** The graph with each node that can be upgraded at its kind's version; the others stay as saved (compile names them). */
export function upgradeGraph<G extends { nodes: (SavedNode & { type: string })[] }>(graph: G, kinds: ReadonlyMap<string, NodeDefinition>): G {
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const kind = kinds.get(node.type);
      const upgraded = kind && upgradeNode(kind, node);
      return upgraded?.ok ? upgraded.node : node;
    }),
  };
}

/** Identity function that keeps the params type flowing into configure and run. */
export function defineNode<P extends z.ZodType>(definition: NodeDefinition<P>): NodeDefinition<P> {
  // Recipes and training find a kind's step and trainer once the kind is defined: the registries are the node list's.
  if (definition.step) registerStep(definition.step);
  if (definition.trainer) registerTrainer(definition.trainer);
  if (definition.network) registerNetworkFamily(definition.network);
  return definition;
}
