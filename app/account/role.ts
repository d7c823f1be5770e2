'use client';
import { useQuery } from '@tanstack/react-query';
import { mayDo, type Action, type Role } from '../../server/auth/roles';
import { useTRPC } from '../trpc';

/**
 * Whether to offer an action to a role (the server decides; this only hides what it would refuse).
 * Unknown (loading): nothing beyond looking is offered yet.
 */
export function mayOffer(role: Role | undefined, action: Action): boolean {
  return role ? mayDo(role, action) : action === 'view';
}

/** The user's role in the workspace the pages work in (undefined while it loads, or when refused). */
export function useWorkspaceRole(): Role | undefined {
  const trpc = useTRPC();
  return useQuery(trpc.workspaces.current.queryOptions()).data?.active?.role ?? undefined;
}

export const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };
