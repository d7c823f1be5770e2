/**
 * Who may call what: every tRPC procedure and every REST route, for each kind of caller, as the
 * policy of issue #13 says (server/auth/access.ts: view, edit, download, delete, manage).
 * tests/security/authorization-matrix.test.ts calls each over HTTP as each actor and compares: a
 * procedure or route without a row here fails it, and so does a row without one.
 *
 * The actors, in the order the test runs them (the refusals first):
 * - anonymous: no session
 * - intruder: signed in, not a member of workspace A, with the workspace cookie naming A (as if it
 *   had switched there): the cookie must not let it in
 * - outsider: signed in, a member (owner) of its own workspace only: what names no workspace of A
 *   works in its own; everything of A named by id is "not found"
 * - viewer, editor, owner: members of A (viewer and editor switched to A)
 *
 * An outcome is 'allow' (the call gets past authorization and succeeds: 2xx) or the status of the
 * refusal: 401 not signed in, 403 signed in but not allowed (or not a member of the workspace the
 * cookie names), 404 not a member of the thing's workspace (it is not shown to exist).
 */

export const ACTORS = ['anonymous', 'intruder', 'outsider', 'viewer', 'editor', 'owner'] as const;
export type Actor = (typeof ACTORS)[number];
export type Outcome = 'allow' | 401 | 403 | 404;

export type Row = { [actor in Actor]: Outcome } & { why: string };
/** better-auth's own endpoints: public by nature (sign-up, sign-in, the session); tested on their own. */
export interface PublicRow {
  public: true;
  why: string;
}
/** The tRPC endpoint: each procedure's own row says who may call it. */
export interface TransportRow {
  procedures: true;
  why: string;
}

const signedIn = { anonymous: 401, intruder: 'allow', outsider: 'allow', viewer: 'allow', editor: 'allow', owner: 'allow' } as const;

/** In the request's active workspace: the outsider's own; the intruder's cookie names A, where it is no member (403). */
const activeView = { anonymous: 401, intruder: 403, outsider: 'allow', viewer: 'allow', editor: 'allow', owner: 'allow' } as const;
const activeEdit = { ...activeView, viewer: 403 } as const;
const activeManage = { ...activeView, viewer: 403, editor: 403 } as const;

/** In the active workspace, about a thing of A named by id: the outsider's own workspace has no such thing (404). */
const activeViewOfA = { ...activeView, outsider: 404 } as const;
const activeEditOfA = { ...activeEdit, outsider: 404 } as const;
const activeDownloadOfA = activeEditOfA;
const activeDeleteOfA = { ...activeManage, outsider: 404 } as const;
const activeManageOfA = activeDeleteOfA;

/** About a thing of A named by id, authorized in the thing's own workspace: every non-member gets 404, cookie or not. */
const viewOfA = { anonymous: 401, intruder: 404, outsider: 404, viewer: 'allow', editor: 'allow', owner: 'allow' } as const;
const editOfA = { ...viewOfA, viewer: 403 } as const;
const downloadOfA = editOfA;

export const PROCEDURES: Record<string, Row> = {
  'catalog.list': { ...signedIn, why: 'node kinds and sample datasets: no workspace' },
  'workers.list': { ...signedIn, why: "the server's workers: machine facts, the same for every signed-in user" },
  'workers.disk': { ...signedIn, why: 'disk use by category: machine facts' },

  'workspaces.current': { ...signedIn, why: "the caller's own memberships (the intruder's answer says it is refused A)" },
  'workspaces.create': { ...signedIn, why: 'a new workspace of its own' },
  'workspaces.switch': { ...viewOfA, why: 'switching to A needs a membership of A' },
  'workspaces.members': { ...activeView, why: 'every member may see who else is in the workspace' },
  'workspaces.rename': { ...activeManage, why: 'manage: owners only (the outsider renames its own)' },
  'workspaces.addMember': { ...activeManage, why: 'manage: owners only (the outsider adds to its own)' },
  'workspaces.setRole': { ...activeManageOfA, why: "manage: owners only; a member of A is no member of the outsider's workspace" },
  'workspaces.removeMember': { ...activeManageOfA, why: "manage: owners only; a member of A is no member of the outsider's workspace" },

  'graphs.list': { ...activeView, why: 'view: the pipelines of the active workspace' },
  'graphs.create': { ...activeEdit, why: 'edit: a new pipeline in the active workspace' },
  'graphs.get': { ...viewOfA, why: 'view: a pipeline of A' },
  'graphs.save': { ...editOfA, why: 'edit: autosave of a pipeline of A' },
  'graphs.delete': { ...editOfA, why: "edit: pipelines are the editors' work" },
  'graphs.check': { ...activeViewOfA, why: 'view: compile a pipeline of A as A would run it' },
  'graphs.clearCache': { ...editOfA, why: "edit: forget a step's cached result" },
  'graphs.trash': { ...activeView, why: "view: the active workspace's trash (the outsider sees its own)" },
  'graphs.restore': { ...editOfA, why: 'edit: take a pipeline of A out of the trash (a fresh one trashed before each call)' },
  'graphs.deleteForever': { ...editOfA, why: 'edit: delete a pipeline in the trash of A for good (a fresh one trashed before each call)' },
  'graphs.duplicate': { ...editOfA, why: 'edit, as a member of A: a copy of a pipeline of A beside it (the viewer may see the pipeline, not add one)' },
  'graphs.changes': { ...viewOfA, why: "view: others' saves of a pipeline of A as they land (SSE)" },
  'versions.list': { ...viewOfA, why: 'view: the history of a pipeline of A' },
  'versions.get': { ...viewOfA, why: 'view: one version of a pipeline of A' },
  'versions.compare': { ...viewOfA, why: 'view: what changed between versions of a pipeline of A' },
  'versions.restore': { ...editOfA, why: 'edit: make a pipeline of A equal to an old version (its first: A as made)' },
  'versions.name': { ...editOfA, why: "edit: name a pipeline of A's newest version" },

  'runs.start': { ...editOfA, why: 'edit: run a pipeline of A' },
  'runs.cancel': { ...editOfA, why: 'edit: cancel a run of A' },
  'runs.get': { ...viewOfA, why: 'view: a run snapshot' },
  'runs.output': { ...viewOfA, why: "view: a step's first rows" },
  'runs.listForGraph': { ...viewOfA, why: 'view: the runs of a pipeline of A' },
  'runs.events': { ...viewOfA, why: "view: a run's live events (SSE)" },

  'datasets.list': { ...activeView, why: 'view: the datasets of the active workspace' },
  'datasets.get': { ...activeViewOfA, why: "view: a dataset's columns and statistics" },
  'datasets.rows': { ...activeViewOfA, why: 'view: the preview (a viewer sees the first rows only)' },
  'datasets.delete': { ...activeDeleteOfA, why: 'delete: owners only (other pipelines may read it)' },

  'deployments.list': { ...activeView, why: 'view: the deployments of the active workspace' },
  'deployments.setPublic': { ...activeManageOfA, why: "manage: owners only make a deployment of A public; A's deployment is none of the outsider's workspace" },
  'apiKeys.list': { ...activeEdit, why: 'edit: the API keys of the active workspace (editors and owners make them)' },
  'apiKeys.create': { ...activeEdit, why: 'edit: a new API key in the active workspace (the outsider makes one in its own)' },
  'apiKeys.revoke': { ...activeEditOfA, why: "edit: revoke an API key of A; a key of A is none of the outsider's workspace" },
  'models.list': { ...activeView, why: 'view: the saved models of the active workspace' },
  'models.deploy': { ...activeEditOfA, why: 'edit: publish a saved model of A' },
  'models.delete': { ...activeDeleteOfA, why: 'delete: owners only' },

  'invites.create': { ...activeManage, why: 'manage: owners invite to the active workspace (the outsider invites to its own)' },
  'invites.list': { ...activeManage, why: "manage: the active workspace's invites (the outsider sees its own)" },
  'invites.revoke': { ...activeManageOfA, why: "manage: revoke a pending invite of A; an invite of A is none of the outsider's workspace" },
  'invites.describe': {
    anonymous: 'allow',
    intruder: 'allow',
    outsider: 'allow',
    viewer: 'allow',
    editor: 'allow',
    owner: 'allow',
    why: "public by design: the invite page, before the account exists; the token (a pending invite of A, each actor its own) authorizes, and shows A's name to whoever holds it",
  },
  'invites.accept': {
    ...signedIn,
    viewer: 403,
    editor: 403,
    owner: 403,
    why:
      "the token and the account's email authorize, not a role or the cookie: the intruder and the outsider each accept a fresh invite of A for their own email " +
      '(they join A, and are removed again after); a member cannot be invited (409), so each member holds a fresh invite of A for another email: 403 "This invite is for …"',
  },
  'sharing.list': { ...editOfA, why: "edit, as a member of A: who A's pipeline is shared with (a share of it is not enough)" },
  'sharing.addPerson': { ...editOfA, why: "edit, as a member of A: share A's pipeline with an account outside A" },
  'sharing.removePerson': { ...editOfA, why: "edit, as a member of A: stop sharing A's pipeline with that account (shared again before each call)" },
  'sharing.createLink': { ...editOfA, why: "edit, as a member of A: a share link of A's pipeline" },
  'sharing.revokeLink': { ...editOfA, why: "edit, as a member of A: revoke a fresh share link of A's pipeline" },
  'sharing.describeLink': { ...signedIn, why: "the token authorizes (a view link of A's pipeline): any signed-in holder sees the pipeline's name and who shared it" },
  'sharing.openLink': {
    ...activeEdit,
    why: "a fresh copy link (of a pipeline of A) per actor: the copy lands in the opener's active workspace, where it must edit: the intruder's cookie names A (403), A's viewer may not edit (403), the outsider copies into its own",
  },
  'graphs.sharedWithMe': { ...signedIn, why: "the pipelines shared with the caller: its own shares only, no workspace" },
  'audit.list': { ...activeManage, why: "manage: the active workspace's audit log (the outsider reads its own)" },
  'templates.list': { ...signedIn, why: 'the templates gallery: files of the checkout, the same for every signed-in user' },
  'templates.create': { ...activeEdit, why: 'edit: a template opens as a new pipeline of the active workspace' },
  'bundles.preview': { ...viewOfA, why: "view: what a pipeline of A's bundle would list (datasets and their size)" },
  'deployments.promote': { ...activeEditOfA, why: "edit: make a version of A's deployment live; the outsider's workspace holds no such name" },
  'deployments.rollback': { ...activeEditOfA, why: "edit: roll a deployment of A back (a throwaway name with two versions per allowed call)" },
  'deployments.pin': { ...activeEditOfA, why: "edit: pin or unpin the live version of A's deployment" },
  'deployments.undeploy': { ...activeEditOfA, why: 'edit: undeploy a deployment of A (a throwaway name per allowed call)' },
};

/** REST routes, by method and the pattern routes() reads from app/api. */
export const ROUTES: Record<string, Row | PublicRow | TransportRow> = {
  'GET /api/v1/datasets': { ...activeView, why: 'view: the datasets of the active workspace' },
  'POST /api/v1/datasets': { ...activeEdit, why: 'edit: an upload into the active workspace' },
  'GET /api/v1/datasets/[id]/csv': { ...activeDownloadOfA, why: 'download: a whole dataset of A as CSV' },
  'GET /api/v1/models/[name]': { ...viewOfA, why: 'view: a private deployment of A describes its input (with a session; API keys: tests/integration/api-keys.test.ts)' },
  'POST /api/v1/models/[name]/predict': { ...viewOfA, why: 'view: any member may call a private deployment of A (with a session; API keys: tests/integration/api-keys.test.ts)' },
  'GET /api/v1/runs/[runId]/steps/[nodeId]/csv': { ...downloadOfA, why: "download: a step's whole table as CSV" },
  'GET /api/v1/audit/csv': { ...activeManage, why: "manage: the active workspace's audit log as CSV (the outsider downloads its own)" },
  'GET /api/v1/graphs/[id]/bundle': { ...downloadOfA, why: "view of a pipeline of A, and download with ?data=1 (called so): a viewer may not take the data away" },
  'POST /api/v1/bundles': { ...activeEdit, why: 'edit: an imported bundle becomes a new pipeline of the active workspace' },
  'GET /api/auth/[...all]': { public: true, why: "better-auth's endpoints (the session): answer anyone, with the caller's own session or none" },
  'POST /api/auth/[...all]': { public: true, why: "better-auth's endpoints (sign-up, sign-in, sign-out): answer anyone" },
  'GET /api/trpc/[trpc]': { procedures: true, why: "tRPC queries and subscriptions: each procedure's row" },
  'POST /api/trpc/[trpc]': { procedures: true, why: "tRPC mutations: each procedure's row" },
  'GET /api/v1/models/[name]/openapi.json': { ...viewOfA, why: "view: a private deployment of A's OpenAPI document, by the same check as predict (authorizeDeploymentCall)" },
  'POST /api/v1/models/[name]/batch': { ...viewOfA, why: 'view: batch scoring with a private deployment of A, by the same check as predict (authorizeDeploymentCall)' },
};
