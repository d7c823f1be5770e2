/** Runs once when the Next.js server starts (not during `next build`): migrate, start workers, resume unfinished runs. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getEngine } = await import('./server/engine/instance');
  const { LocalWorkerPool } = await import('./server/engine/local-pool');
  const engine = getEngine();
  // Warm the local workers (TensorFlow.js takes a moment to load) before the first run needs them.
  if (engine.queue instanceof LocalWorkerPool) engine.queue.start();
  const resumed = engine.recoverRuns();
  if (resumed.length > 0) console.log(`Resumed ${resumed.length} run(s) left unfinished by the previous server.`);
}
