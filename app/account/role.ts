'use client';
import { useQuery } from '@tanstack/react-query';
import type { Action, Role } from '../../server/auth/access';
import { useTRPC } from '../trpc';

/**
 * Whether to offer an action to a role (server/auth/access.ts decides; this only hides what it
 * would refuse): owners do everything, editors all but deleting shared data and managing members,
 * viewers only look. Unknown (loading): nothing beyond looking is offered yet.
 */
export function mayOffer(role: Role | undefined, action: Action): boolean {
  if (action === 'view') return true;
  if (role === 'owner') return true;
  return role === 'editor' && (action === 'edit' || action === 'download');
}

/** The user's role in the workspace the pages work in (undefined while it loads, or when refused). */
export function useWorkspaceRole(): Role | undefined {
  const trpc = useTRPC();
  return useQuery(trpc.workspaces.current.queryOptions()).data?.active?.role ?? undefined;
}

export const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };
