'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { predictSnippets, type PredictSnippets } from '../../../lib/predict-snippets';

interface RowSchema {
  properties: Record<string, { type: string | string[]; description?: string; examples?: string[] }>;
}
interface OpenApi {
  info: { version: string };
  paths: Record<string, { post: { requestBody: { content: Record<string, { example?: { rows: Record<string, unknown>[] } }> } } }>;
  components: { schemas: { Row: RowSchema } };
}

/** A field's text as the request sends it: numbers and booleans as JSON values, empty as null (missing). */
function valueOf(text: string, type: string | string[]): unknown {
  const types = Array.isArray(type) ? type : [type];
  if (text.trim() === '') return null;
  if (types.includes('number') && Number.isFinite(Number(text))) return Number(text);
  if (types.includes('boolean') && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return text;
}

const SNIPPET_TABS: (keyof PredictSnippets)[] = ['curl', 'python', 'javascript'];
const TAB_LABELS: Record<keyof PredictSnippets, string> = { curl: 'curl', python: 'Python', javascript: 'JavaScript' };

/**
 * Try a deployment: its columns (from its OpenAPI document) filled with a real training row, sent to
 * its predict route as the signed-in member; and the same call for programs, with an API key.
 */
export function TryIt({ name }: { name: string }) {
  const doc = useQuery({
    queryKey: ['openapi', name],
    queryFn: async () => {
      const response = await fetch(`/api/v1/models/${name}/openapi.json`);
      if (!response.ok) throw new Error(((await response.json()) as { error: { message: string } }).error.message);
      return (await response.json()) as OpenApi;
    },
  });
  const [edited, setEdited] = useState<Record<string, string>>({});
  const [key, setKey] = useState('<key>');
  const [tab, setTab] = useState<keyof PredictSnippets>('curl');
  const [answer, setAnswer] = useState<{ status: number; text: string } | null>(null);
  const [sending, setSending] = useState(false);
  if (doc.error) return <p className="mt-3 text-sm text-red-700">{doc.error.message}</p>;
  if (!doc.data) return null;
  const columns = doc.data.components.schemas.Row.properties;
  const example = doc.data.paths[`/api/v1/models/${name}/predict`].post.requestBody.content['application/json'].example?.rows[0] ?? {};
  const textOf = (column: string) => edited[column] ?? (example[column] === null || example[column] === undefined ? '' : String(example[column]));
  const row = Object.fromEntries(Object.entries(columns).map(([column, schema]) => [column, valueOf(textOf(column), schema.type)]));
  const snippets = predictSnippets(window.location.origin, name, [row], key);

  const send = async () => {
    setSending(true);
    try {
      const response = await fetch(`/api/v1/models/${name}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [row] }) });
      setAnswer({ status: response.status, text: JSON.stringify(await response.json(), null, 2) });
    } finally {
      setSending(false);
    }
  };

  return (
    <details className="mt-3" aria-label={`Try ${name}`}>
      <summary className="cursor-pointer text-sm font-medium text-indigo-700">Try it (v{doc.data.info.version})</summary>
      <div className="mt-2 grid gap-4 md:grid-cols-2">
        <form
          className="space-y-2 text-sm"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          {Object.entries(columns).map(([column, schema]) => (
            <label key={column} className="flex items-center gap-2">
              <span className="w-40 truncate font-mono text-xs" title={schema.description}>
                {column}
              </span>
              <input
                aria-label={`Value of ${column}`}
                className="flex-1 rounded border border-slate-300 px-2 py-1"
                value={textOf(column)}
                list={schema.examples ? `${name}-${column}-values` : undefined}
                onChange={(e) => setEdited({ ...edited, [column]: e.target.value })}
              />
              {schema.examples && (
                <datalist id={`${name}-${column}-values`}>
                  {schema.examples.map((v) => (
                    <option key={v} value={v} />
                  ))}
                </datalist>
              )}
            </label>
          ))}
          <button type="submit" disabled={sending} className="rounded bg-indigo-600 px-3 py-1 text-white disabled:opacity-50">
            Predict
          </button>
          {answer && (
            <pre className="max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs" data-testid="try-it-answer" data-status={answer.status}>
              {answer.status} {answer.text}
            </pre>
          )}
        </form>
        <div className="text-sm">
          <label className="flex items-center gap-2">
            <span className="text-xs text-slate-500">API key for the snippets</span>
            <input aria-label="API key for the snippets" className="flex-1 rounded border border-slate-300 px-2 py-1 font-mono text-xs" value={key} onChange={(e) => setKey(e.target.value)} />
          </label>
          <div className="mt-2 flex gap-2" role="tablist">
            {SNIPPET_TABS.map((t) => (
              <button key={t} role="tab" aria-selected={tab === t} className={`rounded px-2 py-0.5 text-xs ${tab === t ? 'bg-indigo-100 text-indigo-800' : 'text-slate-600'}`} onClick={() => setTab(t)}>
                {TAB_LABELS[t]}
              </button>
            ))}
          </div>
          <pre className="mt-1 max-h-72 overflow-auto rounded bg-slate-900 p-2 text-xs text-slate-100" data-testid="snippet">
            {snippets[tab]}
          </pre>
          <p className="mt-1 text-xs text-slate-500">
            <a className="text-indigo-700 hover:underline" href={`/api/v1/models/${name}/openapi.json`}>
              OpenAPI document
            </a>{' '}
            · keys are made on the Models page (API keys).
          </p>
        </div>
      </div>
    </details>
  );
}
