import { z } from 'zod';
import { SAMPLE_DATASETS, SAMPLE_DATASET_IDS } from '../../lib/samples';
import { defineNode } from '../define';
import type { TableArtifact } from '../../runtime/artifacts';

export const sampleDataset = defineNode({
  type: 'dataset.sample',
  version: 1,
  category: 'dataset',
  label: 'Sample dataset',
  description: 'A small public dataset that ships with Pipeloom (Iris, wine, digits, ...). Good for learning and trying ideas.',
  inputs: [],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: z.object({
    dataset: z
      .enum(SAMPLE_DATASET_IDS)
      .default('iris')
      .meta({
        title: 'Dataset',
        description: SAMPLE_DATASETS.map((d) => `${d.id}: ${d.description}`).join(' '),
        enumLabels: Object.fromEntries(SAMPLE_DATASETS.map((d) => [d.id, d.label])),
      }),
  }),
  configure({ params, env }) {
    const info = env.dataset(params.dataset);
    if (!info) return { outputs: {}, problems: [{ field: 'dataset', message: `Dataset "${params.dataset}" is not available on this server.` }] };
    return { outputs: { table: { type: 'Table', table: { columns: info.columns } } }, identity: info.contentHash };
  },
  async run({ params }) {
    const { loadSample } = await import('../../runtime/ingest/samples');
    const table: TableArtifact = { table: loadSample(params.dataset).table, recipe: [] };
    return { table };
  },
});
