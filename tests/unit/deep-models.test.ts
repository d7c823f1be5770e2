import { beforeAll, describe, expect, it } from 'vitest';
import { encodeFeatures, fitEncoder } from '../../runtime/training/encoding';
import { pixelColumnNames } from '../../lib/image';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import { aheadColumnName, lagColumnName, tokenColumnNames } from '../../runtime/sequence';
import type { Column, ColumnSchema, Table } from '../../lib/table';
import { catalogEntry, nodeKinds } from '../../nodes';
import type { ModelSpec, SplitArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import type { PortInfo } from '../../nodes/define';
import { deepInputProblems } from '../../nodes/model/deep';
import { configureTraining } from '../../nodes/train/train';
import { buildNetwork, trainNetwork } from '../../runtime/training/neural';
import { loadNetwork } from '../../runtime/training/network-weights';
import { isDeepSpec, networkEncoderOptions } from '../../runtime/training/networks';
import { networkFamily } from '../../runtime/training/networks/family';
import { inputLayout } from '../../runtime/training/networks/inputs';
import { predictTable } from '../../runtime/training/predict';
import { prepareTraining } from '../../runtime/training/training-data';
import { initTf, tf } from '../../runtime/tf/backend';
import { testContext } from '../support/run-context';

/** What a deep family's network reads, as its model node declared it. */
const readsOf = (family: string) => networkFamily(family)!.reads;

beforeAll(async () => {
  process.env.PIPELOOM_TF_BACKEND = 'wasm';
  expect(await initTf()).toBe('wasm');
});

/** A small seeded generator, so every run sees the same tiny data sets. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const numberColumn = (name: string, values: ArrayLike<number>): Column => ({ name, type: 'number', values: Float64Array.from(values) });
const labelColumn = (name: string, labels: string[], classes: string[]): Column => ({ name, type: 'category', codes: Int32Array.from(labels, (l) => classes.indexOf(l)), categories: classes });
const empty = (table: Table): Table => ({ rowCount: 0, columns: table.columns.map((c) => ('values' in c ? { ...c, values: new Float64Array(0) } : { ...c, codes: new Int32Array(0) })) });

function classificationSplit(train: Table, test: Table, labels: string[], recipe: SplitArtifact['recipe'] = []): SplitArtifact {
  return { target: 'label', task: 'classification', labels, train, validation: empty(train), test, recipe, seed: 1 };
}

/** 6×6 grey images: a vertical bar ('v') or a horizontal one ('h') at a random place, over noise; and a useless extra column. */
function barImages(rows: number, seed: number): Table {
  const next = random(seed);
  const names = pixelColumnNames(6, 6, 1);
  const pixels = names.map(() => new Float64Array(rows));
  const labels: string[] = [];
  for (let r = 0; r < rows; r++) {
    const vertical = r % 2 === 0;
    const at = Math.floor(next() * 6);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) pixels[i * 6 + j][r] = ((vertical ? j : i) === at ? 200 : 0) + next() * 60;
    labels.push(vertical ? 'v' : 'h');
  }
  return { rowCount: rows, columns: [...names.map((n, k) => numberColumn(n, pixels[k])), numberColumn('extra', Array.from({ length: rows }, () => next())), labelColumn('label', labels, ['h', 'v'])] };
}

const FRUIT = ['apple', 'pear', 'plum', 'fig'];
const ANIMALS = ['dog', 'cat', 'cow', 'owl'];
const FILLER = ['the', 'a', 'and', 'some'];

