import { RequestError } from '../http/guard';
import { mayDo, type Action, type Role, type SignedInUser } from './roles';
import { hasAnyAccount, membershipsOf, roleIn } from './workspaces';

export { mayDo, ROLES, type Action, type Role } from './roles';

const REFUSED_BECAUSE: Record<Action, string> = {
  view: 'see this workspace',
  edit: 'create, change, run or deploy',
  download: 'download full data',
  delete: 'delete datasets or saved models',
  manage: 'manage the members of this workspace',
};

/** Who is asking: a signed-in user, or null for a request without a valid session. */
export type Actor = SignedInUser | null;

/** What authorize grants: the workspace the request acts in and the actor's role there. */
export interface Access {
  user: SignedInUser;
  workspaceId: string;
  role: Role;
  /** Granted by a share of the one pipeline asked about, not by a membership of its workspace. */
  shared?: boolean;
}

/** A refusal: 401 (not signed in), 403 (signed in, not allowed) or 404 (not a member: the thing is not shown to exist). */
export class AccessDenied extends RequestError {}

/** The signed-in user, or a 401 refusal. */
export function requireSignedIn(actor: Actor): SignedInUser {
  if (actor) return actor;
  throw new AccessDenied(401, hasAnyAccount() ? 'Sign in to use Pipeloom.' : 'Create the owner account first: open Pipeloom in a browser.');
}

/**
 * The one authorization function: may `actor` do `action` in `workspaceId`? Returns the grant, or
 * throws AccessDenied. A workspace the actor is not a member of answers `notFound` (404), the same
 * as something that does not exist, so that ids from other workspaces reveal nothing.
 */
export function authorize(actor: Actor, workspaceId: string, action: Action, notFound = 'Not found.', field?: string): Access {
  const user = requireSignedIn(actor);
  const role = roleIn(user.id, workspaceId);
  if (!role) throw new AccessDenied(404, notFound, field);
  if (!mayDo(role, action)) {
    throw new AccessDenied(403, `As ${role === 'editor' ? 'an' : 'a'} ${role} of this workspace you cannot ${REFUSED_BECAUSE[action]}: ask one of its owners for another role.`);
  }
  return { user, workspaceId, role };
}

/**
 * Authorizes `action` in the workspace the request works in: the one it names (the workspace the
 * user switched to), else the user's first. Naming a workspace the user is not a member of (any
 * more: an owner removed them while their page was open) is refused with that reason.
 */
export function authorizeActive(actor: Actor, requestedWorkspaceId: string | undefined, action: Action): Access {
  const user = requireSignedIn(actor);
  if (requestedWorkspaceId) {
    if (!roleIn(user.id, requestedWorkspaceId)) {
      throw new AccessDenied(403, 'You are not a member of this workspace (any more): an owner may have removed you. Choose another workspace.');
    }
    return authorize(user, requestedWorkspaceId, action);
  }
  const first = membershipsOf(user.id)[0];
  if (!first) throw new AccessDenied(403, 'You are not a member of any workspace: ask an owner to add you, or create a workspace of your own.');
  return authorize(user, first.workspaceId, action);
}
