/** The templates gallery: every template opens as a new pipeline and runs to the end on its bundled data, as is. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEvaluation } from '../../lib/model-headline';
import { projectRoot } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';

const server = useTestServer('templates', 2, { warmWorkers: true });

interface Listed {
  id: string;
  name: string;
  description: string;
  file: string;
  steps: number;
}

async function listed(): Promise<Listed[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(projectRoot, 'bin', 'pipeloom.mjs'), 'templates', '--json'], { cwd: projectRoot });
  return JSON.parse(stdout) as Listed[];
}

describe('templates', () => {
  it('`pipeloom templates --json` lists at least 8, each with a paragraph on its question; the gallery lists the same', async () => {
    const templates = await listed();
    expect(templates.length).toBeGreaterThanOrEqual(8);
    for (const t of templates) {
      expect(t.description.length, t.id).toBeGreaterThan(200);
      expect(t.file).toBe(`templates/${t.id}.json`);
    }
    const gallery = await server.caller.templates.list();
    expect(gallery.map((t) => [t.id, t.name, t.description])).toEqual(templates.map((t) => [t.id, t.name, t.description]));
    // The asked-for questions, by what their graphs use.
    const kinds = new Map(gallery.map((t) => [t.id, new Set(t.graph.nodes.map((n) => n.type))]));
    const datasets = new Map(gallery.map((t) => [t.id, new Set(t.graph.nodes.map((n) => n.params.dataset))]));
    const some = (check: (id: string) => boolean) => [...kinds.keys()].some(check);
    expect(some((id) => kinds.get(id)!.has('model.cnn'))).toBe(true);
    expect(some((id) => kinds.get(id)!.has('model.rnn') || kinds.get(id)!.has('model.transformer'))).toBe(true);
    expect(some((id) => kinds.get(id)!.has('model.kmeans') && kinds.get(id)!.has('model.pca'))).toBe(true);
    expect(some((id) => kinds.get(id)!.has('evaluate.cross-validate') && kinds.get(id)!.has('evaluate.compare'))).toBe(true);
    expect(some((id) => kinds.get(id)!.has('split.time-ordered') && kinds.get(id)!.has('features.sequence-windows'))).toBe(true);
    expect(some((id) => datasets.get(id)!.has('churn') && gallery.find((t) => t.id === id)!.graph.nodes.some((n) => n.params.classWeights === 'balanced'))).toBe(true);
  });

  it('every template opens as a new pipeline and runs to completion as is, with an evaluation', async () => {
    const started = Date.now();
    for (const template of await server.caller.templates.list()) {
      const { id } = await server.caller.templates.create({ id: template.id });
      const { graph } = await server.caller.graphs.get({ id });
      expect(graph).toEqual(template.graph);
      const check = await server.caller.graphs.check({ graph, graphId: id });
      expect(check.errors, template.id).toEqual([]);
      const { steps } = await runToEnd(server, graph);
      const evaluations = Object.values(steps).filter((s) => s.metrics && isEvaluation(JSON.parse(s.metrics)));
      expect(evaluations.length, template.id).toBeGreaterThan(0);
      console.log(`${template.id}: ${Object.keys(steps).length} steps done`);
    }
    console.log(`all templates ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('an unknown template is a plain 404', async () => {
    await expect(server.caller.templates.create({ id: 'no-such-template' })).rejects.toThrow('There is no template "no-such-template".');
    await expect(server.caller.templates.create({ id: '../examples/iris-classifier' })).rejects.toThrow('not a template id');
  });
});