/** Short texts about fruit or animals, with filler words; 'fruit' texts may end early (padding). */
function texts(rows: number, seed: number): Table {
  const next = random(seed);
  const pick = (words: string[]) => words[Math.floor(next() * words.length)];
  const lines: string[] = [];
  const labels: string[] = [];
  for (let r = 0; r < rows; r++) {
    const fruit = r % 2 === 0;
    const length = 2 + Math.floor(next() * 5);
    const words = Array.from({ length }, (_, i) => (i % 2 === 0 ? pick(fruit ? FRUIT : ANIMALS) : pick(FILLER)));
    lines.push(words.join(' '));
    labels.push(fruit ? 'fruit' : 'animal');
  }
  const categories = [...new Set(lines)];
  return {
    rowCount: rows,
    columns: [{ name: 'msg', type: 'text', codes: Int32Array.from(lines, (l) => categories.indexOf(l)), categories }, labelColumn('label', labels, ['animal', 'fruit'])],
  };
}

function textSplit(): SplitArtifact {
  const train = texts(80, 3);
  const recipe = fitRecipe([{ kind: 'tokenize', params: { column: 'msg', maxVocabulary: 50, minCount: 1, sequenceLength: 8 } }], train, { target: 'label' });
  return classificationSplit(train, texts(30, 4), ['animal', 'fruit'], recipe);
}

/** A noisy wave, windowed: x_lag3 … x_lag0 and the value one step later, x_ahead1. */
function waveSplit(): SplitArtifact {
  const next = random(5);
  const series = Array.from({ length: 160 }, (_, t) => Math.sin(t * 0.4) * 10 + 20 + next() - 0.5);
  const window = 4;
  const table = (from: number, to: number): Table => {
    const rows = Array.from({ length: to - from }, (_, i) => from + i);
    const lags = Array.from({ length: window }, (_, i) => numberColumn(lagColumnName('x', window - 1 - i), rows.map((t) => series[t - (window - 1 - i)])));
    return { rowCount: rows.length, columns: [...lags, numberColumn(aheadColumnName('x', 1), rows.map((t) => series[t + 1]))] };
  };
  const train = table(3, 120);
  return { target: 'x_ahead1', task: 'regression', labels: [], train, validation: empty(train), test: table(120, 159), recipe: [], seed: 0 };
}

function spec(family: 'cnn' | 'rnn' | 'transformer', params: Record<string, unknown> = {}): ModelSpec {
  return { family, trainer: 'gradient', config: nodeKinds.get(`model.${family}`)!.params.parse(params) } as ModelSpec;
}

async function trainWithLosses(split: SplitArtifact, model: ModelSpec, epochs: number, learningRate = 0.01): Promise<{ trained: TrainedModelArtifact; losses: number[] }> {
  const losses: number[] = [];
  const ctx = { ...testContext(), epoch: (_: number, values: Record<string, number>) => void losses.push(values.loss) };
  const trained = await trainNetwork(split, model, { epochs, learningRate, batchSize: 16, optimizer: 'adam', seed: 7 }, ctx);
  return { trained, losses };
}

/** The network's raw outputs for a table, through the stored weights (as the predict path loads them). */
async function networkOutput(trained: TrainedModelArtifact, table: Table) {
  const encoded = encodeFeatures(applyRecipe(trained.recipe, table), trained.encoder);
  const network = await loadNetwork(trained.weights!);
  const output = network.predict(tf.tensor2d(encoded, [table.rowCount, trained.encoder.width])) as tf.Tensor;
  const result = { shape: output.shape, values: Array.from(await output.data()) };
  output.dispose();
  network.dispose();
  return result;
}

function accuracy(predicted: (string | number)[], table: Table): number {
  const label = table.columns.find((c) => c.name === 'label') as Extract<Column, { codes: Int32Array }>;
  return predicted.filter((p, r) => p === label.categories[label.codes[r]]).length / table.rowCount;
}

describe('model node params (one zod schema each)', () => {
  it('defaults parse; the inspector gets titles, descriptions and advanced flags', () => {
    for (const family of ['cnn', 'rnn', 'transformer']) {
      const kind = nodeKinds.get(`model.${family}`)!;
      expect(kind.category).toBe('model');
      expect(kind.params.safeParse({}).success, family).toBe(true);
      const properties = catalogEntry(kind).paramsSchema.properties as Record<string, { title?: string; description?: string; advanced?: boolean; default?: unknown }>;
      for (const [key, field] of Object.entries(properties)) {
        expect(field.title, `${family}.${key}`).toBeTruthy();
        expect(field.description, `${family}.${key}`).toBeTruthy();
        expect(field.default, `${family}.${key}`).toBeDefined();
      }
      // A few settings up front, the rest under Advanced.
      const basic = Object.entries(properties).filter(([, f]) => !f.advanced);
      expect(basic.length, family).toBeGreaterThanOrEqual(2);
      expect(basic.length, family).toBeLessThan(Object.keys(properties).length);
    }
  });

  it('rejects bad params with a message on the field', () => {
    const issues = (family: string, params: Record<string, unknown>) => {
      const parsed = nodeKinds.get(`model.${family}`)!.params.safeParse(params);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues('cnn', { blocks: 0 })).toEqual(['blocks: at least 1']);
    expect(issues('cnn', { filters: 2.5 })).toEqual(['filters: must be a whole number']);
    expect(issues('cnn', { pooling: 'median' })[0]).toMatch(/^pooling:/);
    expect(issues('cnn', { dropout: 1 })).toEqual(['dropout: at most 0.9']);
    expect(issues('rnn', { cell: 'transformer' })[0]).toMatch(/^cell:/);
    expect(issues('rnn', { units: 0, layers: 5 })).toEqual(['layers: at most 4', 'units: at least 1']);
    expect(issues('transformer', { heads: 4, embeddingSize: 30 })).toEqual(['embeddingSize: must divide by the 4 attention heads (each head gets an equal share), e.g. 32']);
    expect(issues('transformer', { heads: 4, embeddingSize: 32 })).toEqual([]);
  });

  it('the Model port says the family; the spec carries the params', async () => {
    const kind = nodeKinds.get('model.rnn')!;
    const configured = kind.configure({ params: kind.params.parse({}), inputs: {}, env: { dataset: () => undefined } });
    expect(configured.outputs.model?.model).toEqual({ family: 'rnn', trainer: 'gradient' });
    const { model } = await kind.run({ inputs: {}, params: kind.params.parse({ units: 8 }), ctx: testContext() });
    expect(model).toMatchObject({ family: 'rnn', trainer: 'gradient', config: { units: 8, cell: 'gru', layers: 1 } });
  });
});

