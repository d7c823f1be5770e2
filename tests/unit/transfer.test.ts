/** Transfer learning in runtime/training/transfer.ts through trainNetwork: what is frozen, the new head, plain refusals. */
import { beforeAll, describe, expect, it } from 'vitest';
import { takeRows, type Table } from '../../lib/table';
import type { ModelSpec, SplitArtifact, TrainedModelArtifact, TransferBase } from '../../runtime/artifacts';
import { loadSample } from '../../runtime/ingest/samples';
import { trainNetwork } from '../../runtime/training/neural';
import type { TrainOptions } from '../../runtime/training/options';
import { loadNetwork } from '../../runtime/training/network-weights';
import { initTf } from '../../runtime/tf/backend';
import { testContext } from '../support/run-context';

beforeAll(async () => {
  await initTf();
});

/** Iris (without `drop`) in a fixed interleaved order: 100 train, 50 test. */
function irisSplit(target: string, drop?: string): SplitArtifact {
  const { table } = loadSample('iris');
  const order = Array.from({ length: 150 }, (_, i) => (i % 3) * 50 + Math.floor(i / 3));
  const kept: Table = { ...table, columns: table.columns.filter((c) => c.name !== drop) };
  const part = (from: number, to: number) => takeRows(kept, order.slice(from, to));
  const classification = target === 'species';
  return {
    target,
    task: classification ? 'classification' : 'regression',
    labels: classification ? ['setosa', 'versicolor', 'virginica'] : [],
    train: part(0, 100),
    validation: part(0, 0),
    test: part(100, 150),
    recipe: [],
    seed: 1,
  };
}

const mlp: ModelSpec = { family: 'mlp', trainer: 'gradient', config: { hiddenLayers: 2, units: 8, activation: 'relu', dropout: 0, l2: 0 } };
const options: TrainOptions = { epochs: 40, learningRate: 0.03, batchSize: 16, optimizer: 'adam', seed: 5 };

let base: TrainedModelArtifact;
const from = (freeze: TransferBase['freeze']): ModelSpec => ({ ...mlp, base: { modelKey: 'saved-iris', freeze, trained: base } });

/** Each dense layer's weights, by layer name. */
async function denseWeights(trained: TrainedModelArtifact): Promise<Map<string, number[][]>> {
  const network = await loadNetwork(trained.weights!);
  const weights = new Map(network.layers.filter((l) => l.getClassName() === 'Dense').map((l) => [l.name, l.getWeights().map((w) => Array.from(w.dataSync()))]));
  network.dispose();
  return weights;
}

describe('starting from a saved network', () => {
  beforeAll(async () => {
    // Species from three measurements: petal width is left out, to be the next model's target.
    base = await trainNetwork(irisSplit('species', 'petal_width_cm'), mlp, options, testContext());
  });

  it('freezes the first N layers with weights to the bit, trains the rest, and puts a new head on (here for a number instead of classes)', async () => {
    const logs: string[] = [];
    const trained = await trainNetwork(irisSplit('petal_width_cm', 'species'), from(1), options, testContext(logs));
    expect(logs[0]).toBe(
      'Starting from saved model saved-ir… (mlp, trained to predict "species"): 1 of 2 layers keep their weights, 1 learn on, and a new head predicts a number of "petal_width_cm".',
    );
    const before = await denseWeights(base);
    const after = await denseWeights(trained);
    const [first, second, oldHead] = [...before.keys()];
    expect(after.get(first)).toEqual(before.get(first));
    expect(after.get(second)).not.toEqual(before.get(second));
    expect(after.has(oldHead)).toBe(false);
    expect(after.get('new_head')?.[0]).toHaveLength(8);
    // The saved model's preprocessing and inputs, a regression's target scale, and the spec naming where it started.
    expect(trained).toMatchObject({ task: 'regression', target: 'petal_width_cm', labels: [], encoder: base.encoder, inputColumns: base.inputColumns, recipe: base.recipe });
    expect(trained.targetScale.std).toBeGreaterThan(0.5);
    expect(trained.spec).toEqual({ ...mlp, base: { modelKey: 'saved-iris', freeze: 1 } });
  });

  it('"all but the head" freezes every layer; none (0) lets every layer learn on', async () => {
    const before = await denseWeights(base);
    const [first, second] = [...before.keys()];
    const frozen = await denseWeights(await trainNetwork(irisSplit('species', 'petal_width_cm'), from('all-but-head'), options, testContext()));
    expect([frozen.get(first), frozen.get(second)]).toEqual([before.get(first), before.get(second)]);
    const tuned = await denseWeights(await trainNetwork(irisSplit('species', 'petal_width_cm'), from(0), options, testContext()));
    expect(tuned.get(first)).not.toEqual(before.get(first));
  });

  it('shrink: the layers that learn on start from their saved weights times it; frozen layers keep theirs', async () => {
    const logs: string[] = [];
    const spec: ModelSpec = { ...mlp, base: { modelKey: 'saved-iris', freeze: 1, shrink: 0.5, trained: base } };
    // No epoch: the network as training starts from it.
    const start = await denseWeights(await trainNetwork(irisSplit('species', 'petal_width_cm'), spec, { ...options, epochs: 0 }, testContext(logs)));
    const before = await denseWeights(base);
    const [first, second] = [...before.keys()];
    expect(start.get(first)).toEqual(before.get(first));
    expect(start.get(second)).toEqual(before.get(second)!.map((values) => values.map((v) => v * 0.5)));
    expect(logs[1]).toBe('The 1 layer that learns on starts from its saved weights × 0.5 (shrink: a network started from trained weights otherwise learns new data worse).');
  });

  it('columns the saved model did not read are left aside, free text included', async () => {
    const split = irisSplit('species', 'petal_width_cm');
    const note = (table: Table): Table => ({
      ...table,
      columns: [...table.columns, { name: 'note', type: 'text', codes: new Int32Array(table.rowCount), categories: ['a free-text remark'] }],
    });
    const trained = await trainNetwork({ ...split, train: note(split.train), test: note(split.test) }, from(0), { ...options, epochs: 2 }, testContext());
    expect(trained.inputColumns).toEqual(base.inputColumns);
    expect(trained.encoder).toEqual(base.encoder);
  });

  it('refuses in plain words: too many layers to freeze, preprocessing fitted on the new rows, a missing column', async () => {
    const split = irisSplit('species', 'petal_width_cm');
    await expect(trainNetwork(split, from(3), options, testContext())).rejects.toThrow(
      'The saved network has 2 layers with weights before its head: freeze at most 2.',
    );
    const fitted: SplitArtifact = { ...split, recipe: [{ kind: 'standardize', params: {}, state: {} }] };
    await expect(trainNetwork(fitted, from(0), options, testContext())).rejects.toThrow(/^The split fits preprocessing on the new rows \(standardize\)/);
    const missing = irisSplit('species', 'sepal_width_cm');
    await expect(trainNetwork(missing, from(0), options, testContext())).rejects.toThrow('The saved model reads column "sepal_width_cm", which the data does not have.');
  });
});
