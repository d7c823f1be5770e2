import type { Metadata } from 'next';
import { requireSignedOut } from '../../session';
import { AuthPage } from '../AuthPage';

export const metadata: Metadata = { title: 'Sign in · Pipeloom' };

export default async function SignInPage() {
  await requireSignedOut();
  return (
    <AuthPage mode="sign-in" title="Sign in">
      <p>Sign in to see your workspaces&apos; pipelines, datasets and models.</p>
    </AuthPage>
  );
}
