import type { RunContext } from '../../nodes/define';

/** A RunContext for calling a node's run() directly; what it logs lands in `logs`. */
export function testContext(logs: string[] = []): RunContext {
  return {
    runId: 'test',
    nodeId: 'node',
    signal: new AbortController().signal,
    progress: () => undefined,
    log: (message) => logs.push(message),
    epoch: () => undefined,
    checkpoint: { load: () => null, save: () => undefined },
  };
}
