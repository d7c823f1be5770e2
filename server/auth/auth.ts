import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { betterAuth } from 'better-auth';
import { APIError } from 'better-auth/api';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { account, session, user, verification } from '../../drizzle/schema';
import { dataDir } from '../../runtime/paths';
import { getDb } from '../db';
import { allowedOrigins, isCrossSite } from '../http/guard';
import type { SignedInUser } from './roles';

export type { SignedInUser };
import { settleNewAccount } from './workspaces';

/** Passwords shorter than this are refused (NIST SP 800-63B's minimum for a chosen password). */
export const MIN_PASSWORD_LENGTH = 8;
const MAX_NAME_LENGTH = 100;

/** A person's name as shown to their team: control characters dropped, 1 to 100 characters. */
function checkedName(name: unknown): string {
  const cleaned = String(name ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim();
  if (!cleaned) throw new APIError('BAD_REQUEST', { message: 'Name: enter your name.' });
  if (cleaned.length > MAX_NAME_LENGTH) throw new APIError('BAD_REQUEST', { message: `Name: at most ${MAX_NAME_LENGTH} characters.` });
  return cleaned;
}

/**
 * The key sessions are signed with: BETTER_AUTH_SECRET, or one made on first start and kept in the
 * data folder (readable by the server's user only), so that a fresh machine needs no setting and a
 * restart keeps everyone signed in.
 */
function authSecret(): string {
  if (process.env.BETTER_AUTH_SECRET) return process.env.BETTER_AUTH_SECRET;
  const file = path.join(dataDir(), 'auth-secret');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
      chmodSync(file, 0o600);
    } catch (error) {
      // Another process of this server made it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

function createAuth() {
  return betterAuth({
    appName: 'Pipeloom',
    secret: authSecret(),
    basePath: '/api/auth',
    database: drizzleAdapter(getDb(), { provider: 'sqlite', schema: { user, session, account, verification } }),
    emailAndPassword: { enabled: true, minPasswordLength: MIN_PASSWORD_LENGTH, maxPasswordLength: 200, autoSignIn: true },
    // No cookie cache: every request reads the session from the database, so a signed-out or removed user loses access at once.
    session: { cookieCache: { enabled: false } },
    // On in every mode (better-auth turns it on only in production): sign-in and sign-up at most 3 per 10 s per
    // client address, as X-Forwarded-For names it (a client may make one up: server/auth/auth-limits.ts adds limits it cannot dodge).
    rateLimit: { enabled: true, storage: 'memory', window: 60, max: 200 },
    // The edge (server/http/guard.ts) has refused unknown host names and other sites before better-auth sees a request,
    // so an Origin that reached it is this server as the browser addressed it (its IP, its name, a proxy's address).
    trustedOrigins: (request) => {
      const origin = request?.headers.get('origin');
      return [...allowedOrigins(), ...(request && origin && !isCrossSite(request) ? [origin] : [])];
    },
    // Secure cookies only where the server is reached over https (BETTER_AUTH_URL): browsers drop them on a plain-http address such as a LAN IP.
    advanced: { cookiePrefix: 'pipeloom', useSecureCookies: process.env.BETTER_AUTH_URL?.startsWith('https://') ?? false },
    telemetry: { enabled: false },
    databaseHooks: {
      user: {
        create: {
          before: async (created) => ({ data: { ...created, name: checkedName(created.name) } }),
          after: async (created) => settleNewAccount(created),
        },
        update: { before: async (change) => ({ data: 'name' in change ? { ...change, name: checkedName(change.name) } : change }) },
      },
    },
  });
}

type Auth = ReturnType<typeof createAuth>;
const globalForAuth = globalThis as unknown as { pipeloomAuth?: Auth };

/** The process's better-auth instance (kept on globalThis so hot reload reuses it). */
export function getAuth(): Auth {
  globalForAuth.pipeloomAuth ??= createAuth();
  return globalForAuth.pipeloomAuth;
}

/**
 * The signed-in user a request's session cookie names, or null (no cookie, expired, signed out,
 * deleted). A session in use is extended once a day: the renewed cookie goes on `resHeaders` when
 * the caller can send it back.
 */
export async function sessionUser(headers: Headers, resHeaders?: Headers): Promise<SignedInUser | null> {
  // Without a way to send the renewed cookie, renewing would extend the session in the database only.
  const { headers: answer, response: found } = await getAuth().api.getSession({ headers, returnHeaders: true, query: { disableRefresh: !resHeaders } });
  if (resHeaders) for (const cookie of answer.getSetCookie()) resHeaders.append('Set-Cookie', cookie);
  return found ? { id: found.user.id, name: found.user.name, email: found.user.email } : null;
}
