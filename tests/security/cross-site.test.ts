import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyGraph } from '../../lib/graph';
import { attachment, isCrossSite } from '../../server/http/guard';
import { expectPlain, useHttpServer } from '../support/http-server';
import { procedures, routes } from './surface';

/**
 * A page on another site makes the browser send changes to Pipeloom: refused, and nothing changes.
 * The requests carry the signed-in owner's session (as a browser would send its cookie), so each
 * refusal is the edge's, not a missing sign-in's.
 */
const server = useHttpServer('security-cross-site');
const EVIL = 'http://evil.example';

async function graphCount(): Promise<number> {
  return ((await server.query('graphs.list')).body.result!.data as unknown[]).length;
}

async function datasetCount(): Promise<number> {
  return ((await server.query('datasets.list')).body.result!.data as { datasets: unknown[] }).datasets.length;
}

describe('cross-site requests that would change something', () => {
  it('a multipart form posted from another origin to graphs.create: 403, no graph created', async () => {
    const before = await graphCount();
    const form = new FormData();
    form.set('name', 'from evil');
    const response = await server.fetch('/api/trpc/graphs.create', { method: 'POST', body: form, headers: { origin: EVIL } });
    expect(response.status).toBe(403);
    expectPlain(await response.text(), 'multipart');
    expect(await graphCount()).toBe(before);
  });

  it('a text/plain upload from another origin: 403, no dataset stored', async () => {
    const before = await datasetCount();
    const response = await server.fetch('/api/v1/datasets?filename=x.csv', {
      method: 'POST',
      body: 'a,b\n1,2\n',
      headers: { origin: EVIL, 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/another site/);
    expect(await datasetCount()).toBe(before);
  });

  it('every mutation and every route that takes a body: refused from another origin, or when the browser says cross-site', async () => {
    const before = await graphCount();
    const mutations = procedures().filter((p) => p.type === 'mutation');
    expect(mutations.length).toBeGreaterThan(5);
    for (const procedure of mutations) {
      for (const headers of [{ origin: EVIL }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }] as Record<string, string>[]) {
        const answer = await server.mutate(procedure.path, { name: 'x', graph: emptyGraph('x'), id: '0'.repeat(32) }, headers);
        expect(answer.status, `${procedure.path} ${JSON.stringify(headers)}`).toBe(403);
      }
    }
    for (const route of routes()) {
      for (const method of route.methods.filter((m) => m !== 'GET')) {
        const url = route.pattern.replace('[trpc]', 'graphs.create').replace('[...all]', 'sign-up/email').replace(/\[(\w+)\]/g, 'sample');
        const response = await server.fetch(url, { method, headers: { origin: EVIL, 'content-type': 'application/json' }, body: '{}' });
        expect(response.status, `${method} ${route.pattern}`).toBe(403);
      }
    }
    expect(await graphCount()).toBe(before);
  });

  it("the server's own pages (same Origin) and scripts without an Origin (curl) still work", async () => {
    const before = await graphCount();
    const own = await server.mutate('graphs.create', { name: 'own page' }, { origin: server.url, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(200);
    const script = await server.mutate('graphs.create', { name: 'a script' });
    expect(script.status).toBe(200);
    expect(await graphCount()).toBe(before + 2);
    // Reading is never refused: another site cannot read the answer anyway (no CORS headers).
    expect((await server.fetch('/api/v1/datasets', { headers: { origin: EVIL } })).status).toBe(200);
  });

  it('a sign-up or sign-in posted from another site: 403, no account made, no session cookie', async () => {
    const accounts = () => {
      const db = new Database(path.join(server.dataDir, 'pipeloom.db'), { readonly: true });
      try {
        return (db.prepare('select count(*) as n from user').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const before = accounts();
    for (const [endpoint, body] of [
      ['sign-up/email', { name: 'Evil', email: 'evil@example.com', password: 'correct horse battery staple' }],
      ['sign-in/email', { email: server.owner.user.email, password: 'correct horse battery staple' }],
    ] as const) {
      const response = await server.anonymous.fetch(`/api/auth/${endpoint}`, { method: 'POST', headers: { origin: EVIL, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status, endpoint).toBe(403);
      expect(response.headers.getSetCookie(), endpoint).toEqual([]);
    }
    expect(accounts()).toBe(before);
  });
});

describe('DNS rebinding: a page whose own name resolves to this server', () => {
  it('a request naming the server by a host name it does not know is refused, reads and changes alike, and nothing changes', async () => {
    const before = await graphCount();
    const rebound = { host: 'rebind.attacker.example:3411', origin: 'http://rebind.attacker.example:3411' };
    const { request } = await import('node:http');
    // fetch() will not send a Host header of our choosing: node:http does.
    const send = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const url = new URL(server.url);
        const headers = { ...rebound, 'content-type': 'application/json', cookie: server.owner.cookie };
        const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const created = await send('POST', '/api/trpc/graphs.create', JSON.stringify({ name: 'rebound' }));
    expect(created.status).toBe(403);
    expect(JSON.parse(created.text).error.message).toMatch(/not known by the name/);
    expect((await send('GET', '/api/trpc/graphs.list')).status).toBe(403);
    expect((await send('GET', '/api/v1/datasets')).status).toBe(403);
    expect(await graphCount()).toBe(before);
  });
});

describe('isCrossSite behind a reverse proxy (PIPELOOM_ALLOWED_ORIGINS)', () => {
  afterEach(() => {
    delete process.env.PIPELOOM_ALLOWED_ORIGINS;
  });
  const post = (headers: Record<string, string>) => new Request('http://127.0.0.1:3000/api/trpc/graphs.create', { method: 'POST', headers });

  it('the public origin is refused until it is allowed; X-Forwarded-Host counts as our own host', () => {
    const viaProxy = { host: '127.0.0.1:3000', origin: 'https://ml.example.com' };
    expect(isCrossSite(post(viaProxy))).toBe(true);
    process.env.PIPELOOM_ALLOWED_ORIGINS = 'HTTPS://ML.example.com/, https://other.example.com';
    expect(isCrossSite(post(viaProxy))).toBe(false);
    expect(isCrossSite(post({ ...viaProxy, origin: 'https://evil.example.com' }))).toBe(true);
    delete process.env.PIPELOOM_ALLOWED_ORIGINS;
    expect(isCrossSite(post({ ...viaProxy, 'x-forwarded-host': 'ml.example.com' }))).toBe(false);
    expect(isCrossSite(new Request('http://127.0.0.1:3000/x', { headers: { origin: EVIL } }))).toBe(false); // a GET
  });
});

describe('download names in Content-Disposition (RFC 6266)', () => {
  it('any name gives a valid header: ASCII fallback plus the exact UTF-8 name; CR, LF and NUL dropped', () => {
    for (const name of ['Übersicht — 数据.csv', 'a\r\nSet-Cookie: x=1.csv', 'nul\u0000byte.csv', 'quote"back\\slash.csv', '', '😀.csv']) {
      const value = attachment(name);
      expect(() => new Headers({ 'content-disposition': value }), name).not.toThrow();
      expect(value).not.toMatch(/[\r\n\0]/);
      const encoded = value.match(/filename\*=UTF-8''(.+)$/)![1];
      expect(decodeURIComponent(encoded)).toBe(name.replace(/\p{Cc}/gu, '').trim() || 'download');
    }
  });
});

describe('the same site by another name', () => {
  it('a browser that opens the server as localhost (it listens on 127.0.0.1) signs up, keeps its plain-http cookie, works and signs out', async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const origin = new URL(url).origin;
    const signUp = await fetch(`${url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ name: 'Local Host', email: 'localhost-user@example.com', password: 'correct horse battery staple' }),
    });
    expect(signUp.status, await signUp.clone().text()).toBe(200);
    const session = signUp.headers.getSetCookie().find((c) => /session_token=[^;]/.test(c))!;
    // Not Secure (nor __Secure-): a browser drops such a cookie on a plain-http address other than localhost.
    expect(session).toMatch(/^pipeloom\.session_token=/);
    expect(session).not.toMatch(/;\s*Secure/i);
    const cookie = session.split(';')[0];
    const list = await fetch(`${url}/api/trpc/graphs.list`, { headers: { cookie } });
    expect(list.status).toBe(200);
    const signOut = await fetch(`${url}/api/auth/sign-out`, { method: 'POST', headers: { 'content-type': 'application/json', origin, cookie }, body: '{}' });
    expect(signOut.status, await signOut.clone().text()).toBe(200);
    expect((await fetch(`${url}/api/trpc/graphs.list`, { headers: { cookie } })).status).toBe(401);
  });
});
