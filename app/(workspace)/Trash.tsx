'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../ConfirmDialog';
import { ErrorNote } from '../ErrorNote';
import { useTRPC } from '../trpc';

const day = (at: number) => new Date(at).toLocaleDateString();

/**
 * The workspace's deleted pipelines, kept 30 days: who deleted each and when, when it goes for good;
 * editors restore one, or delete it forever after a confirmation naming it.
 */
export function Trash({ mayEdit }: { mayEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const trash = useQuery(trpc.graphs.trash.queryOptions());
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.graphs.trash.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.graphs.list.queryKey() });
  };
  const [forever, setForever] = useState<{ id: string; name: string } | null>(null);
  const restore = useMutation(trpc.graphs.restore.mutationOptions({ onSuccess: refresh }));
  const deleteForever = useMutation(
    trpc.graphs.deleteForever.mutationOptions({
      onSuccess: () => {
        setForever(null);
        refresh();
      },
    }),
  );
  return (
    <section id="trash" className="mt-10" aria-labelledby="trash-heading">
      <h2 id="trash-heading" className="text-lg font-semibold">
        Trash
      </h2>
      <p className="mt-1 text-sm text-slate-600">Deleted pipelines stay here for 30 days, then they are deleted for good (their runs stay).</p>
      <ErrorNote message={trash.error?.message ?? restore.error?.message ?? deleteForever.error?.message} />
      <ul className="mt-3 divide-y divide-slate-200 rounded border border-slate-200 bg-white" data-testid="trash-list">
        {trash.data?.length === 0 && <li className="p-4 text-sm text-slate-500">The trash is empty.</li>}
        {trash.data?.map((g) => (
          <li key={g.id} className="flex items-center justify-between gap-3 p-4">
            <div>
              <div className="font-medium">{g.name}</div>
              <div className="text-xs text-slate-500">
                deleted by {g.deletedBy ?? 'a former member'} on {new Date(g.deletedAt).toLocaleString()} · deleted for good on {day(g.purgeAt)}
              </div>
            </div>
            {mayEdit && (
              <div className="flex shrink-0 gap-3 text-sm">
                <button type="button" aria-label={`Restore ${g.name}`} disabled={restore.isPending} className="text-indigo-700 hover:underline disabled:opacity-50" onClick={() => restore.mutate({ id: g.id })}>
                  Restore
                </button>
                <button type="button" aria-label={`Delete ${g.name} forever`} className="text-slate-500 hover:text-red-700" onClick={() => setForever({ id: g.id, name: g.name })}>
                  Delete forever
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {forever && (
        <ConfirmDialog
          title={`Delete “${forever.name}” forever?`}
          confirm="Delete forever"
          busy={deleteForever.isPending}
          onCancel={() => setForever(null)}
          onConfirm={() => deleteForever.mutate({ id: forever.id })}
        >
          “{forever.name}” and its versions are deleted for good: this cannot be undone. Its runs stay in the history.
        </ConfirmDialog>
      )}
    </section>
  );
}
