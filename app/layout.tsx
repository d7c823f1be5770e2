import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import './globals.css';
import { Providers } from './providers';

export const metadata: Metadata = {
  title: 'Pipeloom',
  description: 'Build, train, evaluate and deploy machine-learning pipelines by drag and drop.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex h-full flex-col">
        <header className="flex h-12 shrink-0 items-center gap-6 border-b border-slate-200 bg-white px-4">
          <Link href="/" className="text-lg font-semibold tracking-tight text-indigo-700">
            Pipeloom
          </Link>
          <nav className="flex gap-4 text-sm text-slate-600">
            <Link href="/" className="hover:text-slate-900">
              Pipelines
            </Link>
            <Link href="/datasets" className="hover:text-slate-900">
              Datasets
            </Link>
            <Link href="/models" className="hover:text-slate-900">
              Models
            </Link>
            <Link href="/workers" className="hover:text-slate-900">
              Workers
            </Link>
          </nav>
        </header>
        <Providers>
          <main className="min-h-0 flex-1">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
