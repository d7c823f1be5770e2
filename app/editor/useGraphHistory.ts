'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { GraphFile } from '../../lib/graph';
import { commandBetween, describeCommand, EMPTY_HISTORY, record, redo, undo, type History } from '../../lib/graph-commands';

/**
 * Undo and redo over the editor's graph. Every settled change of the graph on screen (a drag when it
 * ends, a delete, a connection, a param typed, a paste, a restored version) becomes a command made
 * by comparing it with the graph before (lib/graph-commands); `show` puts an undone or redone graph on
 * the canvas, and autosave then saves it like any edit. `reset` drops every step (someone else saved),
 * taking `next` (the graph the editor is about to show, as JSON) as the new start without a step;
 * `nextIsOwnStep` keeps the next change from joining the step before (a restored version).
 */
export function useGraphHistory({ graph, settling, enabled, show }: { graph: GraphFile; settling: boolean; enabled: boolean; show(graph: GraphFile): void }) {
  const json = JSON.stringify(graph);
  const [history, setHistory] = useState<History>(EMPTY_HISTORY);
  const base = useRef(graph);
  const baseJson = useRef(json);
  // A graph the editor put on screen itself (an undo, a redo, a reload): taken as the base, not recorded.
  const expected = useRef<string | null>(null);
  // The next change is a step of its own, never grouped with the edit before (a restored version).
  const ownStep = useRef(false);

  useEffect(() => {
    if (settling || json === baseJson.current) return;
    const before = base.current;
    base.current = graph;
    baseJson.current = json;
    if (expected.current === json || !enabled) {
      expected.current = null;
      return;
    }
    const command = commandBetween(before, graph);
    const alone = ownStep.current;
    ownStep.current = false;
    if (command) setHistory((h) => record(h, before, command, Date.now(), alone));
    // graph is derived from json: json alone says when it changed.
  }, [json, settling, enabled]);

  const step = useCallback(
    (move: typeof undo) => {
      if (!enabled || settling) return;
      const result = move(history, base.current);
      if (!result) return;
      expected.current = JSON.stringify(result.graph);
      setHistory(result.history);
      show(result.graph);
    },
    [enabled, settling, history, show],
  );

  const reset = useCallback((next?: string) => {
    expected.current = next === undefined || next === baseJson.current ? null : next;
    setHistory(EMPTY_HISTORY);
  }, []);

  const nextIsOwnStep = useCallback(() => {
    ownStep.current = true;
  }, []);

  const last = history.past.at(-1);
  const next = history.future.at(-1);
  return {
    undo: useCallback(() => step(undo), [step]),
    redo: useCallback(() => step(redo), [step]),
    reset,
    nextIsOwnStep,
    undoLabel: last ? `Undo ${describeCommand(last.command)}` : null,
    redoLabel: next ? `Redo ${describeCommand(next.command)}` : null,
  };
}
