import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { hasAnyAccount } from '../../../server/auth/workspaces';
import { AuthPage } from '../AuthPage';

export const metadata: Metadata = { title: 'Create the owner account · Pipeloom' };

/** First start: while no account exists, every page leads here; afterwards this page is gone (sign in instead). */
export default function SetupPage() {
  if (hasAnyAccount()) redirect('/sign-in');
  return (
    <AuthPage mode="setup" title="Create the owner account">
      <p>Pipeloom has no accounts yet. The account you create now owns this server&apos;s workspace, with every pipeline, dataset and model stored in it so far.</p>
      <p>As the owner you can then add other people (once they have signed up) as owners, editors or viewers.</p>
    </AuthPage>
  );
}
