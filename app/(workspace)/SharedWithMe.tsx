'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../trpc';

/** Pipelines of other workspaces shared with the user (by a person, or a view link they opened): shown only when there are some. */
export function SharedWithMe() {
  const trpc = useTRPC();
  const shared = useQuery(trpc.graphs.sharedWithMe.queryOptions());
  if (!shared.data?.length) return null;
  return (
    <section className="mt-10" aria-labelledby="shared-with-me">
      <h2 id="shared-with-me" className="text-lg font-semibold">
        Shared with me
      </h2>
      <ul className="mt-3 divide-y divide-slate-200 rounded border border-slate-200 bg-white" data-testid="shared-list">
        {shared.data.map((g) => (
          <li key={g.id} className="p-4">
            <Link href={`/graphs/${g.id}`} className="font-medium text-indigo-700 hover:underline">
              {g.name}
            </Link>
            <div className="text-xs text-slate-500">
              {g.workspaceName} · shared by {g.sharedBy ?? 'someone no longer here'} · you can {g.role === 'viewer' ? 'view' : 'edit and run'}
              {g.expiresAt !== null && ` · until ${new Date(g.expiresAt).toLocaleDateString()}`} · edited {new Date(g.updatedAt).toLocaleString()}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
