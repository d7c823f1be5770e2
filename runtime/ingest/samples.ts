import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_DATASETS, type SampleDatasetId } from '../../lib/samples';
import { tableSchema, type ColumnSchema, type Table } from '../../lib/table';
import { projectRoot } from '../paths';
import { parseCsv } from './csv';

export function samplesDir(): string {
  return process.env.PIPELOOM_SAMPLES_DIR ?? path.join(projectRoot(), 'samples', 'datasets');
}

const tables = new Map<string, { table: Table; contentHash: string; schema: ColumnSchema[] }>();

export function loadSample(id: SampleDatasetId): { table: Table; contentHash: string; schema: ColumnSchema[] } {
  let entry = tables.get(id);
  if (!entry) {
    const sample = SAMPLE_DATASETS.find((d) => d.id === id);
    if (!sample) throw new Error(`Unknown sample dataset "${id}".`);
    const bytes = readFileSync(path.join(/*turbopackIgnore: true*/ samplesDir(), sample.file));
    const table = parseCsv(bytes.toString('utf8'));
    entry = { table, contentHash: createHash('sha256').update(bytes).digest('hex'), schema: tableSchema(table) };
    tables.set(id, entry);
  }
  return entry;
}

/** Compile-time facts about a sample dataset (read and hashed the first time a graph names it); undefined for any other id. */
export function sampleDatasetInfo(id: string): { columns: ColumnSchema[]; contentHash: string; defaultTarget?: string } | undefined {
  const sample = SAMPLE_DATASETS.find((d) => d.id === id);
  if (!sample) return undefined;
  const { schema, contentHash } = loadSample(sample.id);
  return { columns: schema, contentHash, defaultTarget: sample.target };
}

/** The samples as a compile environment (compile's CompileEnv, by shape): what plain compile checks know. */
export const compileEnv = () => ({ dataset: sampleDatasetInfo });
