import type { Metadata } from 'next';
import { requireSignedOut } from '../../session';
import { AuthPage } from '../AuthPage';
import { nextPath } from '../next-path';

export const metadata: Metadata = { title: 'Sign in · Pipeloom' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const next = nextPath((await searchParams).next);
  await requireSignedOut(next);
  return (
    <AuthPage mode="sign-in" title="Sign in" next={next}>
      <p>Sign in to see your workspaces&apos; pipelines, datasets and models.</p>
    </AuthPage>
  );
}
