import { readFileSync } from 'node:fs';
import { OWNER } from './accounts';
import { expect, test } from '@playwright/test';

test('deploy two versions, try the live one with its example row, roll back: the old version answers', async ({ page, request }) => {
  // The Iris example without its Deploy step, on the wine sample (no other spec runs it) with params of
  // its own: no other spec finds its steps cached, and it finds none of theirs (the iris story runs iris).
  const graph = JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8')) as { name: string; nodes: { id: string; params: Record<string, unknown> }[]; edges: { target: string }[] };
  graph.name = 'Deployments e2e';
  graph.nodes = graph.nodes.filter((n) => n.id !== 'deploy');
  graph.edges = graph.edges.filter((e) => e.target !== 'deploy');
  graph.nodes.find((n) => n.id === 'data')!.params.dataset = 'wine';
  graph.nodes.find((n) => n.id === 'split')!.params.target = 'cultivar';
  graph.nodes.find((n) => n.id === 'model')!.params.l2 = 0.0007;
  const seed = 5000 + Math.floor(Math.random() * 1_000_000);
  const graphId: string = (await (await request.post('/api/trpc/graphs.create', { data: { graph } })).json()).result.data.id;
  const models: string[] = [];
  for (const learningRate of [0.05, 0.3]) {
    graph.nodes.find((n) => n.id === 'train')!.params = { ...graph.nodes.find((n) => n.id === 'train')!.params, seed, learningRate };
    await request.post('/api/trpc/graphs.save', { data: { id: graphId, graph } });
    expect((await (await request.post('/api/trpc/runs.start', { data: { graphId } })).json()).result.data.ok).toBe(true);
    await expect
      .poll(
        async () => {
          const list = (await (await request.get('/api/trpc/models.list')).json()).result.data as { id: string; graphId: string | null }[];
          return list.filter((m) => m.graphId === graphId && !models.includes(m.id)).map((m) => m.id)[0];
        },
        { timeout: 120_000, intervals: [500] },
      )
      .toBeTruthy();
    const list = (await (await request.get('/api/trpc/models.list')).json()).result.data as { id: string; graphId: string | null }[];
    models.push(list.find((m) => m.graphId === graphId && !models.includes(m.id))!.id);
  }

  // Deploy each saved model from the Models page: the name defaults to the pipeline's.
  await page.goto('/models');
  for (const [i, id] of models.entries()) {
    const row = page.getByTestId(`saved-model-${id}`);
    await row.getByRole('button', { name: 'Deploy' }).click();
    await expect(row.getByLabel('Deploy as')).toHaveValue('deployments-e2e');
    await row.getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByRole('status')).toContainText(`Published "deployments-e2e" version ${i + 1}`);
  }

  await page.goto('/deployments');
  const card = page.getByRole('region', { name: 'Deployment deployments-e2e' });
  await expect(card.getByTestId('deployment-state')).toHaveText('live: v2');
  await expect(card.getByTestId('version-deployments-e2e-2')).toContainText(OWNER.name);
  await expect(card.getByTestId('version-deployments-e2e-1')).toContainText('accuracy');

  // Try it: the form holds a real training row; the answer is the live version's.
  await card.getByText('Try it (v2)').click();
  const alcohol = card.getByLabel('Value of alcohol');
  await expect(alcohol).not.toHaveValue('');
  await card.getByRole('button', { name: 'Predict' }).click();
  const answer = card.getByTestId('try-it-answer');
  await expect(answer).toHaveAttribute('data-status', '200');
  await expect(answer).toContainText('"version": 2');
  await expect(answer).toContainText('"predicted"');
  const snippet = card.getByTestId('snippet');
  await expect(snippet).toContainText("-H 'Authorization: Bearer <key>'");
  await expect(snippet).toContainText(`"alcohol":${await alcohol.inputValue()}`);
  await card.getByRole('tab', { name: 'Python' }).click();
  await expect(snippet).toContainText('requests.post(');
  await card.getByLabel('API key for the snippets').fill('plk_example');
  await expect(snippet).toContainText('"Authorization": "Bearer plk_example"');

  // Roll back: v1 answers, pinned.
  await card.getByRole('button', { name: 'Roll back' }).click();
  await expect(page.getByRole('status')).toContainText('"deployments-e2e" rolled back: v1 answers, pinned.');
  await expect(card.getByTestId('deployment-state')).toHaveText('live: v1 (pinned)');
  await card.getByRole('button', { name: 'Predict' }).click();
  await expect(answer).toContainText('"version": 1');
});
