import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { sessionUser, type SignedInUser } from '../server/auth/auth';
import { hasAnyAccount } from '../server/auth/workspaces';

/** The signed-in user of the request being rendered (better-auth's getSession, once per request), or null. */
export const signedInUser = cache(async (): Promise<SignedInUser | null> => sessionUser(await headers()));

/** For the pages behind sign-in: the user, or a redirect to the first-start page (no account yet) or to sign-in. */
export async function requireSignedIn(): Promise<SignedInUser> {
  const user = await signedInUser();
  if (!user) redirect(hasAnyAccount() ? '/sign-in' : '/setup');
  return user;
}

/** For the sign-in and sign-up pages: someone signed in goes on to `next` (home unless a page sent them); before the first account, only /setup exists. */
export async function requireSignedOut(next = '/'): Promise<void> {
  if (!hasAnyAccount()) redirect('/setup');
  if (await signedInUser()) redirect(next);
}
