/**
 * Preview scroll benchmark (issue #4): does the Datasets page's row preview scroll a 1,000,000-row
 * table smoothly? Everything real: it generates the 1,000,000 x 20 CSV of bench/data/generate-csv.ts,
 * starts the production build (`next start`, run `npm run build` first) on a free port with its own
 * data dir, uploads the file through POST /api/v1/datasets, opens /datasets?id=… in Debian's
 * Chromium and scrolls the preview:
 *   - wheel events at the top (crossing the preview's page boundaries),
 *   - jumps to 5%, 10%, … 100% of the scroll range (scrollTop, as a scrollbar click or drag lands),
 *     each followed by wheel events,
 *   - a drag of the scrollbar thumb from the top to the bottom (scrollTop steps if the thumb
 *     cannot be found), then the last row.
 * A requestAnimationFrame loop in the page records every frame: its time, the rows in the DOM, and
 * the text of each row in view; afterwards every recorded row is checked against the server's rows
 * (GET /api/trpc/datasets.rows), so a frame is "shown" (every row in view has its own values),
 * "blank" (a gap, or "…" while a page loads) or "wrong" (a row in view shows another row's values).
 * Long tasks come from a PerformanceObserver('longtask'), the JS heap from the DevTools protocol.
 *
 * Targets: frame time p95 < 50 ms while scrolling; < 200 rows in the DOM; the last row reached and
 * shown. Writes bench/results/preview.json and preview.md and prints one `BENCH_RESULT {json}` line
 * (progress goes to stderr).
 *
 *   node --import tsx bench/data/preview-scroll.ts [--rows N] [--keep]
 *   npm run bench -- preview
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../../tests/support/chromium';
import { freePort } from '../../tests/support/redis';
import { benchEnv, projectRoot, until } from '../support/process';
import { emitResult, log, median, round, type BenchOutput, type BenchRow } from '../support/result';
import { generateCsv } from './generate-csv';

const TARGET_P95_MS = 50;
const TARGET_DOM_ROWS = 200;
const JUMPS = 20;
const WHEEL_DELTA = 100;
/** Longest wait for the rows at a new position; past it the position counts as never shown. */
const SHOW_TIMEOUT_MS = 20_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const pct = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const mib = (bytes: number) => bytes / 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// In the page: a frame recorder. Plain JavaScript text (not a TS function), so nothing the TS
// transform adds can leak into the browser.

