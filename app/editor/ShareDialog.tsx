'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { LinkMode } from '../../server/auth/sharing';
import { SHARE_ROLES, type ShareRole } from '../../server/auth/roles';
import { ErrorNote } from '../ErrorNote';
import { LabelledSelect } from '../LabelledSelect';
import { ShownOnce } from '../account/ShownOnce';
import { useTRPC } from '../trpc';
import { useDialog } from '../useDialog';

/** How long a share lasts: days from now, or '' for until revoked. */
const EXPIRY_CHOICES: [string, string][] = [
  ['', 'until revoked'],
  ['1', '1 day'],
  ['7', '7 days'],
  ['30', '30 days'],
  ['90', '90 days'],
];
const LINK_WORDS: Record<LinkMode, string> = { view: 'View only', copy: 'Make a copy' };
const LINK_CHOICES: [LinkMode, string][] = [
  ['view', 'view it'],
  ['copy', 'make a copy'],
];
const ROLE_WORDS: Record<ShareRole, string> = { viewer: 'can view', editor: 'can edit and run' };
const ROLE_CHOICES = SHARE_ROLES.map((r) => [r, ROLE_WORDS[r]] as const);

const days = (choice: string) => (choice ? Number(choice) : null);
const until = (at: number | null) => (at === null ? 'until revoked' : `until ${new Date(at).toLocaleDateString()}`);

/**
 * Sharing one pipeline, for members of its workspace who may edit it: with people who have an
 * account (viewer or editor of this pipeline only), and by links (view only, or make a copy); each
 * revocable, with an optional expiry. A new link is shown once.
 */
