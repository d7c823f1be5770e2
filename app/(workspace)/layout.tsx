import type { ReactNode } from 'react';
import { requireSignedIn } from '../session';

/** Every page of a workspace needs a session: without one, the first-start page (no account yet) or sign-in. */
export default async function WorkspaceLayout({ children }: { children: ReactNode }) {
  await requireSignedIn();
  return children;
}
