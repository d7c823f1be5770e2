/**
 * Transfer learning for real (issue #5), on workers through the whole stack: a network learns digits
 * 0–4 (8×8 images); a new network for digits 5–9 that starts from it, with only 20 labelled images
 * per class, is judged on the other 5–9 images beside the same network trained from scratch on the
 * same 20 per class, with the same Train settings (its defaults). Ten seeds, each its own 20 per
 * class and its own initial weights: a paired comparison.
 *
 * What was measured (wasm backend), and what made the difference:
 * - Pixels scaled per pixel (as every other column) left the transferred network on par with scratch:
 *   border pixels nearly constant in 0–4 blew up on 5–9 images. One scale per channel fixed that and
 *   lifted both (scratch 0.926 → 0.956 with 16 filters).
 * - Fine-tuning the saved weights as they are still only tied (+0.1 point over 20 seeds); deeper
 *   networks or a dense layer before the output fell 3–5 points behind scratch: the known harm of
 *   warm-starting (Ash & Adams 2020). Shrinking the layers that learn on to half their saved weights
 *   first ("Shrink before learning on", default 0.5) turned it into a consistent gain: +0.7 point over
 *   20 seeds, ahead on 16, in an in-process sweep; this test: 0.967 against 0.961, ahead on 8 of 10.
 * - Tried without gain: pretraining with augmentation, fewer pretraining epochs, freezing the first
 *   block, head-first-then-everything, a zero-initialized head, lower fine-tuning learning rates.
 * On 8×8 digits the ceiling is close: 50 labels per class from scratch reach only ~0.979.
 * The mechanics are checked exactly: frozen layers keep the saved weights to the bit, the head is new.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { getColumn, labelOf } from '../../lib/table';
import type { SplitArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { eventsOf } from '../support/engine-harness';
import { edge, node, projectRoot, trainAndEvaluate } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';
import { ownerRequest } from '../support/accounts';

/** Real training several times over: on a busy 2-core machine (the whole suite in parallel) it may take minutes; a timeout is no speed target. */
const HEAVY_TEST_MS = 300_000;

const server = useTestServer('transfer', 2, { warmWorkers: true });

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/** Images of each digit 5–9 in the uploaded table; 20 of each are labelled for training, the rest judge. */
const PER_CLASS = 170;
const TRAIN_PER_CLASS = 20;
/**
 * One architecture for both: a convolutional network, two blocks (32 then 64 filters of 3×3, max
 * pooling) straight into the output layer (no dense layer between), the same from saved weights or
 * from random ones. Every Train node keeps Train's defaults (50 epochs, automatic learning rate,
 * batches of 32) but its seed.
 */
const NETWORK = { blocks: 2, filters: 32, denseUnits: 0 };

/** The first PER_CLASS rows of each digit 5–9 in the bundled file, in file order, as a CSV. */
function digitsFiveToNine(): string {
  const [header, ...lines] = readFileSync(path.join(projectRoot, 'samples', 'datasets', 'digits_8x8.csv'), 'utf8').trim().split('\n');
  const taken = new Map<string, number>();
  const kept = lines.filter((line) => {
    const digit = line.slice(line.lastIndexOf(',') + 1).trim();
    if (Number(digit) < 5 || (taken.get(digit) ?? 0) >= PER_CLASS) return false;
    taken.set(digit, (taken.get(digit) ?? 0) + 1);
    return true;
  });
  expect([...taken.values()]).toEqual([PER_CLASS, PER_CLASS, PER_CLASS, PER_CLASS, PER_CLASS]);
  return [header, ...kept].join('\n');
}

