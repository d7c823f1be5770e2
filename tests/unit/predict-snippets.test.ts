import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { predictSnippets } from '../../lib/predict-snippets';

/** A row with everything a snippet must carry through its language's quoting: quotes, a null, a boolean, a number. */
const ROW = { Sex: "O'Brien \"the\" elder", Age: null, Member: true, Fare: 7.25 };
const snippets = predictSnippets('http://localhost:3000', 'passengers', [ROW], 'plk_abc');

describe('predict snippets', () => {
  it('curl: one shell command whose body is the row, with the bearer key', () => {
    // The shell reads it back: print the arguments curl would get.
    const args = execFileSync('bash', ['-c', `curl() { printf '%s\\n' "$@"; }\n${snippets.curl}`], { encoding: 'utf8' }).trim().split('\n');
    expect(args).toEqual(['-X', 'POST', 'http://localhost:3000/api/v1/models/passengers/predict', '-H', 'Authorization: Bearer plk_abc', '-H', 'Content-Type: application/json', '-d', JSON.stringify({ rows: [ROW] })]);
  });

  it('Python: valid code whose payload is the row', () => {
    const payload = snippets.python.split('\n').find((l) => l.startsWith('payload'))!;
    const parsed = execFileSync('python3', ['-c', `import json\n${snippets.python.slice(snippets.python.indexOf('payload'), snippets.python.indexOf('response ='))}\nprint(json.dumps(payload))`], { encoding: 'utf8' });
    expect(JSON.parse(parsed)).toEqual({ rows: [ROW] });
    expect(payload).toContain('json.loads');
    expect(snippets.python).toContain('"Authorization": "Bearer plk_abc"');
    execFileSync('python3', ['-c', `import ast\nast.parse(${JSON.stringify(snippets.python)})`]);
  });

  it('JavaScript: runs, sending the row with the bearer key', async () => {
    const calls: { url: string; init: { headers: Record<string, string>; body: string } }[] = [];
    const fetch = async (url: string, init: { headers: Record<string, string>; body: string }) => {
      calls.push({ url, init });
      return { status: 200, json: async () => ({}) };
    };
    const run = new Function('fetch', 'console', `return (async () => {\n${snippets.javascript}\n})();`) as (f: typeof fetch, c: { log(): void }) => Promise<void>;
    await run(fetch, { log: () => undefined });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('http://localhost:3000/api/v1/models/passengers/predict');
    expect(calls[0].init.headers.Authorization).toBe('Bearer plk_abc');
    expect(JSON.parse(calls[0].init.body)).toEqual({ rows: [ROW] });
  });
});
