import type { ImportResult } from '../../server/bundles';

export type { ImportResult };

/** Sends a `.pipeloom.zip` to the import route: the new pipeline of the active workspace, or why not. */
export async function importBundleFile(file: File): Promise<{ ok: true; answer: ImportResult } | { ok: false; message: string }> {
  const response = await fetch('/api/v1/bundles', { method: 'POST', body: file });
  const body = (await response.json().catch(() => null)) as (ImportResult & { error?: { message: string } }) | null;
  if (!response.ok || !body) return { ok: false, message: `${file.name} cannot be imported: ${body?.error?.message ?? `the server answered ${response.status}`}` };
  return { ok: true, answer: body };
}
