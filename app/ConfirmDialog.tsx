'use client';
import { useDialog } from './useDialog';

/** Asks before something that cannot be taken back as easily: the question, what it does, and two buttons (Escape cancels). */
export function ConfirmDialog({ title, children, confirm, busy, onConfirm, onCancel }: { title: string; children: React.ReactNode; confirm: string; busy: boolean; onConfirm(): void; onCancel(): void }) {
  const dialog = useDialog(onCancel);
  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-slate-900/40 p-8">
      <div ref={dialog} tabIndex={-1} role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" className="w-full max-w-md rounded-lg bg-white p-5 text-sm shadow-xl outline-none">
        <h2 id="confirm-title" className="text-base font-semibold">
          {title}
        </h2>
        <div className="mt-2 text-slate-700">{children}</div>
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="rounded border border-slate-300 px-3 py-1.5" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" disabled={busy} className="rounded bg-red-600 px-3 py-1.5 font-medium text-white hover:bg-red-700 disabled:opacity-50" onClick={onConfirm}>
            {confirm}
          </button>
        </div>
      </div>
    </div>
  );
}