describe('compile-time input checks (Train)', () => {
  const schema = (names: string[], type: ColumnSchema['type'] = 'number'): ColumnSchema[] => names.map((name) => ({ name, type }));
  const pixels = schema(pixelColumnNames(4, 4, 1));
  const words = schema(tokenColumnNames('msg', 5));
  const lags = schema(['t_lag2', 't_lag1', 't_lag0']);
  const plain = schema(['a', 'b']);
  const split = (columns: ColumnSchema[]): PortInfo => ({ type: 'Split', table: { columns: [...columns, { name: 'y', type: 'category' }], target: 'y', task: 'classification' } });

  it('each deep family needs its own kind of columns; other families are unaffected', () => {
    expect(deepInputProblems('cnn', pixels, 'y')).toEqual([]);
    expect(deepInputProblems('cnn', [...words, ...plain], 'y')[0].message).toMatch(/reads images.*px_<row>_<col>/);
    expect(deepInputProblems('rnn', words, 'y')).toEqual([]);
    expect(deepInputProblems('rnn', lags, 'y')).toEqual([]);
    expect(deepInputProblems('rnn', [...pixels, ...plain], 'y')[0].message).toMatch(/neither word columns \(add Tokenize text/);
    // Category windows are not a sequence of numbers to step through.
    expect(deepInputProblems('rnn', schema(['w_lag1', 'w_lag0'], 'category'), 'y')).toHaveLength(1);
    expect(deepInputProblems('transformer', words, 'y')).toEqual([]);
    expect(deepInputProblems('transformer', lags, 'y')[0].message).toMatch(/add Tokenize text before the split/);
    // The target itself does not count as an input.
    expect(deepInputProblems('cnn', pixels, 'px_3_3')).toHaveLength(1);
    for (const family of ['mlp', 'logistic-regression', 'svm', 'kmeans']) expect(deepInputProblems(family, plain, 'y')).toEqual([]);
  });

  it('Train reports the problem in plain words', () => {
    const problems = (family: string, columns: ColumnSchema[]) =>
      configureTraining({ split: split(columns), model: { type: 'Model', model: { family, trainer: 'gradient' } } }).problems ?? [];
    expect(problems('cnn', plain).map((p) => p.message)).toEqual([expect.stringContaining('A convolutional network reads images')]);
    expect(problems('cnn', pixels)).toEqual([]);
    expect(problems('transformer', plain).map((p) => p.message)).toEqual(['A transformer reads text as word numbers, but the data has none: add Tokenize text before the split.']);
    expect(problems('mlp', plain)).toEqual([]);
  });

  it("a network started from a saved one reads raw text through the saved model's tokenizer: Train asks only for the columns it read", () => {
    const saved = (inputColumns: ColumnSchema[], columns: ColumnSchema[]) =>
      configureTraining({ split: split(columns), model: { type: 'Model', model: { family: 'rnn', trainer: 'gradient', inputColumns } } }).problems ?? [];
    const text: ColumnSchema[] = [{ name: 'msg', type: 'text' }];
    expect(saved(text, [...text, ...plain])).toEqual([]);
    expect(saved([...text, { name: 'extra', type: 'number' }], plain).map((p) => p.message)).toEqual([
      'The saved model reads columns "msg", "extra", which the data does not have: a model that starts from it needs the same columns.',
    ]);
  });

  it('Predict takes raw text for a model that learned word columns (its own Tokenize step makes them), but still names a missing column', () => {
    const predict = nodeKinds.get('evaluate.predict')!;
    const model: PortInfo = { type: 'TrainedModel', table: split([...words, ...plain]).table, model: { family: 'rnn', trainer: 'gradient', task: 'classification' } };
    const rows = (columns: ColumnSchema[]): PortInfo => ({ type: 'Table', table: { columns } });
    const configure = (columns: ColumnSchema[]) => predict.configure({ params: {}, inputs: { model, table: rows(columns) }, env: { dataset: () => undefined } }).problems ?? [];
    expect(configure([{ name: 'msg', type: 'text' }, ...plain])).toEqual([]);
    expect(configure([{ name: 'msg', type: 'text' }, plain[0]]).map((p) => p.message)).toEqual(['The new rows lack the column "b" the model was trained on.']);
    expect(configure(plain)).toHaveLength(5);
  });
});

describe("the encoder's 'ids' mode", () => {
  const table: Table = { rowCount: 4, columns: [numberColumn('m_tok_1', [2, 5, NaN, 9]), numberColumn('m_tok_2', [0, 1.5, -3, 3]), numberColumn('n', [1, 2, 3, 4])] };

  it('keeps word ids whole: missing → padding 0, outside the vocabulary or not whole → unknown 1; other numbers still standardized', () => {
    const encoder = fitEncoder(table, ['m_tok_1', 'm_tok_2', 'n'], { ids: { m_tok_1: 6, m_tok_2: 6 } });
    expect(encoder.features[0]).toEqual({ name: 'm_tok_1', type: 'number', mean: 0, std: 1, ids: 6 });
    const n = (v: number) => Math.fround((v - 2.5) / Math.sqrt(1.25));
    expect(Array.from(encodeFeatures(table, encoder))).toEqual([2, 0, n(1), 5, 1, n(2), 0, 1, n(3), 1, 3, n(4)]);
  });

  it('an encoder stored without ids (before this mode) standardizes the same columns as before', () => {
    const stored = JSON.parse(JSON.stringify(fitEncoder(table, ['m_tok_1', 'n']))) as ReturnType<typeof fitEncoder>;
    const std = Math.sqrt(((2 - 16 / 3) ** 2 + (5 - 16 / 3) ** 2 + (9 - 16 / 3) ** 2) / 3);
    expect(stored.features[0]).toEqual({ name: 'm_tok_1', type: 'number', mean: 16 / 3, std });
    const encoded = encodeFeatures(table, stored);
    expect(encoded[0]).toBeCloseTo((2 - 16 / 3) / std, 6);
    expect(encoded[4]).toBe(0); // a missing number → the training mean → 0
  });

  it('the RNN and transformer size them by the fitted Tokenize vocabulary; the CNN and MLP do not use ids', () => {
    const split = textSplit();
    const { encoder } = prepareTraining(split, (prepared) => networkEncoderOptions('rnn', split, prepared));
    const vocabulary = (split.recipe[0].state as { vocabulary: string[] }).vocabulary.length + 2;
    expect(encoder.features.map((f) => (f.type === 'number' ? f.ids : undefined))).toEqual(Array(8).fill(vocabulary));
    expect(networkEncoderOptions('cnn', split, split.train)).toEqual({});
    const layout = inputLayout(encoder, readsOf('transformer'));
    expect(layout.texts).toEqual([{ base: 'msg', length: 8, vocabulary, indices: [0, 1, 2, 3, 4, 5, 6, 7] }]);
    expect(layout.rest).toEqual([]);
  });
});

describe("a CNN's pixels: one scale per channel", () => {
  // A 1×2 colour image (channel last): px_0_0_0, px_0_0_1, px_0_1_0, px_0_1_1, and one other number.
  const names = pixelColumnNames(1, 2, 2);
  const train: Table = {
    rowCount: 3,
    columns: [
      numberColumn(names[0], [0, 2, 4]),
      numberColumn(names[1], [10, 10, 10]),
      numberColumn(names[2], [0, 0, 0]),
      numberColumn(names[3], [20, NaN, 30]),
      numberColumn('size', [1, 2, 3]),
      labelColumn('label', ['a', 'b', 'a'], ['a', 'b']),
    ],
  };
  const split = classificationSplit(train, train, ['a', 'b']);

  it('pools each channel over all its pixels (training rows, missing values skipped); other columns keep their own scale', () => {
    expect(networkEncoderOptions('cnn', split, train)).toEqual({ pooled: [[names[0], names[2]], [names[1], names[3]]] });
    const { encoder } = prepareTraining(split, (prepared) => networkEncoderOptions('cnn', split, prepared));
    const stats = (name: string) => {
      const f = encoder.features.find((feature) => feature.name === name)!;
      return f.type === 'number' ? [f.mean, f.std] : [];
    };
    // Channel 0: 0, 2, 4, 0, 0, 0 → mean 1, std √(14/6); channel 1: 10, 10, 10, 20, 30 → mean 16, std √64 = 8.
    const channel0 = [1, Math.sqrt(14 / 6)];
    for (const name of [names[0], names[2]]) expect(stats(name), name).toEqual([channel0[0], expect.closeTo(channel0[1], 12)]);
    for (const name of [names[1], names[3]]) expect(stats(name), name).toEqual([16, 8]);
    expect(stats('size')).toEqual([2, expect.closeTo(Math.sqrt(2 / 3), 12)]);
  });

  it('a pixel that never changed in training reads on the same scale as the rest of its channel (per-pixel statistics would give it std 1)', () => {
    const { encoder } = prepareTraining(split, (prepared) => networkEncoderOptions('cnn', split, prepared));
    const newImage: Table = { rowCount: 1, columns: [numberColumn(names[0], [4]), numberColumn(names[1], [10]), numberColumn(names[2], [4]), numberColumn(names[3], [10]), numberColumn('size', [2])] };
    const [a, , b] = encodeFeatures(newImage, encoder);
    expect(b).toBe(a);
  });
});

describe('input layouts: where each family finds its columns in the encoded rows', () => {
  it('CNN: the pixels in row-major order wherever the encoder put them; the other columns go to the head', () => {
    const images = barImages(4, 1);
    // Columns in a scrambled order: the layout follows the names, not the positions.
    const names = ['extra', ...pixelColumnNames(6, 6, 1).reverse()];
    const layout = inputLayout(fitEncoder(images, names), readsOf('cnn'));
    expect(layout.image).toMatchObject({ height: 6, width: 6, channels: 1 });
    expect(layout.image!.indices).toEqual(Array.from({ length: 36 }, (_, k) => 36 - k));
    expect(layout.rest).toEqual([0]);
  });

  it('RNN: time windows step by step, oldest first, one feature per windowed column; category windows go to the head', () => {
    const table: Table = {
      rowCount: 2,
      columns: [
        numberColumn('a_lag0', [1, 2]),
        numberColumn('a_lag1', [1, 2]),
        numberColumn('b_lag1', [1, 2]),
        numberColumn('b_lag0', [1, 2]),
        labelColumn('w_lag1', ['x', 'y'], ['x', 'y']),
        labelColumn('w_lag0', ['y', 'y'], ['x', 'y']),
      ],
    };
    const layout = inputLayout(fitEncoder(table, table.columns.map((c) => c.name)), readsOf('rnn'));
    expect(layout.series).toEqual({ bases: ['a', 'b'], steps: 2, features: 2, indices: [1, 2, 0, 3] });
    expect(layout.rest).toEqual([4, 5, 6]);
  });
});

describe('training each family on tiny data (wasm)', () => {
  it('CNN: the loss falls, bars are told apart, outputs are [rows, classes]', async () => {
    const split = classificationSplit(barImages(80, 1), barImages(30, 2), ['h', 'v']);
    const { trained, losses } = await trainWithLosses(split, spec('cnn', { filters: 4, denseUnits: 8 }), 6);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);
    expect(trained.spec.family).toBe('cnn');
    expect((await networkOutput(trained, split.test)).shape).toEqual([30, 2]);
    const predictions = await predictTable(trained, split.test);
    expect(predictions.probabilities!.every((p) => p.length === 2 && Math.abs(p[0] + p[1] - 1) < 1e-5)).toBe(true);
    expect(accuracy(predictions.predicted, split.test)).toBeGreaterThanOrEqual(0.9);
  });

  it('RNN on text (LSTM, both ways, 2 layers): the loss falls, the classes are learned', async () => {
    const split = textSplit();
    const { trained, losses } = await trainWithLosses(split, spec('rnn', { cell: 'lstm', units: 8, embeddingSize: 8, layers: 2, bidirectional: true }), 8, 0.02);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);
    expect((await networkOutput(trained, split.test)).shape).toEqual([30, 2]);
    expect(accuracy((await predictTable(trained, split.test)).predicted, split.test)).toBeGreaterThanOrEqual(0.9);
  });

  it('RNN on time windows (GRU): the loss falls and the forecast beats the training mean; one number per row', async () => {
    const split = waveSplit();
    const { trained, losses } = await trainWithLosses(split, spec('rnn', { units: 8 }), 15, 0.02);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);
    expect((await networkOutput(trained, split.test)).shape).toEqual([39, 1]);
    const predicted = (await predictTable(trained, split.test)).predicted as number[];
    const actual = (split.test.columns.at(-1) as Extract<Column, { values: Float64Array }>).values;
    const mae = predicted.reduce((s, p, r) => s + Math.abs(p - actual[r]), 0) / predicted.length;
    const baseline = Array.from(actual).reduce((s, y) => s + Math.abs(y - trained.targetScale.mean), 0) / actual.length;
    expect(mae).toBeLessThan(baseline / 2);
  });

  it('transformer on text: the loss falls, the classes are learned', async () => {
    const split = textSplit();
    const { trained, losses } = await trainWithLosses(split, spec('transformer', { embeddingSize: 8, feedForwardUnits: 16, heads: 2 }), 8, 0.02);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);
    expect((await networkOutput(trained, split.test)).shape).toEqual([30, 2]);
    expect(accuracy((await predictTable(trained, split.test)).predicted, split.test)).toBeGreaterThanOrEqual(0.9);
  });

  it('a CNN too deep for its images, or a deep family without its columns, is refused in plain words', async () => {
    const images = barImages(4, 1);
    const encoder = fitEncoder(images, pixelColumnNames(6, 6, 1));
    const build = (s: ModelSpec) => buildNetwork(s, encoder.width, 2, 'classification', 1, encoder);
    await expect(build(spec('cnn', { blocks: 2, padding: 'valid', kernelSize: 5 }))).rejects.toThrow('The image is only 1 pixel high at convolution block 2, smaller than the 5×5 kernel');
    await expect(build(spec('rnn'))).rejects.toThrow(/needs word columns \(Tokenize text\) or time windows/);
    await expect(build(spec('transformer'))).rejects.toThrow(/needs word columns \(Tokenize text\)/);
  });
});

