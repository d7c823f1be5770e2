'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useRef, useState } from 'react';
import type { GraphFile } from '../../lib/graph';
import { useTRPC } from '../trpc';

const isConflict = (error: unknown) => error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'CONFLICT';

/** Someone else's save the open editor heard of (graphs.changes) while it had nothing unsaved. */
export interface OthersChange {
  by: string;
  summary: string;
}

/**
 * Saves of one pipeline without ever overwriting someone else's: each change of the saved pipeline
 * (an autosave, a restore…) runs after the ones before it, based on the revision the last one left.
 * A change refused because someone saved first (CONFLICT) is kept as `conflict` (the server's words),
 * and the editor stops autosaving until the user reloads or keeps theirs as a new version. Others'
 * saves heard while nothing is unsaved (`isDirty`) become `othersChange`.
 */
export function useGraphSaver(graphId: string, loadedRevision: number, isDirty: () => boolean) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revision = useRef(loadedRevision);
  // The revision the change subscription starts after: the one loaded (own saves are told apart by revision).
  const [subscribedAfter, setSubscribedAfter] = useState(loadedRevision);
  const [conflict, setConflict] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [othersChange, setOthersChange] = useState<OthersChange | null>(null);
  const inFlight = useRef(0);
  const [pending, setPending] = useState(false);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const dirty = useRef(isDirty);
  dirty.current = isDirty;
  const { mutateAsync: save } = useMutation(trpc.graphs.save.mutationOptions());

  /** Runs a change of the saved pipeline after those queued before it; its result, or null when it was refused (then `conflict` or `error` says why). */
  const enqueue = useCallback(
    <T extends { revision: number }>(change: (baseRevision: number) => Promise<T>): Promise<T | null> => {
      inFlight.current++;
      setPending(true);
      const next = queue.current.then(async () => {
        try {
          const result = await change(revision.current);
          revision.current = Math.max(revision.current, result.revision);
          // Landed on top of whatever others saved before: their earlier notice is stale.
          setConflict(null);
          setError(null);
          setOthersChange(null);
          void queryClient.invalidateQueries({ queryKey: trpc.graphs.list.queryKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.versions.pathKey() });
          return result;
        } catch (failure) {
          if (isConflict(failure)) {
            setConflict((failure as Error).message);
            setOthersChange(null);
          }
          else setError(failure instanceof Error ? failure.message : String(failure));
          return null;
        } finally {
          if (--inFlight.current === 0) setPending(false);
        }
      });
      queue.current = next;
      return next;
    },
    [queryClient, trpc],
  );

  /** Saves the graph on the revision last loaded or saved. */
  const persist = useCallback((graph: GraphFile) => enqueue((baseRevision) => save({ id: graphId, graph, baseRevision })), [enqueue, save, graphId]);

  /** The pipeline as saved now: the editor shows it, and saves on its revision from then on. */
  const reload = useCallback(async (): Promise<GraphFile> => {
    const loaded = await queryClient.fetchQuery({ ...trpc.graphs.get.queryOptions({ id: graphId }), staleTime: 0 });
    revision.current = loaded.revision;
    setSubscribedAfter(loaded.revision);
    setConflict(null);
    setOthersChange(null);
    return loaded.graph;
  }, [queryClient, trpc, graphId]);

  /** "Keep mine as a new version": the graph saved over whatever is saved now, as a version of its own (theirs stays in the history). */
  const keepMine = useCallback(
    (graph: GraphFile) =>
      enqueue(async () => {
        const now = await queryClient.fetchQuery({ ...trpc.graphs.get.queryOptions({ id: graphId }), staleTime: 0 });
        return save({ id: graphId, graph, baseRevision: now.revision, fresh: true });
      }),
    [enqueue, queryClient, trpc, save, graphId],
  );

  useSubscription(
    trpc.graphs.changes.subscriptionOptions(
      { id: graphId, afterRevision: subscribedAfter },
      {
        onData: (change) => {
          // This editor's own saves (in flight, or landed), and changes its next save will be refused over, are not news.
          if (inFlight.current > 0 || change.revision <= revision.current || dirty.current()) return;
          setOthersChange({ by: change.by, summary: change.summary });
        },
      },
    ),
  );

  return { enqueue, persist, reload, keepMine, conflict, error, pending, othersChange, dismissOthersChange: () => setOthersChange(null) };
}
