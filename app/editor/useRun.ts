'use client';
import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../trpc';
import { applyRunEvent, FINAL_RUN_STATUSES, runViewFromSnapshot, type RunEvent, type RunView } from './run-state';

/**
 * A run as it happens: the stored snapshot (so a reload mid-run shows where it is), then live events
 * from the subscription, which resumes after the last event id it saw.
 */
export function useRun(runId: string | null): RunView | null {
  const trpc = useTRPC();
  const snapshot = useQuery({ ...trpc.runs.get.queryOptions({ runId: runId ?? '' }), enabled: Boolean(runId), staleTime: Infinity });
  const [view, setView] = useState<RunView | null>(null);

  useEffect(() => {
    if (!runId || !snapshot.data || snapshot.data.run.id !== runId) {
      setView(null);
      return;
    }
    setView(runViewFromSnapshot(snapshot.data));
  }, [runId, snapshot.data]);

  const { refetch } = snapshot;
  const live = Boolean(runId && snapshot.data && !FINAL_RUN_STATUSES.has(snapshot.data.run.status));
  useSubscription(
    trpc.runs.events.subscriptionOptions(
      { runId: runId ?? '', lastEventId: String(snapshot.data?.lastEventId ?? 0) },
      {
        enabled: live,
        onData: (tracked) => {
          const event = tracked.data as RunEvent;
          setView((v) => (v ? applyRunEvent(v, event) : v));
          // Step events leave out a failure's technical details: read them with a fresh snapshot
          // (it holds every event so far; the subscription then resumes after its last one).
          if (event.kind === 'step' && event.payload.status === 'failed') void refetch();
        },
      },
    ),
  );
  return view;
}
