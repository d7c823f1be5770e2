'use client';
import { TRPCClientError } from '@trpc/client';
import { createContext, useContext, useEffect, useState } from 'react';
import { useTRPCClient } from './trpc';

/**
 * What a refused call means for the open page, from the server's answer:
 * - signed-out: the session is gone (signed out elsewhere, expired): sign in again;
 * - removed: the workspace the page works in refused the user as a member (an owner removed them);
 * - not-allowed: the role does not allow it (a viewer tried to change something): say so;
 * - not-found: maybe the thing is gone, maybe the user was removed from its workspace: check which.
 */
export type Refusal =
  | { kind: 'signed-out' }
  | { kind: 'removed'; message: string }
  | { kind: 'not-allowed'; message: string }
  | { kind: 'not-found' };

/** The server's refusals for a user of no workspace (any more) start so (server/auth/access.ts). */
const NOT_A_MEMBER = /^You are not a member of /;
const OF_NONE = /^You are not a member of any workspace/;

export function refusalOf(error: unknown): Refusal | null {
  if (!(error instanceof TRPCClientError)) return null;
  const code = (error.data as { code?: string } | undefined)?.code;
  if (code === 'UNAUTHORIZED') return { kind: 'signed-out' };
  if (code === 'FORBIDDEN') return NOT_A_MEMBER.test(error.message) ? { kind: 'removed', message: error.message } : { kind: 'not-allowed', message: error.message };
  if (code === 'NOT_FOUND') return { kind: 'not-found' };
  return null;
}

/** Whether retrying cannot help: the server refused or did not understand the request (4xx). */
export function isRefusal(error: unknown): boolean {
  const status = error instanceof TRPCClientError ? (error.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
  return status !== undefined && status >= 400 && status < 500;
}

/** What the page shows of refusals: a blocking banner (removed from the workspace) and the latest other refusal. */
export interface RefusalView {
  /** Why the page cannot go on in this workspace (blocking), or null. */
  blocked: string | null;
  /** The latest refusal of something the role does not allow, or null. */
  notice: { message: string; at: number } | null;
}

const RefusalContext = createContext<{ block(message: string): void }>({ block: () => undefined });

/** Lets a component that learns of a refusal otherwise (workspaces.current's `refused`) raise the blocking banner. */
export function useBlockWorkspace(): (message: string) => void {
  return useContext(RefusalContext).block;
}

export function RefusalProvider({ view, block, dismiss, children }: { view: RefusalView; block(message: string): void; dismiss(): void; children: React.ReactNode }) {
  return (
    <RefusalContext.Provider value={{ block }}>
      {/* Behind the blocking banner the page takes no input: the banner is the one way on. */}
      <div className="contents" inert={Boolean(view.blocked)}>
        {children}
      </div>
      {view.notice && <RefusalNotice key={view.notice.at} message={view.notice.message} onDismiss={dismiss} />}
      {view.blocked && <RemovedBanner message={view.blocked} />}
    </RefusalContext.Provider>
  );
}

/** A refusal the page goes on after (the role does not allow it): visible until dismissed, or for a while. */
function RefusalNotice({ message, onDismiss }: { message: string; onDismiss(): void }) {
  useEffect(() => {
    const t = setTimeout(onDismiss, 15_000);
    return () => clearTimeout(t);
  }, [onDismiss]);
  return (
    <div role="alert" className="fixed bottom-4 right-4 z-40 flex max-w-md items-start gap-3 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 shadow-lg" data-testid="refusal-notice">
      <p>{message}</p>
      <button type="button" className="shrink-0 text-xs font-medium text-amber-900 underline" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** Removed from the workspace the page works in: nothing on it works any more, so the page says why and offers the way out. */
function RemovedBanner({ message }: { message: string }) {
  const trpcClient = useTRPCClient();
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const ofNone = OF_NONE.test(message);
  async function leave() {
    setPending(true);
    setFailed(null);
    try {
      if (ofNone) await trpcClient.workspaces.create.mutate({ name: 'My workspace' });
      else await trpcClient.workspaces.switch.mutate({ workspaceId: null });
      window.location.assign('/');
    } catch (error) {
      setFailed((error as Error).message);
      setPending(false);
    }
  }
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/50 p-4">
      <div role="alertdialog" aria-modal="true" aria-labelledby="removed-title" aria-describedby="removed-message" className="max-w-lg rounded-lg bg-white p-6 shadow-xl" data-testid="workspace-refused">
        <h2 id="removed-title" className="text-lg font-semibold">
          {ofNone ? 'You have no workspace' : 'You cannot work in this workspace any more'}
        </h2>
        <p id="removed-message" className="mt-2 text-sm text-slate-700">
          {message}
        </p>
        {failed && <p className="mt-2 text-sm text-red-700">{failed}</p>}
        <button type="button" autoFocus disabled={pending} className="mt-4 rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50" onClick={() => void leave()}>
          {ofNone ? 'Create a workspace of my own' : 'Go to my workspaces'}
        </button>
      </div>
    </div>
  );
}
