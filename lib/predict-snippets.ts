/**
 * How to call a deployment from a program: curl, Python and JavaScript, each sending `rows` to its
 * predict route with an API key as `Authorization: Bearer <key>` (the Deployments page's try-it form
 * fills them with the row it shows). Pure: the page and its tests share it.
 */

export interface PredictSnippets {
  curl: string;
  python: string;
  javascript: string;
}

/** Quoted for a POSIX shell: single quotes, each inner one closed, escaped and reopened. */
const shellQuoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function predictSnippets(origin: string, name: string, rows: readonly Record<string, unknown>[], key: string): PredictSnippets {
  const url = `${origin}/api/v1/models/${name}/predict`;
  const body = JSON.stringify({ rows });
  const pretty = JSON.stringify({ rows }, null, 2);
  return {
    curl: [`curl -X POST ${shellQuoted(url)} \\`, `  -H ${shellQuoted(`Authorization: Bearer ${key}`)} \\`, `  -H 'Content-Type: application/json' \\`, `  -d ${shellQuoted(body)}`].join('\n'),
    python: [
      'import json',
      'import requests',
      '',
      `payload = json.loads(r"""${pretty}""")`,
      `response = requests.post(${JSON.stringify(url)}, headers={"Authorization": ${JSON.stringify(`Bearer ${key}`)}}, json=payload)`,
      'print(response.status_code, response.json())',
    ].join('\n'),
    javascript: [
      `const response = await fetch(${JSON.stringify(url)}, {`,
      `  method: 'POST',`,
      `  headers: { Authorization: ${JSON.stringify(`Bearer ${key}`)}, 'Content-Type': 'application/json' },`,
      `  body: JSON.stringify(${pretty.replace(/\n/g, '\n  ')}),`,
      '});',
      'console.log(response.status, await response.json());',
    ].join('\n'),
  };
}
