'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { ROLES, type Role } from '../../../server/auth/roles';
import { ROLE_LABEL } from '../../account/role';
import { useTRPC } from '../../trpc';
import { EmailAndRole } from './EmailAndRole';
import { Invites } from './Invites';

const ROLE_MEANS: Record<Role, string> = {
  owner: 'everything an editor does, and deleting datasets and saved models (other pipelines may use them), adding and removing members, changing roles and renaming the workspace.',
  editor: 'creates, changes, runs and deletes pipelines, uploads datasets, deploys models and downloads full data.',
  viewer: 'sees the pipelines, runs, results, models and deployments, and the first 1,000 rows of a dataset; changes nothing and downloads no full data.',
};

/** The members of the workspace the pages work in: who has which role; owners manage them here. */
export default function MembersPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.workspaces.current.queryOptions());
  const members = useQuery(trpc.workspaces.members.queryOptions());
  const owner = members.data?.role === 'owner';
  const [email, setEmail] = useState('');
  const [role, setNewRole] = useState<Role>('editor');
  const [newName, setNewName] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.workspaces.members.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.workspaces.current.queryKey() });
  };
  const failed = (error: { message: string }) => setNotice({ kind: 'error', text: error.message });
  const addMember = useMutation(
    trpc.workspaces.addMember.mutationOptions({
      onSuccess: (result, input) => {
        setNotice({ kind: 'ok', text: result.added ? `Added ${input.email} as ${input.role}.` : `${input.email} was a member already: now ${input.role}.` });
        setEmail('');
        refresh();
      },
      onError: failed,
    }),
  );
  const setRole = useMutation(trpc.workspaces.setRole.mutationOptions({ onSuccess: refresh, onError: failed }));
  const removeMember = useMutation(
    trpc.workspaces.removeMember.mutationOptions({
      onSuccess: () => {
        setNotice({ kind: 'ok', text: 'Removed: their next request in this workspace is refused.' });
        refresh();
      },
      onError: failed,
    }),
  );
  const rename = useMutation(
    trpc.workspaces.rename.mutationOptions({
      onSuccess: () => {
        setNotice({ kind: 'ok', text: 'Renamed the workspace.' });
        setNewName(null);
        refresh();
      },
      onError: failed,
    }),
  );
  const workspaceName = current.data?.active?.name ?? '';
  const me = current.data?.user.id;

  return (
    <div className="mx-auto max-w-4xl p-8">
      <div className="flex items-baseline justify-between gap-4">
        <h1 className="text-2xl font-semibold">Members of {workspaceName || 'this workspace'}</h1>
        {owner && (
          <Link href="/workspace/audit" className="text-sm font-medium text-indigo-700 hover:underline">
            Audit log
          </Link>
        )}
      </div>
      <section className="mt-3 rounded border border-slate-200 bg-white p-4 text-sm text-slate-700" aria-label="Roles">
        <p>What each role may do here (the server checks every request):</p>
        <ul className="mt-2 space-y-1">
          {ROLES.map((r) => (
            <li key={r}>
              <b>{ROLE_LABEL[r]}</b>: {ROLE_MEANS[r]}
            </li>
          ))}
        </ul>
      </section>

      {notice && (
        <p role="status" className={`mt-4 rounded p-2 text-sm ${notice.kind === 'error' ? 'bg-red-50 text-red-800' : 'bg-emerald-50 text-emerald-900'}`} data-testid="members-notice">
          {notice.text}
        </p>
      )}

      {owner && (
        <form
          className="mt-4 flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate({ name: (newName ?? workspaceName).trim() });
          }}
        >
          <label className="flex flex-1 flex-col gap-1 text-sm">
            <span className="text-xs font-medium text-slate-700">Workspace name</span>
            <input
              className="rounded border border-slate-300 px-3 py-2"
              value={newName ?? workspaceName}
              required
              maxLength={80}
              onChange={(e) => setNewName(e.target.value)}
            />
          </label>
          <button type="submit" disabled={rename.isPending || newName === null || newName.trim() === workspaceName} className="rounded border border-slate-300 bg-white px-4 py-2 text-sm disabled:opacity-50">
            Rename
          </button>
        </form>
      )}

      <table className="mt-6 w-full rounded border border-slate-200 bg-white text-sm" aria-label="Members">
        <thead className="bg-slate-50 text-left text-xs text-slate-600">
          <tr>
            {['Name', 'Email', 'Role', ...(owner ? ['Remove'] : [])].map((heading) => (
              <th key={heading} className="px-3 py-2 font-medium">
                <span className={heading === 'Remove' ? 'sr-only' : undefined}>{heading}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {members.isPending && (
            <tr>
              <td className="px-3 py-2 text-slate-500" colSpan={4}>
                Loading…
              </td>
            </tr>
          )}
          {members.error && (
            <tr>
              <td className="px-3 py-2 text-red-700" colSpan={4}>
                {members.error.message}
              </td>
            </tr>
          )}
          {members.data?.members.map((m) => (
            <tr key={m.userId} className="border-t border-slate-100" data-testid={`member-${m.email}`}>
              <td className="px-3 py-2">
                {m.name}
                {m.userId === me && <span className="ml-1 text-xs text-slate-500">(you)</span>}
              </td>
              <td className="px-3 py-2">{m.email}</td>
              <td className="px-3 py-2">
                {owner ? (
                  <select
                    aria-label={`Role of ${m.email}`}
                    className="rounded border border-slate-300 px-2 py-1"
                    value={m.role}
                    disabled={setRole.isPending}
                    onChange={(e) => setRole.mutate({ userId: m.userId, role: e.target.value as Role })}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABEL[r]}
                      </option>
                    ))}
                  </select>
                ) : (
                  ROLE_LABEL[m.role]
                )}
              </td>
              {owner && (
                <td className="px-3 py-2 text-right">
                  <button
                    type="button"
                    className="text-sm text-slate-500 hover:text-red-700 disabled:opacity-50"
                    disabled={removeMember.isPending}
                    onClick={() => {
                      if (confirm(`Remove ${m.name} (${m.email}) from ${workspaceName}? They lose access at once.`)) removeMember.mutate({ userId: m.userId });
                    }}
                  >
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>

      {owner ? (
        <form
          className="mt-6 rounded border border-slate-200 bg-white p-4"
          aria-label="Add a member"
          onSubmit={(e) => {
            e.preventDefault();
            setNotice(null);
            addMember.mutate({ email: email.trim(), role });
          }}
        >
          <h2 className="text-sm font-semibold">Add a member</h2>
          <p className="mt-1 text-xs text-slate-600">The person needs an account first (Sign up): add them by its email.</p>
          <div className="mt-3 flex items-end gap-2 text-sm">
            <EmailAndRole email={email} onEmail={setEmail} role={role} onRole={setNewRole} />
            <button type="submit" disabled={addMember.isPending} className="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
              Add member
            </button>
          </div>
        </form>
      ) : (
        members.data && <p className="mt-4 text-sm text-slate-600">Only an owner of this workspace can add or remove members and change roles.</p>
      )}
      {owner && <Invites />}
    </div>
  );
}
