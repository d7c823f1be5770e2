/**
 * A worker process: runs one step at a time, reading inputs from and writing outputs to the
 * artifact store, and reports progress to its parent over IPC. Training never runs in the web server.
 */
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
    const inputs = Object.fromEntries(Object.entries(task.inputs).map(([port, ref]) => [port, store.read(ref.key, ref.port)]));
    const params = kind.params.parse(task.params);
    const ctx: RunContext = {
      runId: task.runId,
      nodeId: task.nodeId,
      signal: controller.signal,
      progress: (fraction, message) => send({ type: 'progress', taskId: task.taskId, fraction, message }),
      log: (message) => send({ type: 'log', taskId: task.taskId, message }),
      epoch: (epoch, values) => send({ type: 'epoch', taskId: task.taskId, epoch, values }),
    };
    const outputs = await kind.run({ inputs, params, ctx });
    store.write(task.outputKey, outputs);
    send({ type: 'done', taskId: task.taskId, summary: kind.summarize?.(outputs, params) ?? null });
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
  info: { pid: process.pid, backend, cores: os.availableParallelism(), memoryMb: Math.round(os.totalmem() / 2 ** 20) },
});
