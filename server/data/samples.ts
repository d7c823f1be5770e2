import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_DATASETS, type SampleDatasetId } from '../../lib/samples';
import { tableSchema, type Table } from '../../lib/table';
import type { CompileEnv } from '../../nodes/define';
import { projectRoot } from '../paths';
import { parseCsv } from './csv';

export function samplesDir(): string {
  return process.env.PIPELOOM_SAMPLES_DIR ?? path.join(projectRoot(), 'samples', 'datasets');
}

const tables = new Map<string, { table: Table; contentHash: string }>();

export function loadSample(id: SampleDatasetId): { table: Table; contentHash: string } {
  let entry = tables.get(id);
  if (!entry) {
    const sample = SAMPLE_DATASETS.find((d) => d.id === id);
    if (!sample) throw new Error(`Unknown sample dataset "${id}".`);
    const bytes = readFileSync(path.join(/*turbopackIgnore: true*/ samplesDir(), sample.file));
    entry = { table: parseCsv(bytes.toString('utf8')), contentHash: createHash('sha256').update(bytes).digest('hex') };
    tables.set(id, entry);
  }
  return entry;
}

let env: CompileEnv | undefined;

/** Compile-time facts about every dataset: columns and content hash (computed once per process). */
export function compileEnv(): CompileEnv {
  if (!env) {
    const datasets: CompileEnv['datasets'] = {};
    for (const sample of SAMPLE_DATASETS) {
      const { table, contentHash } = loadSample(sample.id);
      datasets[sample.id] = {
        columns: tableSchema(table),
        contentHash,
        defaultTarget: sample.target,
      };
    }
    env = { datasets };
  }
  return env;
}
