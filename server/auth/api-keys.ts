import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { apiKeys, publicDeployments } from '../../drizzle/schema';
import { getDb } from '../db';
import { AccessDenied, authorize, type Access } from './access';
import { sessionUser } from './auth';
import { newSecret, secretHash } from './secrets';

/**
 * API keys: how programs call a workspace's deployments without a session (`Authorization: Bearer
 * <key>`), and public deployments, which answer anyone. A key is 32 random bytes (base64url) after
 * `plk_`; only its SHA-256 is stored (a high-entropy key needs no slow hash), beside a short prefix
 * for the list. A key may call every deployment of its workspace, or only the names it was made for.
 */

const KEY_PREFIX = 'plk_';
/** How much of a key the list shows: `plk_` and 8 characters of its 43 (48 bits of 256: not enough to use it). */
const SHOWN = KEY_PREFIX.length + 8;

/** Where keys are made, as every refusal says. */
export const WHERE_KEYS_ARE_MADE = 'an editor or owner of its workspace creates one on the Models page, under "API keys"';

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  /** The deployment names it may call, or null: every deployment of the workspace. */
  deployments: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
}

/** Makes a key for a workspace: its row, and the key itself (the only time it exists in clear). */
export function createApiKey(workspaceId: string, name: string, deployments: string[] | null, createdBy: string | null): { key: string; info: ApiKeyInfo } {
  const key = newSecret(KEY_PREFIX, 32);
  const row = getDb()
    .insert(apiKeys)
    .values({
      id: randomUUID(),
      workspaceId,
      name,
      prefix: key.slice(0, SHOWN),
      hash: secretHash(key),
      deployments: deployments ? JSON.stringify([...new Set(deployments)].sort()) : null,
      createdBy,
    })
    .returning()
    .get();
  return { key, info: infoOf(row) };
}

function infoOf(row: typeof apiKeys.$inferSelect): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    deployments: row.deployments ? (JSON.parse(row.deployments) as string[]) : null,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** The workspace's keys that still work, newest first. */
export function apiKeysOf(workspaceId: string): ApiKeyInfo[] {
  return getDb()
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt))
    .all()
    .map(infoOf);
}

/** Revokes a key of the workspace at once (its next call is refused): its name and prefix, or null when it has no such key that still works. */
export function revokeApiKey(workspaceId: string, id: string): { name: string; prefix: string } | null {
  const revoked = getDb()
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt)))
    .returning({ name: apiKeys.name, prefix: apiKeys.prefix })
    .all();
  return revoked[0] ?? null;
}

/** Whether the deployment name, held by `workspaceId`, is public. */
export function isPublicDeployment(name: string, workspaceId: string): boolean {
  return getDb()
    .select({ name: publicDeployments.name })
    .from(publicDeployments)
    .where(and(eq(publicDeployments.name, name), eq(publicDeployments.workspaceId, workspaceId)))
    .get() !== undefined;
}

/** The workspace's public deployment names. */
export function publicDeploymentsOf(workspaceId: string): string[] {
  return getDb()
    .select({ name: publicDeployments.name })
    .from(publicDeployments)
    .where(eq(publicDeployments.workspaceId, workspaceId))
    .all()
    .map((r) => r.name);
}

/** Makes a deployment name of the workspace public (anyone may call it) or private again. */
export function setDeploymentPublic(name: string, workspaceId: string, isPublic: boolean): void {
  const db = getDb();
  db.transaction((tx) => {
    tx.delete(publicDeployments).where(eq(publicDeployments.name, name)).run();
    if (isPublic) tx.insert(publicDeployments).values({ name, workspaceId }).run();
  });
}

/** The key an `Authorization: Bearer <key>` header carries; null without the header; 401 for another scheme. */
function bearerKey(headers: Headers): string | null {
  const header = headers.get('authorization');
  if (header === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AccessDenied(401, 'The Authorization header must be "Bearer <key>", with an API key of the deployment\'s workspace.');
  return match[1];
}

/** Who called a deployment: a key (of the deployment's workspace), anyone (a public deployment), or a signed-in member. */
export type DeploymentCaller = { by: 'key'; keyId: string } | { by: 'public' } | { by: 'member'; access: Access };

/**
 * May this request call (predict, describe) the deployment `name`, held by `workspaceId` (undefined:
 * no such deployment)? The one check behind both deployment routes:
 * - a request with `Authorization: Bearer <key>`: an unknown or revoked key is 401; a key of another
 *   workspace, or one made for other deployments, is 403; a good key is allowed (and its last use noted);
 * - without a key, a public deployment answers anyone;
 * - else a signed-in member of the workspace (any role) may call it; a non-member gets `notFound`
 *   (404, as if it did not exist), and a request with neither session nor key 401, saying how to get a key.
 */
export async function authorizeDeploymentCall(request: Request, name: string, workspaceId: string | undefined, notFound: string): Promise<DeploymentCaller> {
  const key = bearerKey(request.headers);
  if (key !== null) {
    const row = key.startsWith(KEY_PREFIX)
      ? getDb().select().from(apiKeys).where(eq(apiKeys.hash, secretHash(key))).get()
      : undefined;
    if (!row || row.revokedAt !== null) {
      throw new AccessDenied(401, `This API key is not valid (unknown, or revoked): ${WHERE_KEYS_ARE_MADE}.`);
    }
    if (workspaceId === undefined) throw new AccessDenied(404, notFound, 'name');
    if (row.workspaceId !== workspaceId) throw new AccessDenied(403, 'This API key belongs to another workspace: it cannot call this deployment.');
    const scope = row.deployments ? (JSON.parse(row.deployments) as string[]) : null;
    if (scope && !scope.includes(name)) {
      throw new AccessDenied(403, `This API key may call only ${scope.map((n) => `"${n}"`).join(', ')}: not this deployment.`);
    }
    getDb().update(apiKeys).set({ lastUsedAt: Date.now() }).where(eq(apiKeys.id, row.id)).run();
    return { by: 'key', keyId: row.id };
  }
  if (workspaceId !== undefined && isPublicDeployment(name, workspaceId)) return { by: 'public' };
  const actor = await sessionUser(request.headers);
  if (!actor) {
    throw new AccessDenied(401, `This deployment is private: send an API key as "Authorization: Bearer <key>" (${WHERE_KEYS_ARE_MADE}), or sign in.`);
  }
  return { by: 'member', access: authorize(actor, workspaceId ?? '', 'view', notFound, 'name') };
}
