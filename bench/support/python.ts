/**
 * Python reference implementations for the model benchmarks: Debian's python3 packages (installed
 * with apt-get when missing) and a Python process kept alive for a whole run, answering one timed
 * request per line, so that its runs can be interleaved with ours.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { log } from './result';

/** Debian's interpreter, where apt-get installs python3-* packages (not a pyenv or venv python3 on the PATH). */
export const PYTHON = '/usr/bin/python3';

export function pythonModuleVersion(module: string): string | null {
  const r = spawnSync(PYTHON, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * The module's version, installing the Debian package first when the import fails (as root, or
 * with sudo without a password). `note` says what was done, or why it could not be installed.
 */
export function ensurePythonModule(module: string, debianPackage: string, timeoutMs = 900_000): { version: string | null; note: string } {
  const found = pythonModuleVersion(module);
  if (found) return { version: found, note: '' };
  log(`${module} missing: installing ${debianPackage} with apt-get`);
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) =>
    spawnSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : ['-n', ...args], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: timeoutMs });
  let r = run(['apt-get', 'install', '-y', debianPackage]);
  if (r.status !== 0) {
    run(['apt-get', 'update']);
    r = run(['apt-get', 'install', '-y', debianPackage]);
  }
  const version = pythonModuleVersion(module);
  return { version, note: version ? `installed ${debianPackage} with apt-get for this run` : `${debianPackage} could not be installed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
}

export interface PythonWorker {
  /** Sends one line, resolves with the JSON line it answers. */
  request<T>(line: string): Promise<T>;
  close(): void;
}

/**
 * Runs `script` (python3 -c) with `args`, waits for its first line (it prints one when ready), then
 * sends requests one line at a time. OMP_WAIT_POLICY=passive keeps idle OpenMP threads from spinning
 * between requests.
 */
export async function startPythonWorker(script: string, args: string[], env: Record<string, string> = {}): Promise<PythonWorker> {
  const child = spawn(PYTHON, ['-c', script, ...args], { env: { ...process.env, OMP_WAIT_POLICY: 'passive', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  const failed = (why: string) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`the Python process ${why}: ${stderr.trim().split('\n').pop() ?? ''}`));
  };
  child.on('exit', (code) => failed(`exited (${code})`));
  child.on('error', (error) => failed(`could not start (${error.message})`));
  const next = () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  await next();
  return {
    request<T>(line: string) {
      const reply = next();
      child.stdin.write(`${line}\n`);
      return reply.then((text) => JSON.parse(text) as T);
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}
