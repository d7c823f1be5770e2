import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import './globals.css';
import { AccountBar } from './account/AccountBar';
import { Providers } from './providers';
import { signedInUser } from './session';

export const metadata: Metadata = {
  title: 'Pipeloom',
  description: 'Build, train, evaluate and deploy machine-learning pipelines by drag and drop.',
};

const NAV = [
  ['/', 'Pipelines'],
  ['/datasets', 'Datasets'],
  ['/models', 'Models'],
  ['/deployments', 'Deployments'],
  ['/workers', 'Workers'],
] as const;

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Signed in: the pages and the account bar; otherwise (first start, sign-in, sign-up) the name alone.
  const user = await signedInUser();
  return (
    <html lang="en">
      <body className="flex h-full flex-col">
        <Providers>
          <header className="flex h-12 shrink-0 items-center gap-6 border-b border-slate-200 bg-white px-4">
            <Link href="/" className="text-lg font-semibold tracking-tight text-indigo-700">
              Pipeloom
            </Link>
            {user && (
              <>
                <nav className="flex gap-4 text-sm text-slate-600" aria-label="Pages">
                  {NAV.map(([href, label]) => (
                    <Link key={href} href={href} className="hover:text-slate-900">
                      {label}
                    </Link>
                  ))}
                </nav>
                <AccountBar user={{ name: user.name, email: user.email }} />
              </>
            )}
          </header>
          <main className="min-h-0 flex-1">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
