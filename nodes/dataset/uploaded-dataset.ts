import { z } from 'zod';
import { HEX_ID_OR_EMPTY } from '../../lib/ids';
import type { TableArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';

/** Where an uploaded dataset's table lies in the artifact store. */
export const datasetArtifactKey = (id: string) => `dataset-${id}`;

export const uploadedDataset = defineNode({
  type: 'dataset.uploaded',
  version: 1,
  category: 'dataset',
  label: 'Your dataset',
  description: 'A table you uploaded on the Datasets page (CSV, TSV). Pick it by name; the pipeline remembers its exact content.',
  inputs: [],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: z.object({
    dataset: z.string().regex(HEX_ID_OR_EMPTY, 'not a dataset id').default('').meta({ title: 'Dataset', description: 'Upload files on the Datasets page.', widget: 'dataset' }),
  }),
  configure({ params, env }) {
    if (!params.dataset) return { outputs: {}, problems: [{ field: 'dataset', message: 'Choose an uploaded dataset (upload one on the Datasets page).' }] };
    const info = env.dataset(params.dataset);
    if (!info) {
      return {
        outputs: {},
        problems: [{ field: 'dataset', message: `Dataset ${params.dataset.slice(0, 12)}… is not in this workspace (deleted, or the graph came from another workspace or machine): upload it here.` }],
      };
    }
    return { outputs: { table: { type: 'Table', table: { columns: info.columns } } }, identity: info.contentHash };
  },
  reads: (params) => ({ source: { key: datasetArtifactKey(params.dataset), port: 'table' } }),
  async run({ inputs }) {
    return { table: inputs.source as TableArtifact };
  },
});
