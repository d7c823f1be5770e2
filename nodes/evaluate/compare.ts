import { z } from 'zod';
import { headlineScores, SCORE_NAMES } from '../../lib/metrics';
import type { Column, ColumnSchema } from '../../lib/table';
import type { MetricsArtifact, TableArtifact } from '../../runtime/artifacts';
import { defineNode, type ConfigureProblem } from '../define';
import type { CrossValidationArtifact } from './cross-validate';

const SLOTS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

interface Entry {
  slot: string;
  model: string;
  judgedOn: string;
  scores: { name: string; value: number; higherIsBetter: boolean }[];
  fingerprint?: string;
}

function entryOf(slot: string, artifact: MetricsArtifact | CrossValidationArtifact): Entry {
  if ('crossValidation' in artifact) {
    const cv = artifact.crossValidation;
    return { slot, model: artifact.model, judgedOn: `${cv.folds}-fold cross-validation (mean)`, scores: cv.scores.map((s) => ({ name: s.name, value: s.mean, higherIsBetter: s.higherIsBetter })) };
  }
  const task = artifact.metrics.task;
  const rows = 'testRows' in artifact.metrics ? artifact.metrics.testRows : 0;
  return { slot, model: artifact.model ?? task, judgedOn: `${rows} test rows`, scores: headlineScores(artifact.metrics), fingerprint: artifact.testFingerprint };
}

export const compare = defineNode({
  type: 'evaluate.compare',
  version: 1,
  category: 'evaluate',
  label: 'Compare models',
  description:
    'Puts the results of several Evaluate (or Cross-validate) steps side by side, best first, as a leaderboard table you can download. Connect evaluations of different models on the same split, so the comparison is fair.',
  inputs: SLOTS.map((slot, i) => ({ name: slot, type: 'Metrics' as const, label: `Model ${slot.toUpperCase()}`, optional: i >= 2 })),
  outputs: [{ name: 'table', type: 'Table', label: 'Leaderboard' }],
  params: z.object({
    rankBy: z
      .string()
      .default('')
      .meta({ title: 'Rank by', description: 'The score to sort by (e.g. accuracy, F1 (macro), R², MAE, silhouette). Empty: the main score of the task.' }),
  }),
  configure({ params, inputs }) {
    const connected = SLOTS.map((slot) => inputs[slot]).filter((info) => info !== undefined);
    const tasks = new Set(connected.map((info) => info.model?.task ?? info.table?.task));
    const targets = new Set(connected.map((info) => info.table?.target));
    const [task] = tasks;
    if (tasks.size !== 1 || targets.size !== 1 || !task) {
      return { outputs: {}, problems: [{ message: 'These results answer different questions (another target or task): a leaderboard compares models of the same one.' }] };
    }
    const problems: ConfigureProblem[] = [];
    if (params.rankBy.trim() && !SCORE_NAMES[task].includes(params.rankBy.trim())) {
      problems.push({ field: 'rankBy', message: `There is no score "${params.rankBy.trim()}" for ${task}: choose one of ${SCORE_NAMES[task].join(', ')}.` });
    }
    const columns: ColumnSchema[] = [
      { name: 'rank', type: 'number', integer: true },
      { name: 'model', type: 'category' },
      { name: 'judged_on', type: 'category' },
      ...SCORE_NAMES[task].map((name): ColumnSchema => ({ name, type: 'number' })),
    ];
    return { outputs: { table: { type: 'Table', table: { columns } } }, problems };
  },
  async run({ inputs, params, ctx }) {
    const entries = SLOTS.filter((slot) => inputs[slot] !== undefined).map((slot) => entryOf(slot, inputs[slot] as MetricsArtifact | CrossValidationArtifact));
    const names = entries[0].scores.map((s) => s.name);
    const rankBy = params.rankBy.trim() || names[0];
    const fingerprints = new Set(entries.map((e) => e.fingerprint).filter(Boolean));
    if (fingerprints.size > 1) ctx.log('Caution: these evaluations used different test rows (another split or seed), so the comparison is not like for like.');
    const valueOf = (e: Entry) => e.scores.find((s) => s.name === rankBy)?.value ?? NaN;
    const higherIsBetter = entries[0].scores.find((s) => s.name === rankBy)!.higherIsBetter;
    // Missing scores (NaN) rank last.
    const key = (e: Entry) => (Number.isNaN(valueOf(e)) ? -Infinity : higherIsBetter ? valueOf(e) : -valueOf(e));
    const ranked = [...entries].sort((x, y) => (key(x) === key(y) ? 0 : key(y) > key(x) ? 1 : -1));
    ctx.log(`Best by ${rankBy}: model ${ranked[0].slot.toUpperCase()} (${ranked[0].model}, ${valueOf(ranked[0]).toFixed(4)}).`);
    const category = (name: string, values: string[]): Column => {
      const categories = [...new Set(values)];
      return { name, type: 'category', codes: Int32Array.from(values, (v) => categories.indexOf(v)), categories };
    };
    const columns: Column[] = [
      { name: 'rank', type: 'number', values: Float64Array.from(ranked, (_, i) => i + 1) },
      category('model', ranked.map((e) => `${e.slot.toUpperCase()}: ${e.model.replaceAll('-', ' ')}`)),
      category('judged_on', ranked.map((e) => e.judgedOn)),
      ...names.map((name): Column => ({ name, type: 'number', values: Float64Array.from(ranked, (e) => e.scores.find((s) => s.name === name)?.value ?? NaN) })),
    ];
    const table: TableArtifact = { table: { rowCount: ranked.length, columns }, recipe: [] };
    return { table };
  },
});
