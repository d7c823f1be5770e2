import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { SIGNED_OUT, signUpThroughForm } from './accounts';

/**
 * The editor's commands as a person at the keyboard meets them: a step with its connections deleted,
 * undone (all back, and so saved), redone; a drag undone in one step; two connected steps, boxed or
 * shift-clicked, copied and pasted at the pointer (their connection kept); a step found by typing in
 * the palette and added with Enter, then connected with "Connect to…", all by keyboard; a wire let go
 * of on empty canvas offers only the steps that take it;
 * a step's right-click menu; a restored version undone; someone else's save clearing the history; a
 * viewer offered none of it. Its own pipelines and its own viewer account; nothing runs.
 */
test.describe.configure({ mode: 'serial' });

const VIEWER = { name: 'Vera Viewer', email: 'vera.viewer@editor-commands.e2e.example', password: 'a viewer passphrase' };

type Graph = { name: string; nodes: { id: string; type: string; position: { x: number; y: number } }[]; edges: { id: string; source: string; target: string }[] };
const iris = () => JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8')) as Graph;

async function create(request: APIRequestContext, graph: Graph): Promise<string> {
  const created = await request.post('/api/trpc/graphs.create', { data: { graph } });
  expect(created.status()).toBe(200);
  return (await created.json()).result.data.id as string;
}

async function saved(request: APIRequestContext, id: string): Promise<Graph> {
  const got = await request.get(`/api/trpc/graphs.get?input=${encodeURIComponent(JSON.stringify({ id }))}`);
  expect(got.status()).toBe(200);
  return (await got.json()).result.data.graph as Graph;
}

async function open(page: Page, id: string) {
  await page.goto(`/graphs/${id}`);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
}

const nodes = (page: Page) => page.locator('.react-flow__node');
const edges = (page: Page) => page.locator('.react-flow__edge');
/** The canvas shows this many steps and connections. */
async function expectCanvas(page: Page, stepCount: number, connectionCount: number) {
  await expect(nodes(page)).toHaveCount(stepCount);
  await expect(edges(page)).toHaveCount(connectionCount);
}
const node = (page: Page, id: string): Locator => page.locator(`.react-flow__node[data-id="${id}"]`);

/** A pipeline of one sample dataset step. */
function oneDataset(name: string): Graph {
  const graph = iris();
  return { ...graph, name, nodes: graph.nodes.filter((n) => n.id === 'data').map((n) => ({ ...n, position: { x: 100, y: 200 } })), edges: [] };
}

test('a step deleted with its connections comes back whole with Ctrl+Z (and stays, saved), and goes again with Redo', async ({ page, request }) => {
  const id = await create(request, { ...iris(), name: 'Undo a delete' });
  await open(page, id);
  await expectCanvas(page, 6, 6);
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();

  await node(page, 'split').click();
  await page.keyboard.press('Delete');
  await expectCanvas(page, 5, 3);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  await page.keyboard.press('ControlOrMeta+z');
  await expectCanvas(page, 6, 6);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  const restored = await saved(request, id);
  expect(restored.nodes.map((n) => n.id)).toEqual(iris().nodes.map((n) => n.id));
  expect(restored.edges.map((e) => e.id).sort()).toEqual(iris().edges.map((e) => e.id).sort());

  await page.getByRole('button', { name: 'Redo' }).click();
  await expectCanvas(page, 5, 3);
  await expect(node(page, 'split')).toHaveCount(0);
  // Undo again, by the other keys: Ctrl+Z, then Ctrl+Y redoes and Shift+Ctrl+Z has nothing more to redo.
  await page.keyboard.press('ControlOrMeta+z');
  await expect(edges(page)).toHaveCount(6);
  await page.keyboard.press('ControlOrMeta+y');
  await expect(edges(page)).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Redo' })).toBeDisabled();

  // A drag, however many moves it makes, is one step.
  const train = node(page, 'train');
  const place = () => train.evaluate((el) => (el as HTMLElement).style.transform);
  const before = await place();
  const box = (await train.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 150, box.y + 140, { steps: 12 });
  await page.mouse.up();
  expect(await place()).not.toBe(before);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(place).toBe(before);
  await expectCanvas(page, 5, 3);
});

