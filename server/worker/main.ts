/**
 * A worker process: runs one step at a time, reading inputs from and writing outputs to the
 * artifact store, and reports progress to its parent over IPC. Training never runs in the web server.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { nodeKinds } from '../../nodes';
import type { RunContext } from '../../nodes/define';
import { ArtifactStore } from '../engine/artifact-store';
import type { EngineMessage, StepTask, WorkerMessage } from '../engine/protocol';
import { initTf } from '../tf/backend';
import { loadNativeBackend } from './native-backends';

const send = (message: WorkerMessage) => process.send?.(message);
const store = new ArtifactStore(process.env.PIPELOOM_ARTIFACTS ?? 'data/artifacts');
const running = new Map<string, AbortController>();

async function runTask(task: StepTask): Promise<void> {
  const controller = new AbortController();
  running.set(task.taskId, controller);
  try {
    const kind = nodeKinds.get(task.type);
    if (!kind) throw new Error(`This worker does not know the node type "${task.type}".`);
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
      signal: controller.signal,
      progress: (fraction, message) => send({ type: 'progress', taskId: task.taskId, fraction, message }),
      log: (message) => send({ type: 'log', taskId: task.taskId, message }),
      epoch: (epoch, values) => send({ type: 'epoch', taskId: task.taskId, epoch, values }),
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
    send({ type: 'done', taskId: task.taskId, summary: task.mode === 'node' ? (kind.summarize?.(outputs, params) ?? null) : null });
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    send({ type: 'failed', taskId: task.taskId, message: err.message, details: err.stack ?? err.message });
  } finally {
    running.delete(task.taskId);
  }
}

process.on('message', (message: EngineMessage) => {
  if (message.type === 'run') void runTask(message.task);
  else if (message.type === 'cancel') running.get(message.taskId)?.abort();
});
process.on('disconnect', () => process.exit(0));

const backend = await initTf(loadNativeBackend);
send({
  type: 'ready',
  info: {
    id: `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 4)}`,
    host: os.hostname(),
    pid: process.pid,
    backend,
    cores: os.availableParallelism(),
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    gpu: backend.includes('tfjs-node-gpu') ? 'CUDA GPU (tfjs-node-gpu)' : null,
    tags: (process.env.PIPELOOM_WORKER_TAGS ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  },
});
