/** Messages between the engine and worker processes (IPC in embedded mode). */
export interface StepTask {
  taskId: string;
  runId: string;
  nodeId: string;
  type: string;
  params: Record<string, unknown>;
  /** Input port → where the upstream output lies in the artifact store. */
  inputs: Record<string, { key: string; port: string }>;
  /** Folder in the artifact store for this step's outputs. */
  outputKey: string;
}

export interface WorkerInfo {
  pid: number;
  backend: string;
  cores: number;
  memoryMb: number;
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