test('two connected steps, boxed or shift-clicked, copied and pasted at the pointer keep their connection', async ({ page, request }) => {
  const id = await create(request, { ...iris(), name: 'Copy and paste' });
  await open(page, id);
  // A box drawn with Shift held selects the steps inside it…
  const [a, b] = [(await node(page, 'data').boundingBox())!, (await node(page, 'split').boundingBox())!];
  await page.keyboard.down('Shift');
  await page.mouse.move(a.x - 20, a.y - 20);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width + 20, b.y + b.height + 20, { steps: 8 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(2);
  // …and so does a click, then a Shift-click.
  await node(page, 'model').click();
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(1);
  await node(page, 'data').click();
  await node(page, 'split').click({ modifiers: ['Shift'] });
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(2);
  await page.keyboard.press('ControlOrMeta+c');

  const pane = (await page.locator('.react-flow__pane').boundingBox())!;
  await page.mouse.move(pane.x + 200, pane.y + pane.height - 180);
  await page.keyboard.press('ControlOrMeta+v');
  await expectCanvas(page, 8, 7);
  // The copies are the selection now, where the pointer was.
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(2);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  const graph = await saved(request, id);
  const copies = graph.nodes.filter((n) => !iris().nodes.some((o) => o.id === n.id));
  expect(copies.map((n) => n.type).sort()).toEqual(['dataset.sample', 'split.train-test']);
  const copyIds = copies.map((n) => n.id);
  expect(graph.edges.filter((e) => copyIds.includes(e.source) && copyIds.includes(e.target))).toHaveLength(1);

  // Ctrl+D duplicates the selection beside it; one Ctrl+Z takes the whole paste back.
  await page.keyboard.press('ControlOrMeta+d');
  await expectCanvas(page, 10, 8);
  await page.keyboard.press('ControlOrMeta+z');
  await expectCanvas(page, 8, 7);
});

test('a step found in the palette by typing, added with Enter, and connected with "Connect to…", all by keyboard', async ({ page, request }) => {
  const id = await create(request, oneDataset('Keyboard only'));
  await open(page, id);
  const search = page.getByRole('searchbox', { name: 'Search steps' });
  await search.focus();
  await page.keyboard.type('scale');
  const palette = page.getByRole('complementary', { name: 'Node palette' });
  await expect(palette.getByRole('button', { name: 'Standardize', exact: true })).toBeVisible();
  await expect(palette.getByRole('button', { name: 'Min-max scale', exact: true })).toBeVisible();
  await expect(palette.getByRole('button', { name: 'Train', exact: true })).toHaveCount(0);
  await page.keyboard.press('Control+a');
  await page.keyboard.type('min-max');
  await page.keyboard.press('Enter');
  await expectCanvas(page, 2, 0);

  // The new step is selected: Connect to… lists what fits; Enter on the first connects it.
  const connectButton = page.getByRole('button', { name: 'Connect to…' });
  await connectButton.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: /^Connect Min-max scale/ });
  await expect(dialog.getByRole('button', { name: /Sample dataset \(data\) Table → Min-max scale/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(edges(page)).toHaveCount(1);

  // With a step selected, Enter in the palette adds the next step beside it, connected.
  await search.focus();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('standardize');
  await page.keyboard.press('Enter');
  await expectCanvas(page, 3, 2);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  const graph = await saved(request, id);
  const [scale, standardize] = ['features.min-max-scale', 'features.standardize'].map((t) => graph.nodes.find((n) => n.type === t)!.id);
  expect(graph.edges.map((e) => `${e.source}→${e.target}`).sort()).toEqual([`data→${scale}`, `${scale}→${standardize}`].sort());
});

test('a wire let go of on empty canvas offers only the steps that take a table, and connects the one chosen', async ({ page, request }) => {
  const id = await create(request, oneDataset('Wire drop'));
  await open(page, id);
  const handle = (await node(page, 'data').locator('.react-flow__handle.source[data-handleid="table"]').boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + 400, handle.y + 150, { steps: 12 });
  await page.mouse.up();
  const menu = page.getByRole('dialog', { name: 'Add a step for Table' });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('button', { name: 'Standardize', exact: true })).toBeVisible();
  // Train takes a model and a split, not a table; datasets take nothing.
  await expect(menu.getByRole('button', { name: 'Train', exact: true })).toHaveCount(0);
  await expect(menu.getByRole('button', { name: 'Sample dataset', exact: true })).toHaveCount(0);
  await expect(menu.getByRole('searchbox', { name: 'Search steps that fit' })).toBeFocused();
  await page.keyboard.type('standardize');
  await page.keyboard.press('Enter');
  await expect(menu).toHaveCount(0);
  await expectCanvas(page, 2, 1);

  // The right-click menu: Duplicate and Delete there too (Run up to here and Forget cached result with them).
  const added = page.locator('.react-flow__node').filter({ hasText: 'Standardize' });
  await added.click({ button: 'right' });
  const actions = page.getByRole('menu', { name: /^Standardize .* actions$/ });
  await expect(actions.getByRole('menuitem', { name: 'Run up to here' })).toBeVisible();
  await actions.getByRole('menuitem', { name: 'Delete' }).click();
  await expectCanvas(page, 1, 0);
  await page.keyboard.press('ControlOrMeta+z');
  await expectCanvas(page, 2, 1);
});

test('a restored version is one step to undo; someone else\'s save clears the history, saying so, instead of being undone', async ({ page, request }) => {
  const id = await create(request, { ...iris(), name: 'Restore and others' });
  await open(page, id);
  await node(page, 'train').click();
  await page.locator('#param-learningRate').fill('0.01');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  await page.getByRole('button', { name: 'Versions', exact: true }).click();
  const panel = page.getByRole('complementary', { name: 'Versions' });
  await panel.getByRole('button', { name: 'Restore version 1' }).click();
  await page.getByRole('alertdialog', { name: 'Restore version 1?' }).getByRole('button', { name: 'Restore' }).click();
  await node(page, 'train').click();
  await expect(page.locator('#param-learningRate')).toHaveValue('0.05');
  await page.getByRole('button', { name: 'Undo' }).click();
  await node(page, 'train').click();
  await expect(page.locator('#param-learningRate')).toHaveValue('0.01');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  expect((await saved(request, id)).nodes.find((n) => n.id === 'train')).toMatchObject({ params: { learningRate: 0.01 } });

  // Someone else saves (here: a program, on the revision saved now).
  const got = await request.get(`/api/trpc/graphs.get?input=${encodeURIComponent(JSON.stringify({ id }))}`);
  const { graph, revision } = (await got.json()).result.data as { graph: Graph; revision: number };
  const theirs = await request.post('/api/trpc/graphs.save', { data: { id, graph: { ...graph, name: 'Renamed elsewhere' }, baseRevision: revision } });
  expect(theirs.status()).toBe(200);
  await expect(page.getByTestId('others-change')).toBeVisible();
  await expect(page.getByTestId('editor-hint')).toContainText('the undo history starts again here');
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Redo' })).toBeDisabled();
  await page.getByTestId('others-change').getByRole('button', { name: 'Reload' }).click();
  await expect(page.getByLabel('Pipeline name')).toHaveValue('Renamed elsewhere');
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
});

test("a viewer's editor offers none of the editing commands", async ({ browser, request }) => {
  // The pipeline shared with another person as viewer: read-only, so no palette, undo, menus or keys.
  const id = await create(request, { ...iris(), name: 'Viewer commands' });
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const viewer = await context.newPage();
  await viewer.goto('/sign-up');
  expect((await signUpThroughForm(viewer, VIEWER, 'Create account')).status()).toBe(200);
  await expect(viewer).not.toHaveURL(/\/sign-up/);
  const shared = await request.post('/api/trpc/sharing.addPerson', { data: { graphId: id, email: VIEWER.email, role: 'viewer' } });
  expect(shared.status()).toBe(200);
  await viewer.goto(`/graphs/${id}`);
  await expect(viewer.getByTestId('view-only')).toBeVisible();
  await expect(viewer.getByRole('complementary', { name: 'Node palette' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Undo' })).toHaveCount(0);
  await node(viewer, 'split').click({ button: 'right' });
  await expect(viewer.getByRole('menu')).toHaveCount(0);
  await node(viewer, 'split').click();
  await expect(viewer.getByRole('button', { name: 'Connect to…' })).toHaveCount(0);
  for (const key of ['Delete', 'ControlOrMeta+d', 'ControlOrMeta+c', 'ControlOrMeta+v']) await viewer.keyboard.press(key);
  await expect(nodes(viewer)).toHaveCount(6);
  await context.close();
});