export function ShareDialog({ graphId, pipelineName, onClose }: { graphId: string; pipelineName: string; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const shares = useQuery(trpc.sharing.list.queryOptions({ graphId }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.sharing.list.queryKey({ graphId }) });
  const [problem, setProblem] = useState<string | null>(null);
  const failed = (error: { message: string }) => setProblem(error.message);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<ShareRole>('viewer');
  const [personExpiry, setPersonExpiry] = useState('');
  const [mode, setMode] = useState<LinkMode>('view');
  const [linkExpiry, setLinkExpiry] = useState('');
  const [newLink, setNewLink] = useState<{ mode: LinkMode; url: string } | null>(null);
  const dialog = useDialog(onClose);

  const addPerson = useMutation(
    trpc.sharing.addPerson.mutationOptions({
      onSuccess: () => {
        setEmail('');
        void refresh();
      },
      onError: failed,
    }),
  );
  const removePerson = useMutation(trpc.sharing.removePerson.mutationOptions({ onSuccess: () => void refresh(), onError: failed }));
  const createLink = useMutation(
    trpc.sharing.createLink.mutationOptions({
      onSuccess: ({ token }, input) => {
        setNewLink({ mode: input.mode, url: `${window.location.origin}/share/${token}` });
        void refresh();
      },
      onError: failed,
    }),
  );
  const revokeLink = useMutation(trpc.sharing.revokeLink.mutationOptions({ onSuccess: () => void refresh(), onError: failed }));

  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-8">
      <div ref={dialog} tabIndex={-1} role="dialog" aria-modal="true" aria-labelledby="share-title" className="w-full max-w-2xl rounded-lg bg-white p-6 text-sm shadow-xl outline-none">
        <div className="flex items-start justify-between gap-4">
          <h2 id="share-title" className="text-lg font-semibold">
            Share “{pipelineName}”
          </h2>
          <button type="button" className="rounded border border-slate-300 px-3 py-1" onClick={onClose}>
            Close
          </button>
        </div>
        <p className="mt-1 text-slate-600">People you share it with see this pipeline only, its runs and results — nothing else of the workspace.</p>
        <ErrorNote message={problem ?? shares.error?.message} />

        <section className="mt-5" aria-labelledby="share-people">
          <h3 id="share-people" className="font-semibold">
            People
          </h3>
          <form
            className="mt-2 flex items-end gap-2"
            aria-label="Share with a person"
            onSubmit={(e) => {
              e.preventDefault();
              setProblem(null);
              addPerson.mutate({ graphId, email: email.trim(), role, expiresInDays: days(personExpiry) });
            }}
          >
            <label className="flex flex-1 flex-col gap-1">
              <span className="text-xs font-medium text-slate-700">Email of their account</span>
              <input type="email" required autoComplete="off" className="rounded border border-slate-300 px-2 py-2" value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <LabelledSelect label="They" value={role} choices={ROLE_CHOICES} onChange={setRole} />
            <LabelledSelect label="For" value={personExpiry} choices={EXPIRY_CHOICES} onChange={setPersonExpiry} />
            <button type="submit" disabled={addPerson.isPending} className="rounded bg-indigo-600 px-3 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
              Share
            </button>
          </form>
          <ul className="mt-3 divide-y divide-slate-100 rounded border border-slate-200" aria-label="People it is shared with">
            {shares.data?.people.length === 0 && <li className="p-2 text-slate-500">Not shared with anyone outside the workspace.</li>}
            {shares.data?.people.map((p) => (
              <li key={p.userId} className="flex items-center justify-between gap-2 p-2">
                <span>
                  <b>{p.name}</b> {p.email} — {ROLE_WORDS[p.role]}, {until(p.expiresAt)}
                  {p.byLink && <span className="ml-1 text-xs text-slate-500">(opened a view link)</span>}
                </span>
                <button
                  type="button"
                  aria-label={`Stop sharing with ${p.email}`}
                  disabled={removePerson.isPending}
                  className="text-slate-500 hover:text-red-700 disabled:opacity-50"
                  onClick={() => removePerson.mutate({ graphId, userId: p.userId })}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </section>

        <section className="mt-6" aria-labelledby="share-links">
          <h3 id="share-links" className="font-semibold">
            Links
          </h3>
          <p className="mt-1 text-slate-600">Anyone signed in who opens a link can view the pipeline, or get a copy of it (with its datasets) in their own workspace.</p>
          <form
            className="mt-2 flex items-end gap-2"
            aria-label="Make a share link"
            onSubmit={(e) => {
              e.preventDefault();
              setProblem(null);
              createLink.mutate({ graphId, mode, expiresInDays: days(linkExpiry) });
            }}
          >
            <LabelledSelect label="Whoever opens it may" value={mode} choices={LINK_CHOICES} onChange={setMode} />
            <LabelledSelect label="Works" value={linkExpiry} choices={EXPIRY_CHOICES} onChange={setLinkExpiry} />
            <button type="submit" disabled={createLink.isPending} className="rounded bg-indigo-600 px-3 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
              Make a link
            </button>
          </form>
          {newLink && (
            <ShownOnce label="New share link" secret={newLink.url} onDone={() => setNewLink(null)}>
              The {newLink.mode === 'view' ? 'view-only' : '"make a copy"'} link.
            </ShownOnce>
          )}
          <ul className="mt-3 divide-y divide-slate-100 rounded border border-slate-200" aria-label="Share links">
            {shares.data?.links.length === 0 && <li className="p-2 text-slate-500">No links.</li>}
            {shares.data?.links.map((l) => (
              <li key={l.id} className="flex items-center justify-between gap-2 p-2" data-testid="share-link-row">
                <span>
                  <b>{LINK_WORDS[l.mode]}</b> — made by {l.createdBy ?? 'a deleted account'} on {new Date(l.createdAt).toLocaleString()}, {l.expired ? 'expired' : until(l.expiresAt)}, opened{' '}
                  {l.opens} time{l.opens === 1 ? '' : 's'}
                </span>
                <button
                  type="button"
                  aria-label={`Revoke the ${LINK_WORDS[l.mode].toLowerCase()} link made ${new Date(l.createdAt).toLocaleString()}`}
                  disabled={revokeLink.isPending}
                  className="text-slate-500 hover:text-red-700 disabled:opacity-50"
                  onClick={() => revokeLink.mutate({ graphId, linkId: l.id })}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
