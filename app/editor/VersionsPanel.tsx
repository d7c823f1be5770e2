'use client';
import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { CatalogEntry } from '../../lib/catalog';
import { valueText, type DiffEdge } from '../../lib/graph-diff';
import { ConfirmDialog } from '../ConfirmDialog';
import { ErrorNote } from '../ErrorNote';
import { LabelledSelect } from '../LabelledSelect';
import { useTRPC } from '../trpc';
import type { DiffMark } from './context';

const NOW = 'now';
const MINUTE = 60_000;
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", "yesterday"; a date beyond a week. */
function timeAgo(at: number): string {
  const minutes = Math.round((at - Date.now()) / MINUTE);
  if (minutes > -1) return 'just now';
  if (minutes > -60) return relative.format(minutes, 'minute');
  if (minutes > -24 * 60) return relative.format(Math.round(minutes / 60), 'hour');
  if (minutes > -7 * 24 * 60) return relative.format(Math.round(minutes / (24 * 60)), 'day');
  return new Date(at).toLocaleDateString();
}

const times = (n: number) => (n === 0 ? 'never ran' : `ran ${n} time${n === 1 ? '' : 's'}`);

/** What the canvas outlines while comparing: nodes whose params changed, and nodes added. */
function marksOf(diff: { changed: { id: string }[]; added: { id: string }[] }): Record<string, DiffMark> {
  const marks: Record<string, DiffMark> = {};
  for (const change of diff.changed) marks[change.id] = 'changed';
  for (const node of diff.added) marks[node.id] = 'added';
  return marks;
}

/**
 * The pipeline's history beside the canvas: every version (who, when, what changed, how often it
 * ran); one compared with the pipeline now or with another (the differences as text, and outlined on
 * the canvas through `onMarks`); for editors, "Save version…" and Restore (after a confirmation).
 */
