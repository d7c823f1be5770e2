import { TRPCError } from '@trpc/server';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { createCaller } from '../../../../server/api/root';
import { identify } from '../../../../server/auth/request';
import { requireSignedIn } from '../../../session';

/**
 * A pipeline's pages (editor, runs) exist only for the members of its workspace: a pipeline of
 * another workspace is the same not-found page as one that does not exist, before any of it loads.
 */
export default async function GraphLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  // Layouts render side by side with the one above: this one checks the session itself.
  await requireSignedIn();
  const { id } = await params;
  const caller = createCaller({ ...(await identify(await headers())), resHeaders: new Headers() });
  try {
    await caller.graphs.get({ id });
  } catch (error) {
    if (error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST')) notFound();
    // Authorized, but its saved graph no longer reads as one: the editor says why.
    if (!(error instanceof TRPCError && error.code === 'PRECONDITION_FAILED')) throw error;
  }
  return children;
}
