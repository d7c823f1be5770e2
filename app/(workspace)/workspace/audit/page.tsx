'use client';
import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { AUDIT_ACTIONS, type AuditAction } from '../../../../lib/audit-actions';
import { ErrorNote } from '../../../ErrorNote';
import { LabelledSelect } from '../../../LabelledSelect';
import { useTRPC, useTRPCClient } from '../../../trpc';

const PAGE = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The filter as the form holds it: an action ('' for any), words, and days (yyyy-mm-dd, '' for open). */
interface FilterForm {
  action: AuditAction | '';
  text: string;
  from: string;
  to: string;
}
const NO_FILTER: FilterForm = { action: '', text: '', from: '', to: '' };
const ACTION_CHOICES: [AuditAction | '', string][] = [['', 'Everything'], ...Object.entries(AUDIT_ACTIONS).map(([a, words]) => [a as AuditAction, words] as [AuditAction, string])];

/** The filter as audit.list and the CSV take it: `from` the start of its day, `to` the end of its day (exclusive), local time. */
function filterQuery(form: FilterForm): { action?: AuditAction; text?: string; from?: number; to?: number } {
  const dayStart = (day: string) => new Date(`${day}T00:00`).getTime();
  return {
    ...(form.action ? { action: form.action } : {}),
    ...(form.text.trim() ? { text: form.text.trim() } : {}),
    ...(form.from ? { from: dayStart(form.from) } : {}),
    ...(form.to ? { to: dayStart(form.to) + DAY_MS } : {}),
  };
}

/** The audit log of the workspace the pages work in, for its owners: newest first, filtered, a page at a time, and as CSV. */
export default function AuditPage() {
  const trpc = useTRPC();
  const trpcClient = useTRPCClient();
  const [form, setForm] = useState<FilterForm>(NO_FILTER);
  const [applied, setApplied] = useState<FilterForm>(NO_FILTER);
  const query = filterQuery(applied);
  const events = useInfiniteQuery({
    queryKey: [...trpc.audit.list.queryKey(), query],
    queryFn: ({ pageParam }) => trpcClient.audit.list.query({ ...query, beforeId: pageParam, limit: PAGE }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.more ? last.events[last.events.length - 1]?.id : undefined),
  });
  const csv = `/api/v1/audit/csv?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()}`;
  const rows = events.data?.pages.flatMap((p) => p.events) ?? [];
  const set = (change: Partial<FilterForm>) => setForm((f) => ({ ...f, ...change }));

  return (
    <div className="mx-auto max-w-6xl p-8">
      <div className="flex items-baseline justify-between gap-4">
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <Link href="/workspace" className="text-sm text-indigo-700 hover:underline">
          Back to Members
        </Link>
      </div>
      <p className="mt-1 text-sm text-slate-600">Sign-ins, invites, member and role changes, shares and share links, deploys, deletions and API keys in this workspace: who, what, when.</p>
      <form
        className="mt-4 flex flex-wrap items-end gap-2 rounded border border-slate-200 bg-white p-4 text-sm"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
        }}
      >
        <LabelledSelect label="What happened" value={form.action} choices={ACTION_CHOICES} onChange={(action) => set({ action })} />
        <label className="flex flex-1 flex-col gap-1">
          <span className="text-xs font-medium text-slate-700">Who or what it was done to contains</span>
          <input type="search" maxLength={200} className="rounded border border-slate-300 px-3 py-2" value={form.text} onChange={(e) => set({ text: e.target.value })} />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-slate-700">From</span>
          <input type="date" className="rounded border border-slate-300 px-2 py-2" value={form.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-slate-700">To</span>
          <input type="date" className="rounded border border-slate-300 px-2 py-2" value={form.to} onChange={(e) => set({ to: e.target.value })} />
        </label>
        <button type="submit" className="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700">
          Filter
        </button>
        <a href={csv} download className="rounded border border-slate-300 px-4 py-2 hover:bg-slate-50">
          Download CSV
        </a>
      </form>
      <ErrorNote message={events.error?.message} />
      <table className="mt-4 w-full rounded border border-slate-200 bg-white text-sm" aria-label="Audit events">
        <thead className="bg-slate-50 text-left text-xs text-slate-600">
          <tr>
            {['When', 'Who', 'What', 'To', 'Detail'].map((heading) => (
              <th key={heading} className="px-3 py-2 font-medium">
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {events.isPending && (
            <tr>
              <td className="px-3 py-2 text-slate-500" colSpan={5}>
                Loading…
              </td>
            </tr>
          )}
          {events.isSuccess && rows.length === 0 && (
            <tr>
              <td className="px-3 py-2 text-slate-500" colSpan={5}>
                Nothing matches.
              </td>
            </tr>
          )}
          {rows.map((event) => (
            <tr key={event.id} className="border-t border-slate-100 align-top" data-testid="audit-event">
              <td className="whitespace-nowrap px-3 py-2">{new Date(event.at).toLocaleString()}</td>
              <td className="px-3 py-2">{event.actor}</td>
              <td className="px-3 py-2">{AUDIT_ACTIONS[event.action]}</td>
              <td className="px-3 py-2">{event.subject}</td>
              <td className="px-3 py-2 text-slate-600">{event.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.hasNextPage && (
        <button type="button" disabled={events.isFetchingNextPage} className="mt-3 rounded border border-slate-300 px-4 py-2 text-sm disabled:opacity-50" onClick={() => void events.fetchNextPage()}>
          {events.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
