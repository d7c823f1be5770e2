import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from './pipeloom';

/** Real `pipeloom worker` processes (one step at a time each) for cluster-mode tests; killAll() ends every one still running. */
export class WorkerProcesses {
  readonly byName: Record<string, ChildProcess> = {};

  start(name: string, extraEnv: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'pipeloom.mjs'), 'worker', '--concurrency', '1'], {
      cwd: projectRoot,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', () => undefined);
    this.byName[name] = child;
    return child;
  }

  /** SIGKILL: Redis may be gone by then, so a graceful stop would only wait; their step processes exit with them. */
  killAll(): void {
    for (const child of Object.values(this.byName)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
