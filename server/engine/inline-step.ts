import os from 'node:os';
import type { NodeDefinition } from '../../nodes/define';
import { publicErrorMessage } from '../errors';
import type { ArtifactStore } from './artifact-store';
import { executeStep } from './execute-step';
import { TaskFailed, type StepTask, type TaskHandlers, type TaskResult, type WorkerInfo } from './protocol';

/** How inline steps appear in the run log. */
export const ENGINE_AS_WORKER: WorkerInfo = {
  id: 'engine',
  host: os.hostname(),
  pid: process.pid,
  backend: 'none (runs in the engine)',
  cores: 1,
  memoryMb: 0,
  gpu: null,
  tags: ['inline'],
};

/** Light steps (deploy) run here, in the engine's process: no worker to wait for. */
export async function runInline(kind: NodeDefinition, task: StepTask, store: ArtifactStore, handlers: TaskHandlers): Promise<TaskResult> {
  handlers.onStart(ENGINE_AS_WORKER);
  try {
    return { summary: await executeStep(kind, task, store, handlers.onEvent, new AbortController().signal) };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    throw new TaskFailed(publicErrorMessage(err), err.stack ?? err.message);
  }
}
