/** Messages between the engine, its queue, and worker processes (IPC locally, BullMQ in a cluster). */
export interface StepTask {
  taskId: string;
  runId: string;
  nodeId: string;
  type: string;
  params: Record<string, unknown>;
  /** Input port → where the upstream output lies in the artifact store. */
  inputs: Record<string, { key: string; port: string }>;
  /** Folder in the artifact store for this step's outputs (and its checkpoint). */
  outputKey: string;
  /** 'part': one parallel part of an expanded node (its runPart); 'node': the node's run. */
  mode: 'node' | 'part';
  /** What the step would like from its worker: deep-model training prefers a GPU. */
  wants: { gpu: boolean };
  /** The step is stopped (not retried) after this long. */
  timeoutMs: number;
  /** Runs of the step when its worker dies (killed, out of memory), counting the first. */
  maxAttempts: number;
}

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  backend: string;
  cores: number;
  memoryMb: number;
  /** The GPU a native GPU backend loaded, or null. */
  gpu: string | null;
  /** Capabilities declared by whoever started the worker (PIPELOOM_WORKER_TAGS), e.g. "gpu". */
  tags: string[];
}

export function servesGpu(worker: WorkerInfo): boolean {
  return worker.gpu !== null || worker.tags.includes('gpu');
}

export type WorkerEvent =
  | { type: 'progress'; taskId: string; fraction: number; message?: string }
  | { type: 'log'; taskId: string; message: string }
  | { type: 'epoch'; taskId: string; epoch: number; values: Record<string, number> };

export type WorkerMessage =
  | { type: 'ready'; info: WorkerInfo }
  | WorkerEvent
  | { type: 'done'; taskId: string; summary: Record<string, unknown> | null }
  | { type: 'failed'; taskId: string; message: string; details: string };

export type EngineMessage = { type: 'run'; task: StepTask } | { type: 'cancel'; taskId: string };

export interface TaskHandlers {
  /** The task was handed to a worker (again, on a retry). */
  onStart(worker: WorkerInfo): void;
  onEvent(event: WorkerEvent): void;
}

export interface TaskResult {
  summary: Record<string, unknown> | null;
}

/** A step that failed for good: `message` in plain words for the canvas, `details` behind a click. */
export class TaskFailed extends Error {
  constructor(
    message: string,
    readonly details: string,
    /** The worker died (rather than the step failing): running the step again elsewhere may succeed. */
    readonly workerLost = false,
  ) {
    super(message);
  }
}

export interface WorkerStatus {
  info: WorkerInfo | null;
  busyWith: { runId: string; nodeId: string }[];
  startedAt: number;
  heartbeatAt: number;
}

/** Where the engine sends steps: the embedded local pool, or BullMQ on Redis. */
export interface StepQueue {
  readonly mode: 'embedded' | 'cluster';
  run(task: StepTask, handlers: TaskHandlers): Promise<TaskResult>;
  cancel(taskId: string): void;
  workers(): Promise<WorkerStatus[]>;
  close(): Promise<void>;
}
