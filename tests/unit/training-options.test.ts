import { beforeAll, describe, expect, it } from 'vitest';
import { takeRows } from '../../lib/table';
import type { ModelSpec, SplitArtifact } from '../../runtime/artifacts';
import { loadSample } from '../../runtime/ingest/samples';
import { balancedClassWeights, trainNetwork } from '../../runtime/training/neural';
import type { TrainOptions } from '../../runtime/training/options';
import { initTf } from '../../runtime/tf/backend';
import { testContext } from '../support/run-context';

beforeAll(async () => {
  await initTf();
});

/** Iris rows in a fixed interleaved order: 90 train, 30 validation, 30 test. */
function irisSplit(): SplitArtifact {
  const { table } = loadSample('iris');
  const order = Array.from({ length: 150 }, (_, i) => (i % 3) * 50 + Math.floor(i / 3));
  const part = (from: number, to: number) => takeRows(table, order.slice(from, to));
  return { target: 'species', task: 'classification', labels: ['setosa', 'versicolor', 'virginica'], train: part(0, 90), validation: part(90, 120), test: part(120, 150), recipe: [], seed: 1 };
}

const mlp: ModelSpec = { family: 'mlp', trainer: 'gradient', config: { hiddenLayers: 1, units: 16, activation: 'relu', dropout: 0, l2: 0 } };
const options: TrainOptions = { epochs: 300, learningRate: 0.05, batchSize: 16, optimizer: 'adam', seed: 3 };

describe('training options', () => {
  it('balanced class weights: n / (classes × rows of the class)', () => {
    expect(balancedClassWeights(Int32Array.from([0, 0, 0, 1]), 2)).toEqual({ 0: 4 / 6, 1: 2 });
    expect(balancedClassWeights(Int32Array.from([0, 0]), 3)).toEqual({ 0: 2 / 6, 1: 1, 2: 1 });
  });

  it('early stopping ends training once the validation loss stalls, and keeps the best epoch', async () => {
    const epochs: Record<string, number>[] = [];
    const logs: string[] = [];
    const ctx = { ...testContext(logs), epoch: (_: number, values: Record<string, number>) => void epochs.push(values) };
    await trainNetwork(irisSplit(), mlp, { ...options, earlyStopping: true, patience: 5 }, ctx);
    expect(epochs.length).toBeLessThan(300);
    const best = Math.min(...epochs.map((e) => e.val_loss));
    const bestEpoch = epochs.findIndex((e) => e.val_loss === best) + 1;
    expect(epochs.length).toBe(bestEpoch + 5);
    expect(logs.join('\n')).toMatch(new RegExp(`Early stopping after epoch ${epochs.length}: the validation loss last improved at epoch ${bestEpoch}`));
  });

  it('without early stopping every epoch runs; balanced weights are logged', async () => {
    const logs: string[] = [];
    let count = 0;
    const ctx = { ...testContext(logs), epoch: () => void count++ };
    await trainNetwork(irisSplit(), mlp, { ...options, epochs: 12, classWeights: 'balanced' }, ctx);
    expect(count).toBe(12);
    expect(logs.join('\n')).toMatch(/Class weights: setosa 1\.00, versicolor 1\.00, virginica 1\.00/);
  });
});
