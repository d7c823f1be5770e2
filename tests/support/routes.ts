import { expect } from 'vitest';
import { sessionCookie, TEST_PASSWORD, type TestAccount } from './accounts';
import type { TrpcAnswer } from './http-server';

/**
 * The HTTP handlers Next serves, called in-process with real Requests (headers, cookies, bodies) as a
 * browser sends them: tRPC's endpoint and better-auth's. For a test file on useTestServer, whose
 * database the test reads and changes beside the calls.
 */

/** A tRPC answer as http-server.ts reads one, with the response's headers (the cookies it sets). */
export interface RouteAnswer extends TrpcAnswer {
  headers: Headers;
}

async function answer(response: Response): Promise<RouteAnswer> {
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('application/json');
  return { status: response.status, body: json ? (JSON.parse(text) as TrpcAnswer['body']) : {}, headers: response.headers, text };
}

/** The Cookie header of an account (none: anonymous), acting in `workspaceId` when one is named (as after workspaces.switch). */
export function cookieOf(account: TestAccount | null, workspaceId?: string): string {
  const parts = [account?.cookie, workspaceId ? `pipeloom-workspace=${workspaceId}` : undefined].filter(Boolean);
  return parts.join('; ');
}

/** tRPC through its route handler (GET for queries, POST for mutations) with this account's cookie. */
export function trpcOverHttp(account: TestAccount | null, workspaceId?: string) {
  const headers = (): Record<string, string> => {
    const cookie = cookieOf(account, workspaceId);
    return cookie ? { cookie } : {};
  };
  const route = () => import('../../app/api/trpc/[trpc]/route');
  return {
    async query(procedure: string, input?: unknown): Promise<RouteAnswer> {
      const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return answer(await (await route()).GET(new Request(`http://localhost/api/trpc/${procedure}${search}`, { headers: headers() })));
    },
    async mutate(procedure: string, input?: unknown): Promise<RouteAnswer> {
      const request = new Request(`http://localhost/api/trpc/${procedure}`, {
        method: 'POST',
        headers: { ...headers(), 'content-type': 'application/json' },
        body: JSON.stringify(input ?? null),
      });
      return answer(await (await route()).POST(request));
    },
  };
}

let addresses = 0;

/**
 * Signs up or in through better-auth's route, as the sign-up and sign-in pages do (each call from its
 * own client address, so the per-address rate limit does not slow the test): the account and its session cookie.
 */
export async function authOverHttp(endpoint: 'sign-up/email' | 'sign-in/email', body: { email: string; name?: string; password?: string }): Promise<TestAccount> {
  const { POST } = await import('../../app/api/auth/[...all]/route');
  addresses++;
  const response = await POST(
    new Request(`http://localhost/api/auth/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost', 'x-forwarded-for': `10.9.${addresses >> 8}.${addresses & 255}` },
      body: JSON.stringify({ password: TEST_PASSWORD, ...body }),
    }),
  );
  expect(response.status, await response.clone().text()).toBe(200);
  const { user } = (await response.json()) as { user: TestAccount['user'] };
  return { user: { id: user.id, name: user.name, email: user.email }, cookie: sessionCookie(response.headers) };
}