describe('save → load round trip', () => {
  /** Trains briefly, saves the live network as the artifact store would (JSON topology, weight bytes), loads it back. */
  async function roundTrip(split: SplitArtifact, model: ModelSpec) {
    if (!isDeepSpec(model)) throw new Error('deep families only');
    const { train, encoder } = prepareTraining(split, (prepared) => networkEncoderOptions(model.family, split, prepared));
    const x = tf.tensor2d(encodeFeatures(train, encoder), [train.rowCount, encoder.width]);
    const network = await buildNetwork(model, encoder.width, 2, 'classification', 3, encoder);
    network.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: train.rowCount }, (_, r) => r % 2), 'int32'), 2).toFloat();
    await network.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    const before = Array.from(await (network.predict(x) as tf.Tensor).data());
    let saved: { modelTopology: object; weightSpecs: object[]; weightData: Uint8Array } | undefined;
    await network.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = {
          modelTopology: JSON.parse(JSON.stringify(artifacts.modelTopology)),
          weightSpecs: JSON.parse(JSON.stringify(artifacts.weightSpecs)),
          weightData: new Uint8Array(Array.isArray(artifacts.weightData) ? tf.io.concatenateArrayBuffers(artifacts.weightData) : (artifacts.weightData as ArrayBuffer).slice(0)),
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await loadNetwork(saved!);
    const after = Array.from(await (loaded.predict(x) as tf.Tensor).data());
    const classes = JSON.stringify(saved!.modelTopology).match(/"class_name":"(PickColumns|MultiHeadSelfAttention|PositionEmbedding|MaskedMeanPooling|LayerNorm)"/g) ?? [];
    tf.dispose([x, y]);
    network.dispose();
    loaded.dispose();
    return { before, after, classes: [...new Set(classes)].map((c) => c.split('"')[3]).sort() };
  }

  it('each family predicts exactly the same after reloading, custom layers included', async () => {
    const text = textSplit();
    const cnn = await roundTrip(classificationSplit(barImages(40, 1), barImages(4, 2), ['h', 'v']), spec('cnn', { blocks: 1, filters: 4, batchNorm: true, dropout: 0.2, pooling: 'avg', padding: 'valid', stride: 2 }));
    expect(cnn.after).toEqual(cnn.before);
    expect(cnn.classes).toEqual(['PickColumns']);
    const rnn = await roundTrip(text, spec('rnn', { units: 4, embeddingSize: 4, bidirectional: true, layers: 2, dropout: 0.1 }));
    expect(rnn.after).toEqual(rnn.before);
    const transformer = await roundTrip(text, spec('transformer', { embeddingSize: 8, heads: 2, blocks: 2, dropout: 0.1 }));
    expect(transformer.after).toEqual(transformer.before);
    expect(transformer.classes).toEqual(['LayerNorm', 'MaskedMeanPooling', 'MultiHeadSelfAttention', 'PickColumns', 'PositionEmbedding']);
  });
});