/** Digits 0–4 from the bundled sample (Filter rows on `digit`) → split → network → Train → Evaluate. */
const zeroToFour: GraphFile = {
  version: 1,
  name: 'Digits 0–4',
  nodes: [
    node('data', 'dataset.sample', { dataset: 'digits_8x8' }),
    { ...node('filter', 'cleaning.filter-rows', { match: 'all', conditions: [{ column: 'digit', operator: 'less-or-equal', value: '4' }] }), typeVersion: 2 },
    node('split', 'split.train-test', { target: 'digit', task: 'classification', testFraction: 0.2, validationFraction: 0, seed: 1 }),
    node('network', 'model.cnn', NETWORK),
    node('train', 'train.train', { seed: 1 }),
    node('evaluate', 'evaluate.evaluate'),
  ],
  edges: [
    edge('data', 'table', 'filter', 'table'),
    edge('filter', 'table', 'split', 'table'),
    ...trainAndEvaluate({ split: 'split', model: 'network', train: 'train', evaluate: 'evaluate' }),
  ],
};

/**
 * Digits 5–9 (the upload) → one split: 20 per class to train, 150 per class to judge → three branches
 * on the same rows: from the saved 0–4 network (every layer learns on, a new head for 5–9), from it
 * with every layer frozen (only the new head learns), and from scratch.
 */
function fiveToNine(datasetId: string, savedId: string, seed: number): GraphFile {
  return {
    version: 1,
    name: `Digits 5–9 from 20 per class, seed ${seed}`,
    nodes: [
      node('data', 'dataset.uploaded', { dataset: datasetId }),
      node('split', 'split.train-test', {
        target: 'digit',
        task: 'classification',
        testFraction: (PER_CLASS - TRAIN_PER_CLASS) / PER_CLASS,
        validationFraction: 0,
        stratify: true,
        seed,
      }),
      node('saved', 'model.pretrained', { model: savedId, freeze: 'none' }),
      node('trainTransfer', 'train.train', { seed }),
      node('evaluateTransfer', 'evaluate.evaluate'),
      node('frozen', 'model.pretrained', { model: savedId, freeze: 'all-but-head' }),
      node('trainFrozen', 'train.train', { seed }),
      node('evaluateFrozen', 'evaluate.evaluate'),
      node('network', 'model.cnn', NETWORK),
      node('trainScratch', 'train.train', { seed }),
      node('evaluateScratch', 'evaluate.evaluate'),
    ],
    edges: [
      edge('data', 'table', 'split', 'table'),
      ...trainAndEvaluate({ split: 'split', model: 'saved', train: 'trainTransfer', evaluate: 'evaluateTransfer' }),
      ...trainAndEvaluate({ split: 'split', model: 'frozen', train: 'trainFrozen', evaluate: 'evaluateFrozen' }),
      ...trainAndEvaluate({ split: 'split', model: 'network', train: 'trainScratch', evaluate: 'evaluateScratch' }),
    ],
  };
}

