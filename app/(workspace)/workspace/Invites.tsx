'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Role } from '../../../server/auth/access';
import type { InviteStatus } from '../../../server/auth/invites';
import { ROLE_LABEL } from '../../account/role';
import { ShownOnce } from '../../account/ShownOnce';
import { ErrorNote } from '../../ErrorNote';
import { useTRPC } from '../../trpc';
import { EmailAndRole } from './EmailAndRole';

const STATUS_WORDS: Record<InviteStatus, string> = { pending: 'Pending', accepted: 'Accepted', revoked: 'Revoked', expired: 'Expired' };

/**
 * Owners invite people by email with a role: the invite's link is shown once, for the owner to pass
 * on (no mail is sent); the list shows every invite and what became of it, and revokes a pending one.
 */
export function Invites() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invites = useQuery(trpc.invites.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.invites.list.queryKey() });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [days, setDays] = useState(7);
  const [made, setMade] = useState<{ url: string; email: string; role: Role } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const failed = (error: { message: string }) => setProblem(error.message);
  const create = useMutation(
    trpc.invites.create.mutationOptions({
      onSuccess: ({ token, invite }) => {
        setMade({ url: `${window.location.origin}/invite/${token}`, email: invite.email, role: invite.role });
        setEmail('');
        void refresh();
      },
      onError: failed,
    }),
  );
  const revoke = useMutation(trpc.invites.revoke.mutationOptions({ onSuccess: () => void refresh(), onError: failed }));

  return (
    <section className="mt-8" aria-labelledby="invites-title">
      <h2 id="invites-title" className="text-lg font-semibold">
        Invites
      </h2>
      <p className="mt-1 text-sm text-slate-600">Invite someone who has no account yet, or any email: they get a link to pass on, and join with the role once they sign up or sign in with that email.</p>
      <form
        className="mt-3 flex items-end gap-2 rounded border border-slate-200 bg-white p-4 text-sm"
        aria-label="Invite someone"
        onSubmit={(e) => {
          e.preventDefault();
          setProblem(null);
          create.mutate({ email: email.trim(), role, days });
        }}
      >
        <EmailAndRole email={email} onEmail={setEmail} role={role} onRole={setRole} />
        <label className="flex w-28 flex-col gap-1">
          <span className="text-xs font-medium text-slate-700">Valid for (days)</span>
          <input type="number" min={1} max={30} required className="rounded border border-slate-300 px-3 py-2" value={days} onChange={(e) => setDays(Number(e.target.value))} />
        </label>
        <button type="submit" disabled={create.isPending} className="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
          Invite
        </button>
      </form>
      <ErrorNote message={problem} />
      {made && (
        <ShownOnce label="New invite link" secret={made.url} onDone={() => setMade(null)}>
          The invite for {made.email} as {made.role}: send them this link.
        </ShownOnce>
      )}
      <table className="mt-4 w-full rounded border border-slate-200 bg-white text-sm" aria-label="Invites">
        <thead className="bg-slate-50 text-left text-xs text-slate-600">
          <tr>
            {['Email', 'Role', 'Invited by', 'Status', 'Valid until', 'Revoke'].map((heading) => (
              <th key={heading} className="px-3 py-2 font-medium">
                <span className={heading === 'Revoke' ? 'sr-only' : undefined}>{heading}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {invites.error && (
            <tr>
              <td className="px-3 py-2 text-red-700" colSpan={6}>
                {invites.error.message}
              </td>
            </tr>
          )}
          {invites.data?.length === 0 && (
            <tr>
              <td className="px-3 py-2 text-slate-500" colSpan={6}>
                No invites yet.
              </td>
            </tr>
          )}
          {invites.data?.map((invite) => (
            <tr key={invite.id} className="border-t border-slate-100" data-testid={`invite-${invite.email}`}>
              <td className="px-3 py-2">{invite.email}</td>
              <td className="px-3 py-2">{ROLE_LABEL[invite.role]}</td>
              <td className="px-3 py-2">{invite.invitedBy ?? '—'}</td>
              <td className="px-3 py-2">{STATUS_WORDS[invite.status]}</td>
              <td className="px-3 py-2">{new Date(invite.expiresAt).toLocaleString()}</td>
              <td className="px-3 py-2 text-right">
                {invite.status === 'pending' && (
                  <button
                    type="button"
                    aria-label={`Revoke the invite for ${invite.email}`}
                    disabled={revoke.isPending}
                    className="text-slate-500 hover:text-red-700 disabled:opacity-50"
                    onClick={() => revoke.mutate({ id: invite.id })}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
