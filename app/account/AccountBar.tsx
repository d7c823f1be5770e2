'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useBlockWorkspace } from '../refusals';
import { useTRPC } from '../trpc';
import { ROLE_LABEL } from './role';
import { useSignOut } from './sign-out';

/** After switching workspace: a pipeline's pages belong to the old one, so go to the new one's pipelines; other pages show the new one's. */
function reloadInNewWorkspace() {
  if (window.location.pathname.startsWith('/graphs/')) window.location.assign('/');
  else window.location.reload();
}

/** The header's right side when signed in: the workspace (switch, new, members), who is signed in, and Sign out. */
export function AccountBar({ user }: { user: { name: string; email: string } }) {
  const trpc = useTRPC();
  const block = useBlockWorkspace();
  // Membership is checked again on every page change and when the window comes back to the front:
  // a member removed meanwhile learns it at their next step, even where the page shows cached data.
  const current = useQuery({ ...trpc.workspaces.current.queryOptions(), refetchOnWindowFocus: true });
  const { refetch } = current;
  const pathname = usePathname();
  const shownPath = useRef(pathname);
  useEffect(() => {
    if (pathname === shownPath.current) return;
    shownPath.current = pathname;
    void refetch();
  }, [pathname, refetch]);
  const refused = current.data?.refused;
  useEffect(() => {
    if (refused) block(refused);
  }, [refused, block]);
  const switchTo = useMutation(trpc.workspaces.switch.mutationOptions({ onSuccess: reloadInNewWorkspace }));
  const create = useMutation(trpc.workspaces.create.mutationOptions({ onSuccess: () => window.location.assign('/') }));
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState('');
  const { signOut, signingOut } = useSignOut();

  const active = current.data?.active;
  return (
    <div className="ml-auto flex items-center gap-3 text-sm">
      {creating ? (
        <form
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name: newName.trim() });
          }}
        >
          <input
            aria-label="New workspace name"
            className="w-44 rounded border border-slate-300 px-2 py-1 text-sm"
            placeholder="Name of the workspace"
            value={newName}
            required
            maxLength={80}
            autoFocus
            onChange={(e) => setNewName(e.target.value)}
          />
          <button type="submit" disabled={create.isPending} className="rounded bg-indigo-600 px-2 py-1 text-xs font-medium text-white disabled:opacity-50">
            Create
          </button>
          <button type="button" className="px-1 text-xs text-slate-600 hover:underline" onClick={() => setCreating(false)}>
            Cancel
          </button>
          {create.error && (
            <span role="alert" className="text-xs text-red-700">
              {create.error.message}
            </span>
          )}
        </form>
      ) : (
        <>
          {current.data && (
            <label className="flex items-center gap-1">
              <span className="sr-only">Workspace</span>
              <select
                aria-label="Workspace"
                className="max-w-56 rounded border border-slate-300 bg-white px-2 py-1 text-sm"
                value={active?.workspaceId ?? ''}
                disabled={switchTo.isPending}
                onChange={(e) => switchTo.mutate({ workspaceId: e.target.value })}
              >
                {!active && <option value="">choose a workspace</option>}
                {current.data.memberships.map((m) => (
                  <option key={m.workspaceId} value={m.workspaceId}>
                    {m.name} ({ROLE_LABEL[m.role].toLowerCase()})
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" className="text-slate-600 hover:text-slate-900" onClick={() => setCreating(true)}>
            New workspace
          </button>
          <Link href="/workspace" className="text-slate-600 hover:text-slate-900">
            Members
          </Link>
        </>
      )}
      <span className="border-l border-slate-200 pl-3 text-right leading-tight" data-testid="signed-in-as">
        <span className="block font-medium text-slate-800">{user.name}</span>
        <span className="block text-xs text-slate-500">{user.email}</span>
      </span>
      <button type="button" disabled={signingOut} className="rounded border border-slate-300 px-2 py-1 text-slate-700 hover:bg-slate-50 disabled:opacity-50" onClick={() => void signOut()}>
        Sign out
      </button>
    </div>
  );
}
