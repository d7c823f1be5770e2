'use client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { useCallback, useState, type ReactNode } from 'react';
import type { AppRouter } from '../server/api/root';
import { TRPCProvider } from './trpc';
import { MAX_TRPC_BATCH } from '../lib/api-limits';
import { isRefusal, RefusalProvider, refusalOf, type RefusalView } from './refusals';

/** workspaces.current's query key (as @trpc/tanstack-react-query makes it), to check membership again. */
const CURRENT_WORKSPACE_KEY = [['workspaces', 'current']];

export function Providers({ children }: { children: ReactNode }) {
  const [view, setView] = useState<RefusalView>({ blocked: null, notice: null });
  const block = useCallback((message: string) => setView((v) => (v.blocked ? v : { ...v, blocked: message })), []);
  const dismiss = useCallback(() => setView((v) => ({ ...v, notice: null })), []);
  const [queryClient] = useState(() => {
    let leaving = false;
    // Every refused call, query or mutation, on any page: the page says why, never fails silently.
    const onError = (error: unknown) => {
      const refusal = refusalOf(error);
      if (!refusal) return;
      if (refusal.kind === 'signed-out') {
        if (!leaving) window.location.assign('/sign-in');
        leaving = true;
      } else if (refusal.kind === 'removed') {
        block(refusal.message);
      } else {
        if (refusal.kind === 'not-allowed') setView((v) => ({ ...v, notice: { message: refusal.message, at: Date.now() } }));
        // The role may have changed (the header shows the new one), or the thing is gone, or its
        // workspace no longer has the user: workspaces.current tells which (its `refused`).
        void client.invalidateQueries({ queryKey: CURRENT_WORKSPACE_KEY });
      }
    };
    const client = new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: false, retry: (failures, error) => failures < 1 && !isRefusal(error) } },
    });
    return client;
  });
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: '/api/trpc' }),
          false: httpBatchLink({ url: '/api/trpc', maxItems: MAX_TRPC_BATCH }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <RefusalProvider view={view} block={block} dismiss={dismiss}>
          {children}
        </RefusalProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
