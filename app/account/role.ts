'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
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

/**
 * Makes `workspaceId` the workspace the pages work in, when it is another of the user's (a pipeline
 * opened from a link): its pickers then list that workspace's datasets and models, as its runs will
 * read them. True once it is the active one.
 */
export function useWorkIn(workspaceId: string | undefined): boolean {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.workspaces.current.queryOptions());
  const switchTo = useMutation(trpc.workspaces.switch.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }));
  const asked = useRef<string | null>(null);
  const active = current.data?.active?.workspaceId;
  const differs = Boolean(workspaceId && current.data && active !== workspaceId);
  useEffect(() => {
    // Once per workspace: a switch the server refuses is told by the refusal handler, not retried.
    if (!differs || asked.current === workspaceId) return;
    asked.current = workspaceId!;
    switchTo.mutate({ workspaceId: workspaceId! });
  }, [differs, workspaceId, switchTo]);
  return Boolean(workspaceId) && active === workspaceId;
}

export const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };
