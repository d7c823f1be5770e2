import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

/** The first row of the breast cancer sample, without its target: what the deployment is sent. */
function firstRow(): Record<string, number> {
  const [header, values] = readFileSync('samples/datasets/breast_cancer.csv', 'utf8').split('\n');
  const names = header!.split(',');
  const cells = values!.split(',');
  return Object.fromEntries(names.map((n, i) => [n, Number(cells[i])]).filter(([n]) => n !== 'diagnosis'));
}
const BODY = { rows: [firstRow()] };

test('an API key made on the Models page calls a private deployment, until it is revoked; a public deployment needs none', async ({ page, request, playwright, baseURL }) => {
  // A deployment of its own: the Iris example on the breast cancer sample (which no other spec uses)
  // with its own model params, so that no other spec finds its steps cached; deployed from Models.
  const graph = JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8')) as { name: string; nodes: { id: string; params: Record<string, unknown> }[]; edges: { target: string }[] };
  graph.name = 'API keys e2e';
  graph.nodes = graph.nodes.filter((n) => n.id !== 'deploy');
  graph.edges = graph.edges.filter((e) => e.target !== 'deploy');
  graph.nodes.find((n) => n.id === 'data')!.params.dataset = 'breast_cancer';
  graph.nodes.find((n) => n.id === 'split')!.params.target = 'diagnosis';
  // (A model step with its default params is the same step in every pipeline: the iris story must not find it cached.)
  graph.nodes.find((n) => n.id === 'model')!.params.l2 = 0.0003;
  graph.nodes.find((n) => n.id === 'train')!.params.seed = 3000 + Math.floor(Math.random() * 1_000_000);
  const graphId: string = (await (await request.post('/api/trpc/graphs.create', { data: { graph } })).json()).result.data.id;
  expect((await (await request.post('/api/trpc/runs.start', { data: { graphId } })).json()).result.data.ok).toBe(true);
  let modelId: string | undefined;
  await expect
    .poll(
      async () => {
        const list = (await (await request.get('/api/trpc/models.list')).json()).result.data as { id: string; graphId: string | null }[];
        modelId = list.find((m) => m.graphId === graphId)?.id;
        return Boolean(modelId);
      },
      { timeout: 120_000, intervals: [500] },
    )
    .toBe(true);
  const deployed = await request.post('/api/trpc/models.deploy', { data: { id: modelId, name: 'cancer-keys-e2e' } });
  expect(deployed.status()).toBe(200);

  // A program without a session or key: 401, saying how to send a key.
  // No session: an empty storage state (the project's would sign it in).
  const program = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const anonymous = await program.post('/api/v1/models/cancer-keys-e2e/predict', { data: BODY });
  expect(anonymous.status()).toBe(401);
  expect((await anonymous.json()).error.message).toContain('Authorization: Bearer <key>');

  await page.goto('/models');
  const panel = page.getByRole('region', { name: 'API keys' });
  await panel.getByLabel('Key name').fill('e2e program');
  await panel.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByTestId('shown-once');
  await expect(shown).toContainText('it will not be shown again');
  const key = await shown.getByLabel('New API key').inputValue();
  expect(key).toMatch(/^plk_/);
  const keys = page.getByRole('table', { name: 'API keys' });
  const keyRow = keys.getByRole('row', { name: /e2e program/ });
  await expect(keyRow).toContainText(`${key.slice(0, 12)}…`);
  await expect(keyRow).toContainText('never');
  await expect(keyRow).not.toContainText(key);

  const withKey = await program.post('/api/v1/models/cancer-keys-e2e/predict', { data: BODY, headers: { authorization: `Bearer ${key}` } });
  expect(withKey.status()).toBe(200);
  expect(await withKey.json()).toMatchObject({ model: 'cancer-keys-e2e', predictions: [{ predicted: expect.any(String) }] });
  await page.reload();
  await expect(keys.getByRole('row', { name: /e2e program/ })).not.toContainText('never');

  // Revoked (after the browser's confirmation): the key is refused at once.
  page.once('dialog', (dialog) => void dialog.accept());
  await keys.getByRole('row', { name: /e2e program/ }).getByRole('button', { name: 'Revoke' }).click();
  await expect(keys.getByRole('row', { name: /e2e program/ })).toHaveCount(0);
  expect((await program.post('/api/v1/models/cancer-keys-e2e/predict', { data: BODY, headers: { authorization: `Bearer ${key}` } })).status()).toBe(401);

  // The owner makes it public: anyone may call it; private again, and it is refused.
  const toggle = page.getByLabel('Public: cancer-keys-e2e');
  // (The box shows the server's state: checked once the change is stored.)
  await toggle.click();
  await expect(page.getByRole('status')).toContainText('"cancer-keys-e2e" is public');
  await expect(toggle).toBeChecked();
  expect((await program.post('/api/v1/models/cancer-keys-e2e/predict', { data: BODY })).status()).toBe(200);
  await toggle.click();
  await expect(page.getByRole('status')).toContainText('"cancer-keys-e2e" is private');
  await expect(toggle).not.toBeChecked();
  expect((await program.post('/api/v1/models/cancer-keys-e2e/predict', { data: BODY })).status()).toBe(401);
  await program.dispose();
});
