import type { NodeDefinition, RunContext } from '../../nodes/define';
import type { ArtifactStore } from './artifact-store';
import type { StepTask, WorkerEvent } from './protocol';

/**
 * Runs one step: reads its inputs from the artifact store, runs the node (or one of its parts),
 * writes the outputs, and returns the node's summary. Worker processes call it for every step;
 * the engine calls it itself for light inline steps (deploy), which need no worker.
 */
export async function executeStep(
  kind: NodeDefinition,
  task: StepTask,
  store: ArtifactStore,
  report: (event: WorkerEvent) => void,
  signal: AbortSignal,
): Promise<Record<string, unknown> | null> {
  const inputs: Record<string, unknown> = {};
  const parts: unknown[] = [];
  for (const [port, ref] of Object.entries(task.inputs)) {
    const value = store.read(ref.key, ref.port);
    // Expanded nodes: their parts arrive as inputs "part:0", "part:1", ... in order.
    if (port.startsWith('part:')) parts[Number(port.slice(5))] = value;
    else inputs[port] = value;
  }
  if (parts.length > 0) inputs.parts = parts;
  // Compile already parsed the params (defaults filled in); a part's params are derived from them.
  const parsed = task.mode === 'part' ? { success: true as const, data: task.params } : kind.params.safeParse(task.params);
  if (!parsed.success) {
    throw new Error(`Invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
  }
  const params = parsed.data as Record<string, unknown>;
  const ctx: RunContext = {
    runId: task.runId,
    nodeId: task.nodeId,
    signal,
    progress: (fraction, message) => report({ type: 'progress', taskId: task.taskId, fraction, message }),
    log: (message) => report({ type: 'log', taskId: task.taskId, message }),
    epoch: (epoch, values) => report({ type: 'epoch', taskId: task.taskId, epoch, values }),
    checkpoint: {
      load: () => store.loadCheckpoint(task.outputKey),
      save: (state) => store.saveCheckpoint(task.outputKey, state),
    },
  };
  let outputs: Record<string, unknown>;
  if (task.mode === 'part') {
    if (!kind.runPart) throw new Error(`${kind.label} has no parts to run.`);
    outputs = { part: await kind.runPart({ inputs, params, ctx }) };
  } else {
    outputs = await kind.run({ inputs, params, ctx });
  }
  store.write(task.outputKey, outputs);
  store.clearCheckpoint(task.outputKey);
  return task.mode === 'node' ? (kind.summarize?.(outputs, params) ?? null) : null;
}
