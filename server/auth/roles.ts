/** The roles a member of a workspace may have, and what each may do (server/auth/access.ts enforces it; pages read it to offer only what would be allowed). */
export const ROLES = ['owner', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a request may want to do in a workspace:
 * - view: see pipelines, runs, results, models, deployments, datasets' statistics and previews; call a deployment
 * - edit: create, change, run and delete pipelines, upload data, deploy
 * - download: take full data away (a dataset's or a step's table as CSV)
 * - delete: delete datasets and saved models (what other pipelines of the team may depend on)
 * - manage: add and remove members, change roles, rename the workspace
 */
export type Action = 'view' | 'edit' | 'download' | 'delete' | 'manage';

const ALLOWED: Record<Role, ReadonlySet<Action>> = {
  owner: new Set(['view', 'edit', 'download', 'delete', 'manage']),
  editor: new Set(['view', 'edit', 'download']),
  viewer: new Set(['view']),
};

export function mayDo(role: Role, action: Action): boolean {
  return ALLOWED[role].has(action);
}

/** An account email as stored and compared (better-auth keeps them lower-case). */
export const normalEmail = (email: string) => email.trim().toLowerCase();

/** Who a valid session belongs to. */
export interface SignedInUser {
  id: string;
  name: string;
  email: string;
}

/** The roles one pipeline may be shared with, to someone who need not be a member of its workspace. */
export const SHARE_ROLES = ['viewer', 'editor'] as const;
export type ShareRole = (typeof SHARE_ROLES)[number];

/** What a pipeline shared with someone lets them do with it: look (viewer), or also change and run it (editor). Nothing else of the workspace. */
const ALLOWED_SHARED: Record<ShareRole, ReadonlySet<Action>> = {
  editor: new Set(['view', 'edit']),
  viewer: new Set(['view']),
};

export function mayDoShared(role: ShareRole, action: Action): boolean {
  return ALLOWED_SHARED[role].has(action);
}
