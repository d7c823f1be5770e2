'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import type { LinkMode } from '../../../server/auth/sharing';
import { ErrorNote } from '../../ErrorNote';
import { useTRPC } from '../../trpc';

/** Uses a share link: a view link at once (then its pipeline, read-only); a copy link when the user asks for the copy (then the copy). */
export function OpenShare({ token, mode }: { token: string; mode: LinkMode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const current = useQuery(trpc.workspaces.current.queryOptions());
  const open = useMutation(trpc.sharing.openLink.mutationOptions({ onSuccess: ({ graphId }) => router.replace(`/graphs/${graphId}`) }));
  const { mutate } = open;
  const opened = useRef(false);
  useEffect(() => {
    if (mode !== 'view' || opened.current) return;
    opened.current = true;
    mutate({ token });
  }, [mode, token, mutate]);

  const workspace = current.data?.active?.name;
  return (
    <div className="mt-6 space-y-3">
      <ErrorNote message={open.error?.message} />
      {mode === 'view' ? (
        !open.error && <p className="text-sm text-slate-500">Opening the pipeline…</p>
      ) : (
        <button
          type="button"
          disabled={!workspace || open.isPending || open.isSuccess}
          className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
          onClick={() => open.mutate({ token })}
        >
          {workspace ? `Make a copy in ${workspace}` : 'Make a copy'}
        </button>
      )}
      {mode === 'copy' && current.data?.refused && <p className="text-sm text-slate-600">{current.data.refused}</p>}
    </div>
  );
}
