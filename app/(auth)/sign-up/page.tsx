import type { Metadata } from 'next';
import { requireSignedOut } from '../../session';
import { AuthPage } from '../AuthPage';
import { nextPath } from '../next-path';

export const metadata: Metadata = { title: 'Create an account · Pipeloom' };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const next = nextPath((await searchParams).next);
  await requireSignedOut(next);
  return (
    <AuthPage mode="sign-up" title="Create an account" next={next}>
      <p>Your new account gets a workspace of its own, empty: your pipelines, datasets and models there are yours alone until you add someone.</p>
      <p>To work in someone else&apos;s workspace, ask one of its owners to add you by this email on its Members page.</p>
    </AuthPage>
  );
}