const RECORDER = String.raw`
(() => {
  // [rAF timestamp, performance.now() in the callback, rows in the DOM, elements in the preview,
  //  rows cover the view 0/1, ...ids of the rows in view]
  const frames = [];
  const seen = new Map();     // "n\ttext" -> id
  const texts = [];
  const marks = [];
  const longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const box = () => document.querySelector('[data-testid="row-preview"]');
  // The preview: a scroller holding one tall spacer, whose first child is the sticky header and the
  // others are the rendered rows; a row's first cell is its 1-based row number.
  function view() {
    const el = box();
    if (!el || !el.firstElementChild) return null;
    const spacer = el.firstElementChild;
    const header = spacer.firstElementChild;
    const rows = Array.from(spacer.children).slice(1);
    const r = el.getBoundingClientRect();
    const top = header ? header.getBoundingClientRect().bottom : r.top + el.clientTop;
    const bottom = r.top + el.clientTop + el.clientHeight;
    const inView = [];
    for (const row of rows) {
      const b = row.getBoundingClientRect();
      if (b.bottom <= top + 0.5 || b.top >= bottom - 0.5) continue;
      const n = Number((row.firstElementChild ? row.firstElementChild.textContent : '').replace(/\D/g, ''));
      inView.push({ n, text: row.textContent, top: b.top, bottom: b.bottom });
    }
    inView.sort((a, b) => a.top - b.top);
    const contentEnd = r.top + el.clientTop - el.scrollTop + el.scrollHeight;
    let covered = inView.length > 0 && inView[0].top <= top + 0.5;
    for (let i = 1; covered && i < inView.length; i++) covered = inView[i].top <= inView[i - 1].bottom + 0.5;
    covered = covered && inView[inView.length - 1].bottom >= Math.min(bottom, contentEnd) - 0.5;
    return { el, rows, inView, covered, elements: el.getElementsByTagName('*').length };
  }
  function record(t) {
    const v = view();
    const now = performance.now();
    if (!v) return frames.push([t, now, 0, 0, 0]);
    const frame = [t, now, v.rows.length, v.elements, v.covered ? 1 : 0];
    for (const row of v.inView) {
      const key = row.n + '\t' + row.text;
      let id = seen.get(key);
      if (id === undefined) {
        id = texts.length;
        texts.push(key);
        seen.set(key, id);
      }
      frame.push(id);
    }
    frames.push(frame);
  }
  let running = true;
  const loop = (t) => {
    if (!running) return;
    record(t);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  window.__bench = {
    mark(label) {
      marks.push([label, performance.now()]);
    },
    state() {
      const v = view();
      if (!v) return null;
      const cs = getComputedStyle(v.el);
      return {
        inView: v.inView.map((r) => [r.n, r.text]),
        covered: v.covered,
        rowsInDom: v.rows.length,
        scrollTop: v.el.scrollTop,
        scrollHeight: v.el.scrollHeight,
        clientHeight: v.el.clientHeight,
        rect: v.el.getBoundingClientRect().toJSON(),
        windowWidth: window.innerWidth,
        pageWidth: document.documentElement.scrollWidth,
        borderTop: parseFloat(cs.borderTopWidth),
        borderRight: parseFloat(cs.borderRightWidth),
        scrollbarWidth: v.el.offsetWidth - v.el.clientWidth - parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth),
      };
    },
    /** True once every row in view shows the expected text (expected: { [n]: text }). */
    shows(expected) {
      const v = view();
      return Boolean(v && v.covered && v.inView.every((r) => expected[r.n] === r.text));
    },
    scrollToFraction(label, f) {
      const el = box();
      marks.push([label, performance.now()]);
      el.scrollTop = Math.round(f * (el.scrollHeight - el.clientHeight));
      return el.scrollTop;
    },
    frames: () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)))),
    dump() {
      running = false;
      return { frames, texts, marks, longTasks };
    },
  };
})();
`;

interface ViewState {
  inView: [number, string][];
  covered: boolean;
  rowsInDom: number;
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  rect: { left: number; top: number; right: number; bottom: number; width: number; height: number };
  windowWidth: number;
  pageWidth: number;
  borderTop: number;
  borderRight: number;
  scrollbarWidth: number;
}

interface Dump {
  frames: number[][];
  texts: string[];
  marks: [string, number][];
  longTasks: [number, number][];
}

// ---------------------------------------------------------------------------------------------
// The server's rows: the truth each recorded row is checked against.

class ServerRows {
  private blocks = new Map<number, Promise<string[]>>();
  constructor(
    private readonly base: string,
    private readonly cookie: string,
    private readonly id: string,
    private readonly columns: string[],
  ) {}

  /** The text the preview shows for row n (1-based) once loaded: its number, then each cell. */
  async text(n: number): Promise<string> {
    const block = Math.floor((n - 1) / 1000);
    let texts = this.blocks.get(block);
    if (!texts) {
      texts = this.fetchBlock(block);
      this.blocks.set(block, texts);
    }
    return (await texts)[(n - 1) % 1000];
  }

  async expected(ns: number[]): Promise<Record<number, string>> {
    const out: Record<number, string> = {};
    for (const n of ns) out[n] = await this.text(n);
    return out;
  }

