/** What importing a bundle answered (server/bundles.ts ImportResult), or the plain refusal. */
export interface ImportAnswer {
  graphId: string;
  name: string;
  datasets: { name: string; source: 'sample' | 'uploaded'; status: 'matched' | 'imported' | 'missing'; rowCount?: number; columnCount?: number }[];
  placeholders: { nodeId: string; type: string; typeVersion: number }[];
}

/** Sends a `.pipeloom.zip` to the import route: the new pipeline of the active workspace, or why not. */
export async function importBundleFile(file: File): Promise<{ ok: true; answer: ImportAnswer } | { ok: false; message: string }> {
  const response = await fetch('/api/v1/bundles', { method: 'POST', body: file });
  const body = (await response.json().catch(() => null)) as (ImportAnswer & { error?: { message: string } }) | null;
  if (!response.ok || !body) return { ok: false, message: `${file.name} cannot be imported: ${body?.error?.message ?? `the server answered ${response.status}`}` };
  return { ok: true, answer: body };
}
