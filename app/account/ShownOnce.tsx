'use client';
import { useState } from 'react';

/**
 * A secret the server answered with (an API key, an invite's or a share link's URL): shown this
 * once, for the user to copy and pass on; only its hash is kept, so it can never be shown again.
 */
export function ShownOnce({ label, secret, children, onDone }: { label: string; secret: string; children: React.ReactNode; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div aria-live="polite" className="mt-3 rounded border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="shown-once">
      <p className="font-medium text-amber-900">{children} Copy it now: it will not be shown again.</p>
      <div className="mt-2 flex items-center gap-2">
        <input readOnly aria-label={label} value={secret} className="min-w-0 flex-1 rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="rounded border border-slate-300 bg-white px-2 py-1" onClick={() => void navigator.clipboard?.writeText(secret).then(() => setCopied(true))}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="rounded px-2 py-1 text-slate-600 hover:underline" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
