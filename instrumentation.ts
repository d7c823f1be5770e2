/** Runs once when the Next.js server starts (not during `next build`): migrate, recover runs, warm workers. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getEngine } = await import('./server/engine/instance');
  getEngine();
}