  private async fetchBlock(block: number): Promise<string[]> {
    const input = encodeURIComponent(JSON.stringify({ id: this.id, offset: block * 1000, limit: 1000 }));
    const response = await fetch(`${this.base}/api/trpc/datasets.rows?input=${input}`, { headers: { cookie: this.cookie } });
    if (!response.ok) throw new Error(`datasets.rows answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const body = (await response.json()) as { result: { data: { rows: Record<string, unknown>[] } } };
    return body.result.data.rows.map(
      (row, i) => String(block * 1000 + i + 1) + this.columns.map((c) => (row[c] === null ? 'missing' : String(row[c]))).join(''),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The server

/** What was measured: the production build in .next (its date), and the commit checked out. */
function measuredBuild(): string {
  const built = statSync(path.join(projectRoot, '.next', 'BUILD_ID')).mtime.toISOString();
  let source = 'not a git checkout';
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'app/(workspace)/datasets', 'server/api/routers/datasets.ts');
    source = `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (the preview has uncommitted changes)' : ''}`;
  } catch {
    // keep 'not a git checkout'
  }
  return `production build of ${built}, ${source}`;
}

function startServer(port: number, dataDir: string): ChildProcess {
  const next = path.join(projectRoot, 'node_modules', 'next', 'dist', 'bin', 'next');
  // Not detached: it stays in our process group, so whoever stops this benchmark stops it too.
  const child = spawn(process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: projectRoot,
    env: benchEnv({ PIPELOOM_DATA_DIR: dataDir, PIPELOOM_WORKERS: '1', PIPELOOM_MAX_UPLOAD_MB: '2048', NODE_ENV: 'production' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stdout carries only the result line: the server's output goes to stderr.
  child.stdout!.pipe(process.stderr);
  child.stderr!.pipe(process.stderr);
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // Its worker processes exit when their IPC channel closes.
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

/** Makes the owner account of the fresh server (as its first-start page does) and returns its session cookie. */
async function signUpOwner(base: string): Promise<string> {
  const response = await fetch(`${base}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ name: 'Bench Owner', email: 'bench@example.com', password: 'bench password 1' }),
  });
  if (!response.ok) throw new Error(`sign-up answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

async function upload(base: string, cookie: string, file: string): Promise<{ id: string; rowCount: number; columns: string[]; ms: number }> {
  const t = performance.now();
  // A streamed body needs duplex 'half' (Node's fetch; the DOM typings lack the field).
  const init: RequestInit & { duplex: 'half' } = {
    method: 'POST',
    headers: { cookie },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
    duplex: 'half',
  };
  const response = await fetch(`${base}/api/v1/datasets?filename=preview-1m.csv`, init);
  const body = (await response.json()) as { dataset?: { id: string; rowCount: number; columns: { name: string }[] }; error?: { message: string } };
  if (!response.ok || !body.dataset) throw new Error(`upload answered ${response.status}: ${body.error?.message ?? JSON.stringify(body).slice(0, 300)}`);
  return { id: body.dataset.id, rowCount: body.dataset.rowCount, columns: body.dataset.columns.map((c) => c.name), ms: performance.now() - t };
}

// ---------------------------------------------------------------------------------------------
// Driving the page

const state = (page: Page) => page.evaluate('window.__bench.state()') as Promise<ViewState | null>;
const mark = (page: Page, label: string) => page.evaluate(`window.__bench.mark(${JSON.stringify(label)})`);

/** Waits until the rows in view are the right ones, fully drawn; false after SHOW_TIMEOUT_MS. */
async function waitShown(page: Page, rows: ServerRows): Promise<boolean> {
  const deadline = Date.now() + SHOW_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await page.evaluate('window.__bench.frames()');
    const s = await state(page);
    if (!s || s.inView.length === 0) continue;
    const expected = await rows.expected(s.inView.map(([n]) => n));
    if (await page.evaluate(`window.__bench.shows(${JSON.stringify(expected)})`)) return true;
  }
  return false;
}

async function wheel(page: Page, count: number, deltaY: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await page.mouse.wheel(0, deltaY);
    await sleep(16);
  }
}

interface Action {
  name: string;
  kind: 'open' | 'wheel' | 'jump' | 'drag';
  /** Target position as a fraction of the scroll range (jumps). */
  fraction?: number;
  shown: boolean;
}

async function heap(cdp: CDPSession, gc: boolean): Promise<number> {
  if (gc) await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usage.usedSize;
}

/** Finds the scrollbar thumb by pressing near the top of the track and dragging a little. */
async function findThumb(page: Page, rows: ServerRows): Promise<{ x: number; y: number; trackBottom: number } | null> {
  const s = await state(page);
  if (!s || s.scrollbarWidth <= 0) return null;
  const x = s.rect.right - s.borderRight - s.scrollbarWidth / 2;
  const trackTop = s.rect.top + s.borderTop;
  const trackBottom = trackTop + s.clientHeight;
  for (const dy of [3, 8, 14, 20, 26, 32]) {
    await page.mouse.move(x, trackTop + dy);
    await page.mouse.down();
    await page.mouse.move(x, trackTop + dy + 40, { steps: 4 });
    await page.mouse.up();
    const after = await state(page);
    if (process.env.BENCH_PREVIEW_DUMP) log(`thumb probe at +${dy} px (x ${x}, track ${trackTop}–${trackBottom}): scrollTop ${after?.scrollTop}`);
    await page.evaluate('window.__bench.scrollToFraction("probe", 0)');
    await waitShown(page, rows);
    // A click on the track scrolls by a page; dragging the thumb 40 px moves far more.
    if (after && after.scrollTop > 20 * s.clientHeight) return { x, y: trackTop + dy, trackBottom };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

/**
 * A frame as the user saw it: 'shown' (every row in view has its own values), 'loading' (a row in
 * view still shows "…"), 'gap' (the rows drawn do not cover the view: drawn behind the scroll),
 * 'wrong' (a row in view shows another row's values), 'none' (no preview yet).
 */
type FrameStatus = 'shown' | 'loading' | 'gap' | 'wrong' | 'none';

interface FrameClass {
  /** The frame's rAF timestamp (frame durations). */
  t: number;
  /** performance.now() in its rAF callback (compared with the marks). */
  now: number;
  dt: number;
  rowsInDom: number;
  elements: number;
  status: FrameStatus;
  maxRow: number;
}

async function classify(dump: Dump, rows: ServerRows): Promise<FrameClass[]> {
  const rowOf = (id: number) => Number(dump.texts[id].slice(0, dump.texts[id].indexOf('\t')));
  const kindOf = new Map<number, 'ok' | 'loading' | 'wrong'>();
  for (let id = 0; id < dump.texts.length; id++) {
    const text = dump.texts[id].slice(dump.texts[id].indexOf('\t') + 1);
    const n = rowOf(id);
    kindOf.set(id, text.includes('…') ? 'loading' : n >= 1 && (await rows.text(n)) === text ? 'ok' : 'wrong');
  }
  const out: FrameClass[] = [];
  let previous = NaN;
  for (const [t, now, rowsInDom, elements, covered, ...ids] of dump.frames) {
    const kinds = ids.map((id) => kindOf.get(id));
    const status: FrameStatus =
      elements === 0 ? 'none' : kinds.includes('wrong') ? 'wrong' : kinds.includes('loading') ? 'loading' : !covered ? 'gap' : 'shown';
    out.push({ t, now, dt: t - previous, rowsInDom, elements, status, maxRow: Math.max(0, ...ids.map(rowOf)) });
    previous = t;
  }
  return out;
}

async function main(): Promise<void> {
  const rowTarget = arg('--rows', 1_000_000);
  if (!existsSync(path.join(projectRoot, '.next', 'BUILD_ID'))) throw new Error('No production build: run `npm run build` first.');
  const ownDir = process.env.PIPELOOM_DATA_DIR ? null : mkdtempSync(path.join(os.tmpdir(), 'pipeloom-bench-preview-'));
  const dataDir = process.env.PIPELOOM_DATA_DIR ?? path.join(ownDir!, 'data');
  const csvDir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-bench-preview-csv-'));
  const csv = path.join(csvDir, 'preview-1m.csv');
  const loadAvgAtStart = os.loadavg().map(round);
  const build = measuredBuild();
  let server: ChildProcess | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    log(`generating ${rowTarget.toLocaleString('en')} rows x 20 columns`);
    let t = performance.now();
    const bytes = await generateCsv(csv, rowTarget);
    log(`generated ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    mkdirSync(dataDir, { recursive: true });
    server = startServer(port, dataDir);
    t = performance.now();
    await until(async () => (await fetch(`${base}/api/auth/ok`).catch(() => null))?.ok, 'next start to answer', 120_000);
    log(`next start answered after ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const cookie = await signUpOwner(base);
    const dataset = await upload(base, cookie, csv);
    log(`uploaded and ingested ${dataset.rowCount.toLocaleString('en')} rows in ${(dataset.ms / 1000).toFixed(1)} s`);
    if (dataset.rowCount !== rowTarget) throw new Error(`the server read ${dataset.rowCount} rows, not ${rowTarget}`);
    const rows = new ServerRows(base, cookie, dataset.id, dataset.columns);

    // Playwright hides scrollbars in headless mode; keep them, so the thumb can be dragged.
    browser = await chromium.launch({ ...chromiumLaunchOptions, ignoreDefaultArgs: ['--hide-scrollbars'] });
    const chromiumVersion = browser.version();
    const page = await browser.newPage({ viewport: { width: 1800, height: 1000 }, extraHTTPHeaders: { cookie } });
    await page.addInitScript({ content: RECORDER });
    const cdp = await page.context().newCDPSession(page);
    const actions: Action[] = [];
    let heapPeak = 0;
    const act = async (action: Omit<Action, 'shown'>, run: () => Promise<unknown>) => {
      await mark(page, `${action.name}:start`);
      await run();
      const shown = await waitShown(page, rows);
      await mark(page, `${action.name}:end`);
      actions.push({ ...action, shown });
      if (!shown) log(`${action.name}: the rows in view were not shown within ${SHOW_TIMEOUT_MS / 1000} s`);
      heapPeak = Math.max(heapPeak, await heap(cdp, false));
    };

    // Open the page: the first rows.
    await page.goto(`${base}/datasets?id=${dataset.id}`);
    await page.getByTestId('row-preview').waitFor();
    const openShown = await waitShown(page, rows);
    actions.push({ name: 'open', kind: 'open', shown: openShown });
    // The preview sits below the column table: bring it into the window, where the mouse can reach it.
    await page.getByTestId('row-preview').scrollIntoViewIfNeeded();
    await sleep(1000);
    const heapBaseline = await heap(cdp, true);
    const geometry = (await state(page))!;
    log(`preview: scrollHeight ${geometry.scrollHeight} px, clientHeight ${geometry.clientHeight} px, ${geometry.rowsInDom} rows in the DOM, scrollbar ${geometry.scrollbarWidth} px`);

    // 1. Wheel at the top, across the first page boundaries.
    await page.mouse.move(geometry.rect.left + geometry.rect.width / 2, geometry.rect.top + geometry.rect.height / 2);
    await act({ name: 'wheel-top', kind: 'wheel' }, () => wheel(page, 80, WHEEL_DELTA));

    // 2. Jumps down the whole range, each followed by wheel events.
    for (let k = 1; k <= JUMPS; k++) {
      const fraction = k / JUMPS;
      await act({ name: `jump-${Math.round(fraction * 100)}%`, kind: 'jump', fraction }, () =>
        page.evaluate(`window.__bench.scrollToFraction(${JSON.stringify(`jump-${Math.round(fraction * 100)}%:scroll`)}, ${fraction})`),
      );
      await act({ name: `wheel-${Math.round(fraction * 100)}%`, kind: 'wheel' }, () => wheel(page, 10, k === JUMPS ? -WHEEL_DELTA : WHEEL_DELTA));
    }
    await act({ name: 'wheel-end', kind: 'wheel' }, () => wheel(page, 20, WHEEL_DELTA));

    // 3. Back to the top, then drag the scrollbar thumb to the bottom.
    await page.evaluate('window.__bench.scrollToFraction("top", 0)');
    await waitShown(page, rows);
    const thumb = await findThumb(page, rows);
    const steps = 40;
    await act({ name: 'drag', kind: 'drag' }, async () => {
      if (thumb) {
        await page.mouse.move(thumb.x, thumb.y);
        await page.mouse.down();
        for (let i = 1; i <= steps; i++) {
          await page.mouse.move(thumb.x, thumb.y + ((thumb.trackBottom + 20 - thumb.y) * i) / steps);
          await sleep(25);
        }
        await mark(page, 'drag:release');
        await page.mouse.up();
      } else {
        for (let i = 1; i <= steps; i++) {
          await page.evaluate(`window.__bench.scrollToFraction("drag-step", ${i / steps})`);
          await sleep(25);
        }
        await mark(page, 'drag:release');
      }
    });
    const end = (await state(page))!;
    const heapAfter = await heap(cdp, false);
    const heapAfterGc = await heap(cdp, true);
    const dump = (await page.evaluate('window.__bench.dump()')) as Dump;
    await browser.close();
    browser = undefined;

    // -------------------------------------------------------------------------------------------
    // Figures
    const frames = await classify(dump, rows);
    if (process.env.BENCH_PREVIEW_DUMP) writeFileSync(process.env.BENCH_PREVIEW_DUMP, JSON.stringify({ marks: dump.marks, longTasks: dump.longTasks, frames }, null, 1));
    const markAt = (label: string) => dump.marks.find(([l]) => l === label)?.[1] ?? NaN;
    const windows = actions.filter((a) => a.kind !== 'open').map((a) => ({ ...a, from: markAt(`${a.name}:start`), to: markAt(`${a.name}:end`) }));
    const between = (from: number, to: number) => frames.filter((f) => f.now >= from && f.now <= to);
    const inWindows = (time: number) => windows.some((w) => time >= w.from && time <= w.to);
    const scrolling = frames.filter((f) => inWindows(f.now) && Number.isFinite(f.dt));
    const frameTimes = scrolling.map((f) => f.dt);
    const tasks = dump.longTasks.filter(([start]) => inWindows(start));
    const count = (list: FrameClass[], ...status: FrameStatus[]) => list.filter((f) => status.includes(f.status)).length;
    const tally = (list: FrameClass[]) =>
      `${list.length} frames: shown ${count(list, 'shown')}, loading ("…") ${count(list, 'loading')}, gap ${count(list, 'gap')}, another row's values ${count(list, 'wrong')}`;
    /** From a scroll to the first frame that shows every row in view with its own values. */
    const shownAfter = (at: number, to = Infinity) => {
      const f = frames.find((x) => x.now > at && x.now <= to && x.status === 'shown');
      return f ? f.now - at : NaN;
    };
    const jumps = windows
      .filter((w) => w.kind === 'jump')
      .map((w) => {
        const during = between(w.from, w.to);
        return {
          name: w.name,
          fraction: w.fraction!,
          ms: w.shown ? shownAfter(markAt(`${w.name}:scroll`), w.to) : NaN,
          loadingFrames: count(during, 'loading'),
          gapFrames: count(during, 'gap'),
          wrongFrames: count(during, 'wrong'),
        };
      });
    const shownMs = jumps.filter((j) => Number.isFinite(j.ms)).map((j) => j.ms);
    const wheelFrames = frames.filter((f) => windows.some((w) => w.kind === 'wheel' && f.now >= w.from && f.now <= w.to));
    const drag = windows.find((w) => w.kind === 'drag')!;
    const release = markAt('drag:release');
    const dragFrames = between(drag.from, release);
    const lastShownMs = (() => {
      const f = frames.find((x) => x.now > release && x.status === 'shown' && x.maxRow === dataset.rowCount);
      return f ? f.now - release : NaN;
    })();
    const lastRowReached = Math.max(0, ...frames.filter((f) => f.status === 'shown').map((f) => f.maxRow));
    const endExpected = await rows.expected(end.inView.map(([n]) => n));
    const endShowsLast = end.covered && end.inView.some(([n]) => n === dataset.rowCount) && end.inView.every(([n, text]) => endExpected[n] === text);
    const domRowsMax = Math.max(...frames.map((f) => f.rowsInDom));
    const elementsMax = Math.max(...frames.map((f) => f.elements));
    const p95 = pct(frameTimes, 95);
    const machine = `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, Chromium ${chromiumVersion} (headless, --disable-gpu)`;
    const lastRowOk = lastRowReached >= dataset.rowCount && endShowsLast;
    const topWheelRow = Math.max(0, ...between(0, markAt('wheel-top:end')).map((f) => f.maxRow));
    const firstRowsMs = frames.find((f) => f.status === 'shown')?.now ?? NaN;

    const rowsOut: BenchRow[] = [
      {
        id: 'preview.frames.p95',
        label: `Preview of ${dataset.rowCount.toLocaleString('en')} rows: frame time while scrolling, p95`,
        value: p95,
        unit: 'ms',
        target: { kind: 'max', value: TARGET_P95_MS },
        notes: `${frameTimes.length} frames (requestAnimationFrame) during wheel, jumps and drag; median ${round(median(frameTimes))} ms, max ${round(Math.max(...frameTimes))} ms`,
      },
      {
        id: 'preview.long-tasks',
        label: 'Long tasks (> 50 ms) while scrolling: longest (informational)',
        value: tasks.length ? Math.max(...tasks.map(([, d]) => d)) : 0,
        unit: 'ms',
        notes: `${tasks.length} long task(s), ${round(tasks.reduce((sum, [, d]) => sum + d, 0))} ms in all`,
      },
      {
        id: 'preview.dom-rows',
        label: 'Rows in the DOM, most at any frame',
        value: domRowsMax,
        unit: 'rows',
        target: { kind: 'max', value: TARGET_DOM_ROWS },
        notes: `at most ${elementsMax} elements inside the preview`,
      },
      {
        id: 'preview.last-row',
        label: 'Last row reached and shown with its values (row number)',
        value: lastRowOk ? lastRowReached : Math.min(lastRowReached, dataset.rowCount - 1),
        unit: 'rows',
        target: { kind: 'min', value: dataset.rowCount },
        notes: `scrollHeight ${end.scrollHeight} px for ${dataset.rowCount.toLocaleString('en')} rows; ${Number.isFinite(lastShownMs) ? `shown ${round(lastShownMs)} ms after releasing the ${thumb ? 'scrollbar thumb' : 'scrollTop drag'}` : 'never shown after the drag'}`,
      },
      {
        id: 'preview.jump-shown.median',
        label: `Time until the rows at a new position are shown, median of ${jumps.length} jumps (informational)`,
        value: median(shownMs),
        unit: 'ms',
        notes: `max ${round(Math.max(...shownMs))} ms; ${jumps.length - shownMs.length} position(s) never shown within ${SHOW_TIMEOUT_MS / 1000} s`,
      },
      {
        id: 'preview.blank-frames',
        label: 'Frames while scrolling with part of the view blank (informational)',
        value: count(scrolling, 'loading', 'gap'),
        unit: 'frames',
        notes: `of ${scrolling.length}: "…" while a page loads ${count(scrolling, 'loading')}, rows not drawn yet (gap) ${count(scrolling, 'gap')}`,
      },
      {
        id: 'preview.wrong-frames',
        label: "Frames while scrolling where a row in view showed another row's values (informational)",
        value: count(scrolling, 'wrong'),
        unit: 'frames',
        notes: `of ${scrolling.length}`,
      },
      {
        id: 'preview.heap',
        label: 'JS heap after scrolling, after GC (informational)',
        value: mib(heapAfterGc),
        unit: 'MiB',
        notes: `${round(mib(heapBaseline))} MiB before scrolling (after GC), peak seen ${round(mib(Math.max(heapPeak, heapAfter)))} MiB`,
      },
    ];
    const details = [
      machine,
      `Load average when the benchmark started: ${loadAvgAtStart.join(' / ')}. Measured: ${build}.`,
      `File: ${dataset.rowCount.toLocaleString('en')} rows x 20 columns, ${(bytes / 1e6).toFixed(1)} MB, uploaded and ingested in ${round(dataset.ms / 1000)} s.`,
      `Preview geometry: scrollHeight ${geometry.scrollHeight} px (clientHeight ${geometry.clientHeight} px), ${geometry.rowsInDom} rows in the DOM after opening; ${openShown ? `first rows shown ${round(firstRowsMs)} ms after navigation start` : 'first rows never shown'}.`,
      `Layout: the preview spans x ${Math.round(geometry.rect.left)}–${Math.round(geometry.rect.right)} px of a ${geometry.windowWidth} px window (page ${geometry.pageWidth} px wide); its vertical scrollbar (${geometry.scrollbarWidth} px) is ${geometry.rect.right <= geometry.windowWidth ? 'inside the window' : 'outside the window, out of the mouse’s reach without scrolling the page sideways'}.`,
      `Wheel (${WHEEL_DELTA} px a notch; the 80 notches at the top reached row ${topWheelRow}): ${tally(wheelFrames)}.`,
      `Drag (${thumb ? 'the scrollbar thumb, 40 mouse moves' : 'no draggable thumb found: 40 scrollTop steps'}), until release: ${tally(dragFrames)}.`,
      `Jumps (position: time until shown; frames loading / gap / another row's values): ${jumps.map((j) => `${Math.round(j.fraction * 100)}% ${Number.isFinite(j.ms) ? `${round(j.ms)} ms` : 'never'}; ${j.loadingFrames} / ${j.gapFrames} / ${j.wrongFrames}`).join(' · ')}.`,
      `At the end: scrollTop ${end.scrollTop} of ${end.scrollHeight - end.clientHeight}, rows in view ${end.inView[0]?.[0]}–${end.inView.at(-1)?.[0]}, ${endShowsLast ? 'the last row shown with its values' : 'the last row NOT shown'}.`,
    ];
    const output: BenchOutput = {
      name: 'preview-scroll',
      rows: rowsOut,
      details,
      data: {
        machine,
        loadAvgAtStart,
        build,
        chromium: chromiumVersion,
        measuredAt: new Date().toISOString(),
        file: { rows: dataset.rowCount, bytes, uploadMs: round(dataset.ms) },
        geometry: {
          scrollHeight: geometry.scrollHeight,
          clientHeight: geometry.clientHeight,
          scrollbarWidth: geometry.scrollbarWidth,
          previewRight: Math.round(geometry.rect.right),
          windowWidth: geometry.windowWidth,
          pageWidth: geometry.pageWidth,
        },
        frames: { count: frameTimes.length, medianMs: round(median(frameTimes)), p95Ms: round(p95), maxMs: round(Math.max(...frameTimes)) },
        frameStatus: { wheel: tally(wheelFrames), drag: tally(dragFrames), all: tally(scrolling) },
        longTasks: tasks.map(([start, d]) => [round(start), round(d)]),
        jumps: jumps.map((j) => ({ ...j, ms: Number.isFinite(j.ms) ? round(j.ms) : null })),
        drag: { thumb: Boolean(thumb), lastRowShownMs: Number.isFinite(lastShownMs) ? round(lastShownMs) : null },
        domRowsMax,
        elementsMax,
        heapMiB: { baseline: round(mib(heapBaseline)), peak: round(mib(Math.max(heapPeak, heapAfter))), afterGc: round(mib(heapAfterGc)) },
        end: { scrollTop: end.scrollTop, scrollHeight: end.scrollHeight, clientHeight: end.clientHeight, firstRow: end.inView[0]?.[0], lastRow: end.inView.at(-1)?.[0], showsLast: endShowsLast },
        frameTimesMs: frameTimes.map(round),
      },
    };
    writeResults(output, { p95, domRowsMax, lastRowOk });
    emitResult(output);
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) await stopServer(server);
    rmSync(csvDir, { recursive: true, force: true });
    if (ownDir && !process.argv.includes('--keep')) rmSync(ownDir, { recursive: true, force: true });
    else if (ownDir) log(`kept ${ownDir}`);
  }
}

function writeResults(output: BenchOutput, verdict: { p95: number; domRowsMax: number; lastRowOk: boolean }): void {
  const dir = path.join(projectRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'preview.json'), JSON.stringify(output, null, 2) + '\n');
  const pass = (ok: boolean) => (ok ? 'pass' : '**FAIL**');
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const value = (r: BenchRow) => `${round(r.value)} ${r.unit}`;
  const target = (r: BenchRow) => (r.target ? `${r.target.kind === 'max' ? '<' : '≥'} ${r.target.value} ${r.unit}` : '–');
  const verdictOf = (r: BenchRow) => (!r.target ? 'info' : pass(r.target.kind === 'max' ? r.value < r.target.value : r.value >= r.target.value));
  const all = verdict.p95 < TARGET_P95_MS && verdict.domRowsMax < TARGET_DOM_ROWS && verdict.lastRowOk;
  const md = [
    '# Data preview scroll benchmark',
    '',
    `Written by \`node --import tsx bench/data/preview-scroll.ts\` (or \`npm run bench -- preview\`); what it does: [bench/README.md](../README.md) and the file's header. Every number below was measured by that run.`,
    '',
    `**Overall: ${all ? 'pass' : 'FAIL'}** (p95 frame time < ${TARGET_P95_MS} ms while scrolling, < ${TARGET_DOM_ROWS} rows in the DOM, the last row reached and shown).`,
    '',
    '| What | Measured | Target | Pass/fail | Notes |',
    '| --- | ---: | --- | --- | --- |',
    ...output.rows.map((r) => `| ${cell(r.label)} | ${value(r)} | ${target(r)} | ${verdictOf(r)} | ${cell(r.notes ?? '')} |`),
    '',
    '## Details',
    '',
    ...(output.details ?? []).map((d) => `- ${d}`),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'preview.md'), md);
  log('wrote bench/results/preview.json and preview.md');
}

await main();
