/**
 * A worker process: runs one step at a time, reading inputs from and writing outputs to the
 * artifact store, and reports progress to its parent over IPC. Training never runs in the web server.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { runnableKinds } from '../../nodes';
import { ArtifactStore } from '../engine/artifact-store';
import { executeStep } from '../engine/execute-step';
import { publicErrorMessage } from '../errors';
import type { EngineMessage, StepTask, WorkerMessage } from '../engine/protocol';
import { initTf } from '../../runtime/tf/backend';
import { loadNativeBackend } from '../../runtime/tf/native-backends';

const send = (message: WorkerMessage) => process.send?.(message);
const store = new ArtifactStore(process.env.PIPELOOM_ARTIFACTS ?? 'data/artifacts');
const running = new Map<string, AbortController>();

async function runTask(task: StepTask): Promise<void> {
  const controller = new AbortController();
  running.set(task.taskId, controller);
  try {
    const kind = runnableKinds.get(task.type);
    if (!kind) throw new Error(`This worker does not know the node type "${task.type}".`);
    const summary = await executeStep(kind, task, store, send, controller.signal);
    send({ type: 'done', taskId: task.taskId, summary });
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    send({ type: 'failed', taskId: task.taskId, message: publicErrorMessage(err), details: err.stack ?? err.message });
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
