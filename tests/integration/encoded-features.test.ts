/**
 * Missing values, categories, a condition filter, one-hot encoding, scaling and feature selection on
 * real workers, around a split; the deployed model answers raw rows (text categories, empty cells the
 * recipe fills, dropped columns left out) exactly as Evaluate and the Predict node did.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { tableRows, type CellValue, type Table } from '../../lib/table';
import type { MetricsArtifact, SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import { edge, node } from '../support/pipeloom';
import { useTestServer } from '../support/server';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';
import { ownerRequest } from '../support/accounts';

const server = useTestServer('encoded-features', 2, { warmWorkers: true });

const COLORS = ['red', 'green', 'blue'];
const REGIONS = ['north', 'south', 'east', 'west'];

/** 320 shops: size (some empty), the same size in other units, colour (some empty), region (a rare "island"), a constant source, and whether it is busy or quiet. */
function shopsCsv(): string {
  const lines = ['size,size_in,color,region,source,traffic'];
  for (let i = 0; i < 320; i++) {
    const size = 20 + ((i * 37) % 61) + (i % 7) / 10;
    const color = COLORS[(i * 5 + Math.floor(i / 3)) % 3];
    const region = i % 40 === 0 ? 'island' : REGIONS[(i * 7 + Math.floor(i / 5)) % 4];
    const score = (size - 50) / 8 + (color === 'red' ? 2 : color === 'blue' ? -1.5 : 0) + (region === 'north' ? 1 : 0);
    const traffic = score > 0 ? 'busy' : 'quiet';
    lines.push([i % 13 === 5 ? '' : size.toFixed(1), (size / 2.54).toFixed(3), i % 11 === 3 ? '' : color, region, 'web', traffic].join(','));
  }
  return lines.join('\n');
}

/** Island shops only when big: "island" stays rare in the training rows. */
const islandsOnlyBig = node('filter', 'cleaning.filter-rows', {
  match: 'any',
  conditions: [
    { column: 'region', operator: 'one-of', value: REGIONS.join(', ') },
    { column: 'size', operator: 'greater', value: '70' },
  ],
});

function shopsGraph(dataset: string): GraphFile {
  const chain = ['data', 'fillSize', 'fillColor', 'filter', 'encode', 'scale', 'split'];
  return {
    version: 1,
    name: 'Busy shops',
    nodes: [
      node('data', 'dataset.uploaded', { dataset }),
      node('fillSize', 'cleaning.missing-values', { strategy: 'mean', columns: ['size'] }),
      node('fillColor', 'cleaning.missing-values', { strategy: 'most-frequent', columns: ['color'] }),
      { ...islandsOnlyBig, typeVersion: 2 },
      node('encode', 'features.one-hot', { columns: ['color', 'region'], maxCategories: 3 }),
      node('scale', 'features.standardize'),
      node('split', 'split.train-test', { target: 'traffic', testFraction: 0.25, validationFraction: 0, seed: 3 }),
      // After the split: decided on the training rows at once.
      node('select', 'features.feature-selection'),
      node('model', 'model.logistic-regression'),
      node('train', 'train.train', { epochs: 60, learningRate: 0.1, seed: 3 }),
      node('evaluate', 'evaluate.evaluate'),
      node('deploy', 'deploy.deploy', { modelName: 'busy-shops' }),
      node('score', 'evaluate.predict'),
    ],
    edges: [
      ...chain.slice(1).map((id, i) => edge(chain[i], 'table', id, 'table')),
      edge('split', 'split', 'select', 'table'),
      edge('select', 'table', 'train', 'split'),
      edge('select', 'table', 'evaluate', 'split'),
      edge('model', 'model', 'train', 'model'),
      edge('train', 'model', 'evaluate', 'model'),
      edge('train', 'model', 'deploy', 'model'),
      edge('train', 'model', 'score', 'model'),
      edge('data', 'table', 'score', 'table'),
    ],
  };
}

interface Answer {
  predicted: string;
  probabilities: Record<string, number>;
}

/** Raw rows as a client would send them: every column but the target and what the Predict node added. */
function requestRows(table: Table): Record<string, CellValue>[] {
  return tableRows(table).map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'traffic' && !k.startsWith('predicted_') && !k.startsWith('probability_'))));
}

function expectSameAnswers(answers: Answer[], predicted: (string | number)[], probabilities: number[][], labels: string[]) {
  expect(answers.map((a) => a.predicted)).toEqual(predicted);
  answers.forEach((a, r) => labels.forEach((label, c) => expect(Math.abs(a.probabilities[label] - probabilities[r][c]), `row ${r} ${label}`).toBeLessThanOrEqual(1e-6)));
}

