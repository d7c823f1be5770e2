import { expect, type Locator, type Page } from '@playwright/test';

/** Drags from one handle to another with real mouse events, as a user connects two steps. */
export async function connect(page: Page, from: Locator, fromPort: string, to: Locator, toPort: string) {
  const source = from.locator(`.react-flow__handle.source[data-handleid="${fromPort}"]`);
  const target = to.locator(`.react-flow__handle.target[data-handleid="${toPort}"]`);
  const a = (await source.boundingBox())!;
  const b = (await target.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
}

/** Drags a palette entry onto the canvas (real HTML5 drag events) and returns the new node. */
export async function drop(page: Page, type: string, x: number, y: number): Promise<Locator> {
  const before = await page.locator('.react-flow__node').count();
  await page.getByTestId(`palette-${type}`).dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
  await expect(page.locator('.react-flow__node')).toHaveCount(before + 1);
  return page.locator('.react-flow__node').nth(before);
}
