import { z } from 'zod';
import { ingestUpload } from './dataset/ingest-upload';
import { sampleDataset } from './dataset/sample-dataset';
import { uploadedDataset } from './dataset/uploaded-dataset';
import { changeType } from './cleaning/change-type';
import { missingValues } from './cleaning/missing-values';
import { outliers } from './cleaning/outliers';
import { renameColumns } from './cleaning/rename-columns';
import { textCleanup } from './cleaning/text-cleanup';
import { filterRows, removeDuplicates, sampleRows, sortRows } from './cleaning/row-operations';
import { selectColumns } from './cleaning/select-columns';
import type { CatalogEntry, NodeDefinition } from './define';
import type { ParamMeta } from '../lib/catalog';
import type { DiffVocabulary } from '../lib/graph-diff';
import { deploy } from './deploy/deploy';
import { evaluate } from './evaluate/evaluate';
import { predict } from './evaluate/predict';
import { crossValidate } from './evaluate/cross-validate';
import { compare } from './evaluate/compare';
import { bucketize } from './features/bucketize';
import { dateParts } from './features/date-parts';
import { ordinalEncode } from './features/ordinal-encode';
import { pca } from './features/pca';
import { oneHot } from './features/one-hot';
import { featureSelection } from './features/feature-selection';
import { tokenize } from './features/tokenize';
import { sequenceWindows } from './features/sequence-windows';
import { imageNormalize } from './features/image-normalize';
import { imageAugment } from './features/image-augment';
import { logTransform, minMaxScale, standardize } from './features/scaling';
import { robustScale } from './features/robust-scale';
import { linearRegression, logisticRegression } from './model/linear-models';
import { mlp } from './model/mlp';
import { cnn } from './model/cnn';
import { rnn } from './model/rnn';
import { transformer } from './model/transformer';
import { kmeansModel, pcaModel } from './model/clustering';
import { svm } from './model/svm';
import { decisionTree, randomForest } from './model/trees';
import { pretrained } from './model/pretrained';
import { kFold } from './split/k-fold';
import { timeOrderedSplit } from './split/time-ordered-split';
import { trainTestSplit } from './split/train-test-split';
import { train } from './train/train';
import { tuneLearningRate } from './train/tune';

/** Every node kind, listed explicitly (palette order within each category). */
export const NODE_KINDS: NodeDefinition[] = [
  sampleDataset,
  uploadedDataset,
  selectColumns,
  renameColumns,
  changeType,
  filterRows,
  missingValues,
  outliers,
  textCleanup,
  removeDuplicates,
  sortRows,
  sampleRows,
  standardize,
  robustScale,
  minMaxScale,
  logTransform,
  ordinalEncode,
  oneHot,
  bucketize,
  dateParts,
  pca,
  featureSelection,
  tokenize,
  sequenceWindows,
  imageNormalize,
  imageAugment,
  trainTestSplit,
  timeOrderedSplit,
  kFold,
  logisticRegression,
  linearRegression,
  mlp,
  cnn,
  rnn,
  transformer,
  svm,
  decisionTree,
  randomForest,
  kmeansModel,
  pcaModel,
  pretrained,
  train,
  tuneLearningRate,
  evaluate,
  predict,
  crossValidate,
  compare,
  deploy,
] as unknown as NodeDefinition[];

/** The kinds a graph may name: compile, the API and the CLI know only these. */
export const nodeKinds: ReadonlyMap<string, NodeDefinition> = new Map(NODE_KINDS.map((k) => [k.type, k]));

/**
 * Every kind a worker can run: the graph kinds and the engine's internal ones (ingesting an upload),
 * which the engine starts itself and no graph can name (their type starts with INTERNAL_KIND_PREFIX).
 */
export const runnableKinds: ReadonlyMap<string, NodeDefinition> = new Map(
  [...NODE_KINDS, ingestUpload as unknown as NodeDefinition].map((k) => [k.type, k]),
);

export function catalogEntry(kind: NodeDefinition): CatalogEntry {
  return {
    type: kind.type,
    version: kind.version,
    category: kind.category,
    label: kind.label,
    description: kind.description,
    inputs: kind.inputs,
    outputs: kind.outputs,
    paramsSchema: z.toJSONSchema(kind.params, { io: 'input' }) as Record<string, unknown>,
    sideEffect: kind.sideEffect ?? false,
  };
}

export function catalog(): CatalogEntry[] {
  return NODE_KINDS.map(catalogEntry);
}

/** Each kind's params as the catalog describes them (title, widget…), by kind type. */
const paramsByKind: ReadonlyMap<string, Record<string, ParamMeta>> = new Map(
  NODE_KINDS.map((kind) => [kind.type, (catalogEntry(kind).paramsSchema.properties ?? {}) as Record<string, ParamMeta>]),
);

/** Per kind, the params that name an uploaded dataset or a saved model (their `widget` meta says so). */
const referenceParams: ReadonlyMap<string, { field: string; widget: 'dataset' | 'model' }[]> = new Map(
  [...paramsByKind].map(([type, properties]) => [
    type,
    Object.entries(properties).flatMap(([field, { widget }]) => (widget === 'dataset' || widget === 'model' ? [{ field, widget }] : [])),
  ]),
);

/** How a graph diff's summary names kinds and params: as the palette and the inspector do. */
export const diffVocabulary: DiffVocabulary = {
  kindLabel: (type) => nodeKinds.get(type)?.label ?? type,
  paramTitle: (type, param) => paramsByKind.get(type)?.[param]?.title ?? param,
};

/** The uploaded datasets and saved models a graph's nodes name (what it needs besides itself to run elsewhere). */
export function referencedIds(graph: { nodes: { type: string; params: Record<string, unknown> }[] }): { datasets: string[]; models: string[] } {
  const found = { dataset: new Set<string>(), model: new Set<string>() };
  for (const node of graph.nodes) {
    for (const { field, widget } of referenceParams.get(node.type) ?? []) {
      const value = node.params[field];
      if (typeof value === 'string' && value !== '') found[widget].add(value);
    }
  }
  return { datasets: [...found.dataset], models: [...found.model] };
}
