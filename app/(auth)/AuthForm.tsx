'use client';
import Link from 'next/link';
import { useEffect, useId, useRef, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import { useTRPCClient } from '../trpc';

export type AuthMode = 'setup' | 'sign-in' | 'sign-up';

const ENDPOINT: Record<AuthMode, string> = {
  setup: '/api/auth/sign-up/email',
  'sign-up': '/api/auth/sign-up/email',
  'sign-in': '/api/auth/sign-in/email',
};

/** The way to the other form (none from the first-start page: there is no account to sign in to). */
const OTHER_WAY: Record<AuthMode, { question: string; href: string; link: string } | null> = {
  setup: null,
  'sign-in': { question: 'No account yet?', href: '/sign-up', link: 'Create one' },
  'sign-up': { question: 'Already have an account?', href: '/sign-in', link: 'Sign in' },
};

const SUBMIT: Record<AuthMode, string> = { setup: 'Create the owner account', 'sign-up': 'Create account', 'sign-in': 'Sign in' };

/**
 * The server's own words for a refused sign-in or sign-up: better-auth answers { message }, the
 * edge and the per-account limit { error: { message } }; a rate limit (429) is shown as it comes.
 */
async function refusalMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: unknown; error?: { message?: unknown } };
    const message = body.message ?? body.error?.message;
    if (typeof message === 'string' && message) return message;
  } catch {
    // Not JSON: fall through to the status.
  }
  return `The server refused (${response.status} ${response.statusText}).`;
}

/**
 * One form for the first-start page, sign-in and sign-up: better-auth's email and password endpoints,
 * then `next` (home unless a page sent the user here to come back), or `onSignedIn` where the page
 * that shows the form goes on itself (an invite, accepted at once). `email`: the one address the form
 * is for (an invite's), shown and not editable; `otherWay`: the page's own way to the other form.
 */
export function AuthForm({
  mode,
  minPasswordLength,
  next = '/',
  email,
  onSignedIn,
  otherWay,
}: {
  mode: AuthMode;
  minPasswordLength: number;
  next?: string;
  email?: string;
  onSignedIn?: () => Promise<void>;
  otherWay?: ReactNode;
}) {
  const trpcClient = useTRPCClient();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const errorBox = useRef<HTMLParagraphElement>(null);
  const id = useId();
  const newAccount = mode !== 'sign-in';

  // A refusal takes the focus, so a screen reader says it and the keyboard is where the problem is told.
  useEffect(() => {
    if (error) errorBox.current?.focus();
  }, [error]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '');
    const body = newAccount ? { name: field('name').trim(), email: field('email').trim(), password: field('password') } : { email: field('email').trim(), password: field('password') };
    setPending(true);
    setError(null);
    try {
      const response = await fetch(ENDPOINT[mode], { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) {
        setError(await refusalMessage(response));
        setPending(false);
        return;
      }
      if (onSignedIn) {
        await onSignedIn().catch((failure: Error) => {
          setError(failure.message);
          setPending(false);
        });
        return;
      }
      // Start in the account's first workspace, whatever this browser worked in before (another account's choice).
      await trpcClient.workspaces.switch.mutate({ workspaceId: null }).catch(() => undefined);
      window.location.assign(next);
    } catch {
      setError('Pipeloom could not be reached: check the connection and try again.');
      setPending(false);
    }
  }

  return (
    <form className="mt-6 space-y-4" onSubmit={(e) => void submit(e)} aria-describedby={error ? `${id}-error` : undefined}>
      {error && (
        <p id={`${id}-error`} ref={errorBox} tabIndex={-1} role="alert" className="rounded bg-red-50 p-3 text-sm text-red-800 outline-none" data-testid="auth-error">
          {error}
        </p>
      )}
      {newAccount && <Field id={`${id}-name`} label="Name" name="name" type="text" autoComplete="name" maxLength={100} />}
      <Field
        id={`${id}-email`}
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        maxLength={254}
        {...(email ? { value: email, readOnly: true, hint: 'The invite is for this address.' } : {})}
      />
      <Field
        id={`${id}-password`}
        label="Password"
        name="password"
        type="password"
        autoComplete={newAccount ? 'new-password' : 'current-password'}
        minLength={newAccount ? minPasswordLength : undefined}
        maxLength={200}
        hint={newAccount ? `At least ${minPasswordLength} characters. A long sentence you remember beats a short word with symbols.` : undefined}
      />
      <button type="submit" disabled={pending} className="w-full rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
        {pending ? 'One moment…' : SUBMIT[mode]}
      </button>
      {otherWay ??
        (OTHER_WAY[mode] && (
          <p className="text-sm text-slate-600">
            {OTHER_WAY[mode].question}{' '}
            <Link href={next === '/' ? OTHER_WAY[mode].href : `${OTHER_WAY[mode].href}?next=${encodeURIComponent(next)}`} className="font-medium text-indigo-700 hover:underline">
              {OTHER_WAY[mode].link}
            </Link>
          </p>
        ))}
    </form>
  );
}

/** A labelled, required field, with its hint (if any) read out with it. */
function Field({ id, label, hint, ...input }: { id: string; label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <input id={id} required aria-describedby={hint ? `${id}-hint` : undefined} className="rounded border border-slate-300 px-3 py-2 text-sm" {...input} />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}
