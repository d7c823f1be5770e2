'use client';
import { useState } from 'react';
import { AuthForm } from '../../(auth)/AuthForm';
import { useSignOut } from '../../account/sign-out';
import { ErrorNote } from '../../ErrorNote';
import { useTRPCClient } from '../../trpc';

type Way = 'sign-up' | 'sign-in';
const OTHER: Record<Way, { question: string; link: string }> = {
  'sign-up': { question: 'Already have an account with this email?', link: 'Sign in instead' },
  'sign-in': { question: 'No account yet?', link: 'Create one instead' },
};

/**
 * Accepting an invite: signed out, by signing up (or in) as the invited email, which accepts it at
 * once; signed in as that email, with Accept; signed in as someone else, not at all (sign out first).
 * Accepted, the page goes home, in the workspace joined.
 */
export function InviteAnswer({ token, email, signedInAs, minPasswordLength }: { token: string; email: string; signedInAs: string | null; minPasswordLength: number }) {
  const trpcClient = useTRPCClient();
  const { signOut, signingOut } = useSignOut();
  const [way, setWay] = useState<Way>('sign-up');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // accept sets the workspace cookie to the one joined: home is then its pipelines.
  async function accept() {
    await trpcClient.invites.accept.mutate({ token });
    window.location.assign('/');
  }

  if (signedInAs === null) {
    const other: Way = way === 'sign-up' ? 'sign-in' : 'sign-up';
    return (
      <section className="mt-6" aria-label={way === 'sign-up' ? 'Create your account' : 'Sign in'}>
        <p className="text-sm text-slate-600">
          {way === 'sign-up' ? 'Create your account to accept the invite:' : 'Sign in to accept the invite:'} you join as soon as you are in.
        </p>
        <AuthForm
          key={way}
          mode={way}
          minPasswordLength={minPasswordLength}
          email={email}
          onSignedIn={accept}
          otherWay={
            <p className="text-sm text-slate-600">
              {OTHER[way].question}{' '}
              <button type="button" className="font-medium text-indigo-700 hover:underline" onClick={() => setWay(other)}>
                {OTHER[way].link}
              </button>
            </p>
          }
        />
      </section>
    );
  }

  if (signedInAs.trim().toLowerCase() !== email) {
    return (
      <div className="mt-6 space-y-3">
        <p role="alert" className="rounded bg-amber-50 p-3 text-sm text-amber-950">
          This invite is for {email}, and you are signed in as {signedInAs}: sign out, then sign in or sign up with {email}.
        </p>
        <button type="button" disabled={signingOut} className="rounded border border-slate-300 px-4 py-2 text-sm disabled:opacity-50" onClick={() => void signOut(`/invite/${token}`)}>
          Sign out
        </button>
      </div>
    );
  }

  return (
    <div className="mt-6 space-y-3">
      <ErrorNote message={error} />
      <button
        type="button"
        disabled={pending}
        className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
        onClick={() => {
          setPending(true);
          setError(null);
          accept().catch((failure: Error) => {
            setError(failure.message);
            setPending(false);
          });
        }}
      >
        Accept the invite
      </button>
    </div>
  );
}