export function VersionsPanel({
  graphId,
  kinds,
  mayEdit,
  initialCompare,
  onMarks,
  onRestore,
  onClose,
}: {
  graphId: string;
  kinds: Map<string, CatalogEntry>;
  mayEdit: boolean;
  /** A version to compare with the pipeline now as the panel opens (the Runs page's link). */
  initialCompare: number | null;
  onMarks(marks: Record<string, DiffMark>): void;
  /** Makes the pipeline equal to a version (as a new one) and shows it; whether it was. */
  onRestore(versionId: number): Promise<boolean>;
  onClose(): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.versions.list.queryOptions({ id: graphId }));
  const [compared, setCompared] = useState<{ from: string; to: string } | null>(initialCompare === null ? null : { from: String(initialCompare), to: NOW });
  const diff = useQuery(
    trpc.versions.compare.queryOptions(compared ? { id: graphId, from: Number(compared.from), to: compared.to === NOW ? null : Number(compared.to) } : skipToken),
  );
  const [naming, setNaming] = useState(false);
  const [versionName, setVersionName] = useState('');
  const nameVersion = useMutation(
    trpc.versions.name.mutationOptions({
      onSuccess: () => {
        setNaming(false);
        setVersionName('');
        void queryClient.invalidateQueries({ queryKey: trpc.versions.list.queryKey({ id: graphId }) });
      },
    }),
  );
  const [restoring, setRestoring] = useState<{ id: number; number: number } | null>(null);
  const [restorePending, setRestorePending] = useState(false);

  useEffect(() => onMarks(compared && diff.data ? marksOf(diff.data.diff) : {}), [compared, diff.data, onMarks]);
  useEffect(() => () => onMarks({}), [onMarks]);

  const kindLabel = (type: string) => kinds.get(type)?.label ?? type;
  const paramTitle = (type: string, param: string) =>
    ((kinds.get(type)?.paramsSchema.properties ?? {}) as Record<string, { title?: string }>)[param]?.title ?? param;
  const nodeName = (node: { id: string; type: string }) => `${kindLabel(node.type)} (${node.id})`;
  const ends = (e: DiffEdge) => `${kindLabel(e.sourceType)} → ${kindLabel(e.targetType)}`;
  const choices = (versions.data ?? []).map((v) => [String(v.id), `version ${v.number}${v.name ? ` “${v.name}”` : ''}`] as const);

  return (
    <aside aria-label="Versions" className="flex w-80 shrink-0 flex-col border-l border-slate-200 bg-white text-sm">
      <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2">
        <h2 className="font-semibold">Versions</h2>
        <button type="button" className="rounded border border-slate-300 px-2 py-1" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto p-3">
        {mayEdit &&
          (naming ? (
            <form
              aria-label="Save version"
              className="mb-3 flex items-end gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                nameVersion.mutate({ id: graphId, name: versionName.trim() });
              }}
            >
              <label className="flex flex-1 flex-col gap-1">
                <span className="text-xs font-medium text-slate-700">Version name</span>
                <input required autoFocus maxLength={100} className="rounded border border-slate-300 px-2 py-1.5" value={versionName} onChange={(e) => setVersionName(e.target.value)} />
              </label>
              <button type="submit" disabled={nameVersion.isPending} className="rounded bg-indigo-600 px-3 py-1.5 font-medium text-white disabled:opacity-50">
                Save
              </button>
              <button type="button" className="rounded border border-slate-300 px-3 py-1.5" onClick={() => setNaming(false)}>
                Cancel
              </button>
            </form>
          ) : (
            <button type="button" className="mb-3 rounded border border-slate-300 px-3 py-1.5" onClick={() => setNaming(true)} title="Name the pipeline as it is now, to find it again">
              Save version…
            </button>
          ))}
        <ErrorNote message={nameVersion.error?.message ?? versions.error?.message ?? diff.error?.message} />

        {compared ? (
          <section aria-label="Comparison" className="mb-4 rounded border border-slate-200 p-2">
            <div className="flex items-end gap-2">
              <LabelledSelect label="Compare" value={compared.from} choices={choices} onChange={(from) => setCompared({ ...compared, from })} />
              <LabelledSelect label="with" value={compared.to} choices={[[NOW, 'the pipeline now'], ...choices]} onChange={(to) => setCompared({ ...compared, to })} />
              <button type="button" className="rounded border border-slate-300 px-2 py-2" onClick={() => setCompared(null)}>
                Stop comparing
              </button>
            </div>
            {diff.data && (
              <div className="mt-2" data-testid="version-diff">
                <p className="font-medium">{diff.data.summary}</p>
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-slate-700">
                  {diff.data.diff.renamed && <li>Renamed “{diff.data.diff.renamed.from}” → “{diff.data.diff.renamed.to}”</li>}
                  {diff.data.diff.added.map((n) => (
                    <li key={`a-${n.id}`}>Added {nodeName(n)}</li>
                  ))}
                  {diff.data.diff.changed.map((c) => (
                    <li key={`c-${c.id}-${c.param}`}>
                      {nodeName(c)}: {paramTitle(c.type, c.param)} {valueText(c.from)} → {valueText(c.to)}
                    </li>
                  ))}
                  {diff.data.diff.removed.map((n) => (
                    <li key={`r-${n.id}`}>Removed {nodeName(n)}</li>
                  ))}
                  {diff.data.diff.connected.map((e) => (
                    <li key={`+${e.id}`}>Connected {ends(e)}</li>
                  ))}
                  {diff.data.diff.disconnected.map((e) => (
                    <li key={`-${e.id}`}>Disconnected {ends(e)}</li>
                  ))}
                  {diff.data.diff.moved.length > 0 && <li>Moved {diff.data.diff.moved.length} step(s) on the canvas</li>}
                </ul>
                <p className="mt-1 text-xs text-slate-500">On the canvas: changed steps are outlined in amber, added ones in green.</p>
              </div>
            )}
          </section>
        ) : (
          <p className="mb-3 text-slate-500">Compare a version with the pipeline now to see what changed since.</p>
        )}

        <ol aria-label="Version list" className="divide-y divide-slate-100 rounded border border-slate-200">
          {versions.isPending && <li className="p-2 text-slate-500">Loading…</li>}
          {versions.data?.map((v) => (
            <li key={v.id} className="p-2" data-testid="version-row" data-version={v.number}>
              <div className="flex items-baseline justify-between gap-2">
                <span>
                  <b>Version {v.number}</b> {v.name ? `“${v.name}”` : <span className="text-slate-500">autosave</span>}
                </span>
                <span className="text-xs text-slate-500" title={new Date(v.savedAt).toLocaleString()}>
                  {timeAgo(v.savedAt)}
                </span>
              </div>
              <div className="text-xs text-slate-600">
                {v.author} · {times(v.runs)}
              </div>
              <div className="text-slate-700">{v.summary}</div>
              <div className="mt-1 flex gap-3 text-xs">
                <button type="button" aria-label={`Compare version ${v.number} with now`} className="text-indigo-700 hover:underline" onClick={() => setCompared({ from: String(v.id), to: NOW })}>
                  Compare with now
                </button>
                {mayEdit && (
                  <button type="button" aria-label={`Restore version ${v.number}`} className="text-indigo-700 hover:underline" onClick={() => setRestoring({ id: v.id, number: v.number })}>
                    Restore
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
      </div>
      {restoring && (
        <ConfirmDialog
          title={`Restore version ${restoring.number}?`}
          confirm="Restore"
          busy={restorePending}
          onCancel={() => setRestoring(null)}
          onConfirm={() => {
            setRestorePending(true);
            void onRestore(restoring.id).then((restored) => {
              setRestorePending(false);
              setRestoring(null);
              if (restored) setCompared(null);
            });
          }}
        >
          The pipeline becomes as it was in version {restoring.number}, saved as a new version: the versions since stay in the list, nothing is lost.
        </ConfirmDialog>
      )}
    </aside>
  );
}