describe('encoded features on real workers, served from raw rows', () => {
  it('trains, logs what was learned, and the deployed model answers raw rows as Evaluate and Predict did', async () => {
    const { POST } = await import('../../app/api/v1/datasets/route');
    const upload = await POST(await ownerRequest('http://localhost/api/v1/datasets?filename=shops.csv', { method: 'POST', body: shopsCsv(), duplex: 'half' } as RequestInit));
    expect(upload.status).toBe(201);
    const { dataset } = (await upload.json()) as { dataset: { id: string; columns: { name: string; type: string }[] } };
    expect(dataset.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['size:number', 'size_in:number', 'color:category', 'region:category', 'source:category', 'traffic:category']);

    const engine = server.instance.getEngine();
    const started = await engine.start(shopsGraph(dataset.id), { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
    const status = await engine.waitFor(started.runId);
    const { getDb, schema } = server.db;
    const steps = Object.fromEntries(getDb().select().from(schema.runSteps).all().filter((s) => s.runId === started.runId).map((s) => [s.nodeId, s]));
    expect(status, Object.values(steps).map((s) => `${s.nodeId}: ${s.status} ${s.error ?? ''}`).join('\n')).toBe('succeeded');

    const logs = getDb().select().from(schema.runEvents).all().filter((e) => e.runId === started.runId && e.kind === 'log');
    const logOf = (nodeId: string) => logs.filter((e) => e.nodeId === nodeId).map((e) => String((JSON.parse(e.payload) as { message: string }).message));
    expect(logOf('filter')).toContain('Kept 313 of 320 rows: "region" is one of "north, south, east, west" or "size" > 70.');
    expect(logOf('split')).toContain('One-hot encode: "color" became 4 columns ("color=blue", "color=green", "color=red", "color=(other)").');
    expect(logOf('split')).toContainEqual(expect.stringMatching(/^One-hot encode: "region" became 4 columns \(.*"region=\(other\)"\)\.$/));
    // (Empty sizes were filled with the mean, their other-unit twins were not: not quite 1.)
    expect(logOf('select')).toContainEqual(expect.stringMatching(/^ {2}"size_in": moves with "size" \(correlation 0\.9\d\d\)\.$/));
    expect(logOf('select')).toContain('  "source": every training row has the same value ("web").');
    // Three colours of at most three: the "other" column is all zeros in training, so it goes too.
    expect(logOf('select')).toContain('  "color=(other)": every training row has the same value (0).');

    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const store = new ArtifactStore(path.join(server.dataDir, 'artifacts'));
    const evaluation = store.read(steps.evaluate.cacheKey, 'metrics') as MetricsArtifact;
    const split = store.read(steps.split.cacheKey, 'split') as SplitArtifact;
    expect(evaluation.metrics).toMatchObject({ accuracy: expect.any(Number) });
    expect((evaluation.metrics as { accuracy: number }).accuracy).toBeGreaterThan(0.8);

    const { predict, describeDeployment } = await import('../../server/serving/predict');
    // The columns Feature selection dropped need not be sent.
    const described = await describeDeployment('busy-shops');
    expect(described.inputColumns.map((c) => c.name)).toEqual(['size', 'color', 'region']);

    // Evaluate's test rows, raw: text categories and empty cells the recipe fills.
    const testRows = requestRows(split.test);
    expect(testRows.some((r) => r.size === null) && testRows.some((r) => r.color === null)).toBe(true);
    const served = await predict('busy-shops', { rows: testRows });
    expect(served.ignoredColumns?.sort()).toEqual(['size_in', 'source']);
    expectSameAnswers(served.predictions as unknown as Answer[], evaluation.predictions.predicted, evaluation.predictions.probabilities!, split.labels);

    // The Predict node scored every raw row (islands the filter left out of training among them).
    const scored = (store.read(steps.score.cacheKey, 'table') as TableArtifact).table;
    const rows = requestRows(scored);
    expect(rows.filter((r) => r.region === 'island').length).toBeGreaterThan(0);
    const labels = split.labels;
    const byNode = tableRows(scored);
    const fromRoute = (await predict('busy-shops', { rows: rows.map(({ size_in: _a, source: _b, ...kept }) => kept) })).predictions as unknown as Answer[];
    expectSameAnswers(
      fromRoute,
      byNode.map((r) => String(r.predicted_traffic)),
      byNode.map((r) => labels.map((label) => Number(r[`probability_${label}`]))),
      labels,
    );

    // A category never seen in training counts as "other", like the rare island; numbers may come as text.
    const [moon, island] = (
      await predict('busy-shops', {
        rows: [
          { size: '72.5', color: 'red', region: 'moon' },
          { size: 72.5, color: 'red', region: 'island', source: 'phone', size_in: 'n/a' },
        ],
      })
    ).predictions as unknown as Answer[];
    expect(moon).toEqual(island);
  });
});