/** A run's Evaluate accuracy. */
const accuracy = (step: { metrics: string | null }) => (JSON.parse(step.metrics!) as { accuracy: number }).accuracy;

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('transfer learning: digits 0–4 → 5–9 with 20 labels per class', () => {
  it('the network started from the saved 0–4 model beats the same network from scratch on the same 20 per class (paired over 10 seeds); frozen layers keep the saved weights', async () => {
    // 1. Learn 0–4; the run saves the trained network.
    const base = await runToEnd(server, zeroToFour);
    expect(accuracy(base.steps.evaluate)).toBeGreaterThanOrEqual(0.97);
    const saved = (await server.caller.models.list()).find((m) => m.runId === base.runId)!;
    expect(saved).toMatchObject({ id: base.steps.train.cacheKey, family: 'cnn', trainer: 'gradient', target: 'digit', datasets: [{ dataset: 'digits_8x8' }] });

    // 2. Digits 5–9 arrive as an upload through the datasets route.
    const { POST } = await import('../../app/api/v1/datasets/route');
    const response = await POST(
      await ownerRequest('http://localhost/api/v1/datasets?filename=digits-5-9.csv', { method: 'POST', body: digitsFiveToNine(), duplex: 'half' } as RequestInit),
    );
    expect(response.status).toBe(201);
    const { dataset } = (await response.json()) as { dataset: { id: string; rowCount: number } };
    expect(dataset.rowCount).toBe(5 * PER_CLASS);

    // 3. Per seed: one split, both networks trained with the same settings, judged on the same 750 images.
    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const store = new ArtifactStore(path.join(server.dataDir, 'artifacts'));
    const { initTf } = await import('../../runtime/tf/backend');
    const { loadNetwork } = await import('../../runtime/training/network-weights');
    await initTf();
    const transfer: number[] = [];
    const frozen: number[] = [];
    const scratch: number[] = [];
    for (const seed of SEEDS) {
      const { runId, steps } = await runToEnd(server, fiveToNine(dataset.id, saved.id, seed));
      const split = store.read(steps.split.cacheKey, 'split') as SplitArtifact;
      const perClass = (table: SplitArtifact['train']) => {
        const counts: Record<string, number> = {};
        const digit = getColumn(table, 'digit');
        for (let r = 0; r < table.rowCount; r++) counts[labelOf(digit, r)!] = (counts[labelOf(digit, r)!] ?? 0) + 1;
        return counts;
      };
      const each = (n: number) => Object.fromEntries(['5', '6', '7', '8', '9'].map((d) => [d, n]));
      expect(perClass(split.train)).toEqual(each(TRAIN_PER_CLASS));
      expect(perClass(split.test)).toEqual(each(PER_CLASS - TRAIN_PER_CLASS));
      const logs = eventsOf(server.db, runId)
        .filter((e) => e.nodeId === 'trainTransfer' && e.kind === 'log')
        .map((e) => String(e.payload.message));
      expect(logs).toContainEqual(expect.stringContaining('0 of 2 layers keep their weights, 2 learn on, and a new head predicts 5 classes of "digit"'));
      expect(logs).toContainEqual(expect.stringContaining('The 2 layers that learn on start from their saved weights × 0.5'));
      for (const id of ['evaluateTransfer', 'evaluateFrozen', 'evaluateScratch']) {
        expect(JSON.parse(steps[id].metrics!)).toMatchObject({ task: 'classification', testRows: 5 * (PER_CLASS - TRAIN_PER_CLASS) });
      }
      transfer.push(accuracy(steps.evaluateTransfer));
      frozen.push(accuracy(steps.evaluateFrozen));
      scratch.push(accuracy(steps.evaluateScratch));

      // Frozen means frozen: both convolutions keep the saved 0–4 weights to the bit; the head is new (5 classes of 5–9).
      const savedNet = await loadNetwork((store.read(saved.id, 'model') as TrainedModelArtifact).weights!);
      const frozenNet = await loadNetwork((store.read(steps.trainFrozen.cacheKey, 'model') as TrainedModelArtifact).weights!);
      const convolutions = savedNet.layers.filter((l) => l.getClassName() === 'Conv2D');
      expect(convolutions).toHaveLength(2);
      for (const layer of convolutions) {
        const kept = frozenNet.getLayer(layer.name);
        expect(kept.trainable, layer.name).toBe(false);
        const [a, b] = [layer.getWeights(), kept.getWeights()].map((ws) => ws.map((w) => Array.from(w.dataSync())));
        expect(b, layer.name).toEqual(a);
      }
      expect(frozenNet.getLayer('new_head').trainable).toBe(true);
      expect(frozenNet.outputs[0].shape).toEqual([null, 5]);
      savedNet.dispose();
      frozenNet.dispose();
    }
    const figures = (values: number[]) => `${mean(values).toFixed(3)} [${values.map((a) => a.toFixed(3)).join(', ')}]`;
    const summary =
      `test accuracy on 750 images of 5–9, mean of ${SEEDS.length} seeds: from the saved 0–4 network ${figures(transfer)}, ` +
      `from scratch ${figures(scratch)}; only the new head learning ${figures(frozen)}`;
    console.log(summary);
    expect(mean(transfer), summary).toBeGreaterThanOrEqual(0.95);
    expect(mean(transfer), summary).toBeGreaterThan(mean(scratch));
    // Paired by seed (same labelled rows, same test rows): a one-sided t-test, 9 degrees of freedom, 5%.
    const gains = transfer.map((a, i) => a - scratch[i]);
    const spread = Math.sqrt(gains.reduce((sum, g) => sum + (g - mean(gains)) ** 2, 0) / (gains.length - 1));
    expect(mean(gains) / (spread / Math.sqrt(gains.length)), `${summary}; gains ${gains.map((g) => g.toFixed(3)).join(', ')}`).toBeGreaterThan(1.833);
  }, HEAVY_TEST_MS);
});

