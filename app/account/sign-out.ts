'use client';
import { useState } from 'react';
import { useTRPCClient } from '../trpc';

/** Signing out of this browser, then going to `then` (the sign-in page unless the page says where). */
export function useSignOut(): { signOut(then?: string): Promise<void>; signingOut: boolean } {
  const trpcClient = useTRPCClient();
  const [signingOut, setSigningOut] = useState(false);
  async function signOut(then = '/sign-in') {
    setSigningOut(true);
    // The workspace choice is this browser's, not the account's: the next person to sign in here starts in their own.
    await trpcClient.workspaces.switch.mutate({ workspaceId: null }).catch(() => undefined);
    await fetch('/api/auth/sign-out', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(() => undefined);
    window.location.assign(then);
  }
  return { signOut, signingOut };
}
