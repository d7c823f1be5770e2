import type { ReactNode } from 'react';
import { MIN_PASSWORD_LENGTH } from '../../server/auth/auth';
import { AuthForm, type AuthMode } from './AuthForm';

/** The frame of the sign-in pages: a heading, what the page is for, and the form (which goes on to `next`, home by default). */
export function AuthPage({ mode, title, next, children }: { mode: AuthMode; title: string; next?: string; children: ReactNode }) {
  return (
    <div className="mx-auto max-w-md p-8">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <div className="mt-2 space-y-2 text-sm text-slate-600">{children}</div>
      <AuthForm mode={mode} minPasswordLength={MIN_PASSWORD_LENGTH} next={next} />
    </div>
  );
}
