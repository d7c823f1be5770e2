'use client';

/**
 * The saved pipeline changed under the open editor: what happened, in the server's words, and the way
 * on: Reload (the saved graph, local changes discarded), and whatever else fits (the children).
 */
export function ChangedBanner({ message, conflict, busy, onReload, children }: { message: string; conflict: boolean; busy: boolean; onReload(): void; children?: React.ReactNode }) {
  return (
    <div
      role={conflict ? 'alert' : 'status'}
      data-testid={conflict ? 'save-conflict' : 'others-change'}
      className={`flex flex-wrap items-center gap-2 border-b px-3 py-2 text-sm ${conflict ? 'border-red-200 bg-red-50 text-red-900' : 'border-sky-200 bg-sky-50 text-sky-950'}`}
    >
      <span className="min-w-0 flex-1">{message}</span>
      <button type="button" disabled={busy} className="rounded border border-slate-300 bg-white px-3 py-1 disabled:opacity-50" onClick={onReload}>
        Reload
      </button>
      {children}
    </div>
  );
}