/** Support tickets of two categories; with `tokenize`, cleaned and tokenized before the split (the recipe a saved model keeps). */
function tickets(categories: [string, string], tokenize: boolean) {
  const nodes = [
    node('data', 'dataset.sample', { dataset: 'support_tickets' }),
    node('select', 'cleaning.select-columns', { columns: ['ticket_id', 'priority', 'channel'] }),
    {
      ...node('filter', 'cleaning.filter-rows', { match: 'any', conditions: categories.map((value) => ({ column: 'category', operator: 'equals', value })) }),
      typeVersion: 2,
    },
    ...(tokenize ? [node('clean', 'cleaning.text-cleanup', { columns: ['text'] }), node('words', 'features.tokenize', { column: 'text', sequenceLength: 20 })] : []),
  ];
  const chain = nodes.map((n) => n.id);
  return { nodes, edges: chain.slice(1).map((id, i) => edge(chain[i], 'table', id, 'table')), last: chain.at(-1)! };
}

describe('transfer learning on text', () => {
  it('a saved text network (its tokenizer with it) starts a classifier for other categories from raw text', async () => {
    const split = (fraction: number) => node('split', 'split.train-test', { target: 'category', testFraction: fraction, validationFraction: 0, stratify: true, seed: 1 });
    const learn = (model: ReturnType<typeof node>) => ({
      nodes: [model, node('train', 'train.train', { seed: 1 }), node('evaluate', 'evaluate.evaluate')],
      edges: trainAndEvaluate({ split: 'split', model: model.id, train: 'train', evaluate: 'evaluate' }),
    });
    const first = tickets(['technical', 'billing'], true);
    const rnn = learn(node('network', 'model.rnn'));
    const base = await runToEnd(server, {
      version: 1,
      name: 'Tickets: technical or billing',
      nodes: [...first.nodes, split(0.3), ...rnn.nodes],
      edges: [...first.edges, edge(first.last, 'table', 'split', 'table'), ...rnn.edges],
    });
    const saved = (await server.caller.models.list()).find((m) => m.runId === base.runId)!;

    // Shipping or account, 40 labelled tickets of each; raw text: the saved model's own cleanup and tokenizer read it.
    const next = tickets(['shipping', 'account'], false);
    const transfer = learn(node('saved', 'model.pretrained', { model: saved.id, freeze: 'none' }));
    const { runId, steps } = await runToEnd(server, {
      version: 1,
      name: 'Tickets: shipping or account, from the saved network',
      nodes: [...next.nodes, split(1 - 80 / 966), ...transfer.nodes],
      edges: [...next.edges, edge(next.last, 'table', 'split', 'table'), ...transfer.edges],
    });
    const logs = eventsOf(server.db, runId).filter((e) => e.nodeId === 'train' && e.kind === 'log').map((e) => String(e.payload.message));
    expect(logs).toContainEqual(expect.stringContaining('a new head predicts 2 classes of "category"'));
    // Measured (RNN, 5 seeds): 0.991 from the saved network against 0.979 from scratch on the same 80 tickets.
    expect(accuracy(steps.evaluate)).toBeGreaterThanOrEqual(0.95);
  }, HEAVY_TEST_MS);
});
