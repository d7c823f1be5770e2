import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at', { mode: 'number' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/**
 * The tables better-auth keeps (accounts, sessions), as its drizzle generator writes them for
 * SQLite (better-auth 1.7, email and password): migrated with every other table.
 */
const millisecondsNow = sql`(cast(unixepoch('subsecond') * 1000 as integer))`;

export const user = sqliteTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).default(false).notNull(),
  image: text('image'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).default(millisecondsNow).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
    .default(millisecondsNow)
    .$onUpdate(() => new Date())
    .notNull(),
});

export const session = sqliteTable(
  'session',
  {
    id: text('id').primaryKey(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    token: text('token').notNull().unique(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).default(millisecondsNow).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
      .$onUpdate(() => new Date())
      .notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
  },
  (table) => [index('session_userId_idx').on(table.userId)],
);

export const account = sqliteTable(
  'account',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: integer('access_token_expires_at', { mode: 'timestamp_ms' }),
    refreshTokenExpiresAt: integer('refresh_token_expires_at', { mode: 'timestamp_ms' }),
    scope: text('scope'),
    password: text('password'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).default(millisecondsNow).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (table) => [index('account_userId_idx').on(table.userId)],
);

export const verification = sqliteTable(
  'verification',
  {
    id: text('id').primaryKey(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).default(millisecondsNow).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
      .default(millisecondsNow)
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (table) => [index('verification_identifier_idx').on(table.identifier)],
);

/**
 * A team's space: pipelines, datasets, runs, saved models and deployments each belong to one, and
 * nothing crosses from one to another. The migration that introduced workspaces made the first one
 * (FIRST_WORKSPACE_ID) and gave it everything stored before; the owner account created on first
 * start becomes its owner.
 */
export const workspaces = sqliteTable('workspaces', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/** Who belongs to a workspace, and as what: 'owner', 'editor' or 'viewer' (server/auth/access.ts says what each may do). */
export const workspaceMembers = sqliteTable(
  'workspace_members',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'editor', 'viewer'] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] }), index('workspace_members_user_idx').on(t.userId)],
);

/** The column every workspace-owned table carries (rows stored before workspaces existed were given the first workspace). */
const workspaceId = () => text('workspace_id').notNull();

export const graphs = sqliteTable(
  'graphs',
  {
  id: text('id').primaryKey(),
  workspaceId: workspaceId(),
  name: text('name').notNull(),
  /** The graph file (lib/graph.ts), as JSON. */
  document: text('document').notNull(),
  /** Counts the saves: a save based on an older revision is refused (two people editing at once never overwrite each other silently). */
  revision: integer('revision').notNull().default(0),
  /** When it was moved to the trash (null: it is not there), and by whom; purged TRASH_DAYS after. */
  deletedAt: integer('deleted_at', { mode: 'number' }),
  deletedBy: text('deleted_by'),
  createdAt: createdAt(),
  updatedAt: integer('updated_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('graphs_workspace_idx').on(t.workspaceId, t.updatedAt)],
);

export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    graphId: text('graph_id'),
    /** The graph as it was when the run started. */
    document: text('document').notNull(),
    status: text('status').notNull(),
    error: text('error'),
    backend: text('backend'),
    /** The process driving the run; a run whose owner is gone is marked interrupted. */
    ownerPid: integer('owner_pid'),
    /** The account that started it (null: the command line, or a run from before accounts). */
    startedBy: text('started_by'),
    /** The version of its pipeline it ran (graph_versions.id); null for a graph run without saving it (the CLI). */
    versionId: integer('version_id'),
    /** When someone cancelled it: a run cancelled before it could finish is never resumed. */
    cancelRequestedAt: integer('cancel_requested_at', { mode: 'number' }),
    createdAt: createdAt(),
    startedAt: integer('started_at', { mode: 'number' }),
    finishedAt: integer('finished_at', { mode: 'number' }),
  },
  (t) => [index('runs_graph_idx').on(t.graphId, t.createdAt)],
);

export const runSteps = sqliteTable(
  'run_steps',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    nodeType: text('node_type').notNull(),
    status: text('status').notNull(),
    cacheKey: text('cache_key').notNull(),
    progress: real('progress').notNull().default(0),
    message: text('message'),
    error: text('error'),
    errorDetails: text('error_details'),
    /** Summary metrics (JSON) shown in the results panel. */
    metrics: text('metrics'),
    /** What the cache key was made from (JSON), to explain why a later run re-runs the step. */
    signature: text('signature'),
    attempts: integer('attempts').notNull().default(0),
    startedAt: integer('started_at', { mode: 'number' }),
    finishedAt: integer('finished_at', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.nodeId] })],
);

/** Append-only log of everything that happened in a run; clients resume from the last id they saw. */
export const runEvents = sqliteTable(
  'run_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id'),
    kind: text('kind').notNull(),
    payload: text('payload').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('run_events_run_idx').on(t.runId, t.id)],
);

/** Finished steps by content address: a step whose key is here (and whose files exist) is not re-run. */
export const stepCache = sqliteTable(
  'step_cache',
  {
    cacheKey: text('cache_key').primaryKey(),
    nodeType: text('node_type').notNull(),
    metrics: text('metrics'),
    sizeBytes: integer('size_bytes').notNull().default(0),
    /** Garbage collection removes the least recently used first. */
    lastUsedAt: integer('last_used_at', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('step_cache_used_idx').on(t.lastUsedAt)],
);

export const deployments = sqliteTable(
  'deployments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** A name belongs to the workspace that published its first version: names are unique per server (the predict URL is /api/v1/models/NAME). */
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    /** Artifact store location of the deployed model (a Deployment artifact). */
    artifactKey: text('artifact_key').notNull(),
    runId: text('run_id').notNull(),
    nodeId: text('node_id').notNull(),
    graphId: text('graph_id'),
    metrics: text('metrics'),
    /** The trained model it publishes (its artifact: the training step's cache key, or the saved model's id): the same model is not published twice in a row. */
    modelKey: text('model_key'),
    /** The raw columns the version reads (JSON ColumnSchema[]), as its model artifact has them: a new version must read the same unless its step says replace. */
    inputColumns: text('input_columns'),
    /** Who published it (the run's starter, or who deployed a saved model); null for the command line. */
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('deployments_name_version').on(t.name, t.version), index('deployments_name_idx').on(t.name, t.workspaceId)],
);

/**
 * One row per deployment name (the registry): who holds it (the workspace, and the pipeline whose
 * Deploy steps publish to it), which version answers (the live one), whether it is pinned (a new
 * version is then published but not made live), and whether it was undeployed (calls answer 410 with the reason).
 */
export const deploymentNames = sqliteTable('deployment_names', {
  name: text('name').primaryKey(),
  workspaceId: workspaceId(),
  /** The pipeline that publishes to it (null: deployed from a saved model of no pipeline). */
  graphId: text('graph_id'),
  liveVersion: integer('live_version'),
  pinned: integer('pinned', { mode: 'boolean' }).notNull().default(false),
  undeployedAt: integer('undeployed_at', { mode: 'number' }),
  undeployReason: text('undeploy_reason'),
});

/**
 * Deployment names their workspace has made public: predict and describe answer anyone, without a
 * session or an API key. A deployment is private unless its name is here (removed when made private again).
 */
export const publicDeployments = sqliteTable('public_deployments', {
  name: text('name').primaryKey(),
  workspaceId: workspaceId(),
  createdAt: createdAt(),
});

/**
 * API keys for calling a workspace's deployments from other programs (`Authorization: Bearer <key>`).
 * Only the key's SHA-256 is stored (the key is 32 random bytes: no need for a slow hash) with a short
 * non-secret prefix for display; the key itself is shown once, when it is made.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the key, to recognize it in the list (not enough to use it). */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key, hex. */
    hash: text('hash').notNull(),
    /** The deployment names it may call (JSON string[]), or null: every deployment of the workspace. */
    deployments: text('deployments'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at', { mode: 'number' }),
    revokedAt: integer('revoked_at', { mode: 'number' }),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.hash), index('api_keys_workspace_idx').on(t.workspaceId)],
);

/**
 * Uploaded datasets, identified by the content hash of the uploaded file (and its parse options);
 * the table lies in the artifact store, the rest in dataset_details. The same file uploaded in two
 * workspaces is one stored table and two rows here, one per workspace.
 */
export const datasets = sqliteTable(
  'datasets',
  {
    id: text('id').notNull(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    fileName: text('file_name').notNull(),
    rowCount: integer('row_count').notNull(),
    columnCount: integer('column_count').notNull().default(0),
    sourceBytes: integer('source_bytes').notNull(),
    storedBytes: integer('stored_bytes').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('datasets_id_idx').on(t.id)],
);

/**
 * A stored table's schema, statistics and read report, by dataset id (content, so shared by the
 * workspaces holding it; removed with the last of them): apart from `datasets`, so that listing
 * datasets never reads them.
 */
export const datasetDetails = sqliteTable('dataset_details', {
  datasetId: text('dataset_id').primaryKey(),
  /** Column schema (JSON), what compile sees. */
  columns: text('columns').notNull(),
  /** Per-column statistics (JSON) for the Datasets page. */
  stats: text('stats').notNull(),
  /** What the parser detected and the problems it found (JSON). */
  report: text('report').notNull(),
});

/**
 * Every trained model a run made (Train, Tune learning rate, any step with a TrainedModel output),
 * with its lineage. One row per artifact: a cached re-run that reuses the same trained model adds
 * nothing. Saved models are kept out of the cache's garbage collection until deleted here.
 */
export const models = sqliteTable(
  'models',
  {
    /** The cache key of the step that trained it: where the TrainedModel lies in the artifact store. */
    id: text('id').notNull(),
    /** The workspace of the run that saved it; the same model trained in two workspaces is saved in each. */
    workspaceId: workspaceId(),
    /** The output port of that step holding the model. */
    port: text('port').notNull(),
    runId: text('run_id').notNull(),
    graphId: text('graph_id'),
    /** The pipeline's name when the run started. */
    graphName: text('graph_name').notNull(),
    nodeId: text('node_id').notNull(),
    nodeType: text('node_type').notNull(),
    family: text('family').notNull(),
    /** 'gradient' (a network: can be a starting point for transfer learning) or 'classic'. */
    trainer: text('trainer').notNull(),
    task: text('task').notNull(),
    target: text('target').notNull(),
    /** Raw columns the model reads (JSON ColumnSchema[]). */
    inputColumns: text('input_columns').notNull(),
    /** Dataset steps upstream of it and the content each read (JSON [{nodeId, dataset, hash}]). */
    datasets: text('datasets').notNull(),
    /** The Evaluate steps of the same run that judged it (JSON [{nodeId, metrics}]), filled in as they finish. */
    metrics: text('metrics'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('models_created_idx').on(t.createdAt), index('models_id_idx').on(t.id)],
);

/**
 * Invitations to a workspace: an owner invites an email address with a role; the link (shown once)
 * holds a random token of which only the SHA-256 is stored. Accepted by the account with that email,
 * once, before it expires, unless revoked.
 */
export const invites = sqliteTable(
  'invites',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'editor', 'viewer'] }).notNull(),
    hash: text('hash').notNull(),
    invitedBy: text('invited_by'),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'number' }).notNull(),
    acceptedAt: integer('accepted_at', { mode: 'number' }),
    acceptedBy: text('accepted_by'),
    revokedAt: integer('revoked_at', { mode: 'number' }),
  },
  (t) => [uniqueIndex('invites_hash').on(t.hash), index('invites_workspace_idx').on(t.workspaceId, t.createdAt)],
);

/**
 * Links that share one pipeline: 'view' lets whoever opens it (signed in) see the pipeline
 * read-only; 'copy' gives them a copy in their own workspace. Only the token's SHA-256 is stored.
 */
export const shareLinks = sqliteTable(
  'share_links',
  {
    id: text('id').primaryKey(),
    graphId: text('graph_id')
      .notNull()
      .references(() => graphs.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: ['view', 'copy'] }).notNull(),
    hash: text('hash').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'number' }),
    revokedAt: integer('revoked_at', { mode: 'number' }),
    opens: integer('opens').notNull().default(0),
    /** A copy link: the uploaded datasets and saved models its copies may bring along (JSON { datasets, models }), those the pipeline named when the link was made. */
    carries: text('carries'),
  },
  (t) => [uniqueIndex('share_links_hash').on(t.hash), index('share_links_graph_idx').on(t.graphId)],
);

/**
 * One pipeline shared with a person who is not (necessarily) a member of its workspace: a viewer
 * sees it, its runs and results; an editor may also change and run it. Made by a member, or by
 * opening a view link (`viaLink`: revoking the link removes these).
 */
export const graphShares = sqliteTable(
  'graph_shares',
  {
    graphId: text('graph_id')
      .notNull()
      .references(() => graphs.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['editor', 'viewer'] }).notNull(),
    sharedBy: text('shared_by'),
    viaLink: text('via_link').references(() => shareLinks.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.graphId, t.userId] }), index('graph_shares_user_idx').on(t.userId)],
);

/**
 * What happened in a workspace that its owners may need to account for: sign-ins, invites, role
 * changes, shares, link opens, deploys, deletes, API keys. `actor` is who did it, as they were
 * called then (an account's name and email, an API key, the command line).
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    at: integer('at', { mode: 'number' }).notNull(),
    actorId: text('actor_id'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    detail: text('detail'),
  },
  (t) => [index('audit_events_workspace_idx').on(t.workspaceId, t.at)],
);

/**
 * A pipeline's history: every save lands in a version; saves by one person within a 2-minute window
 * coalesce into one (unless the version is named, or a run ran it), and a save that changes nothing
 * makes none. A version holds the whole graph document (a few KB) and a plain summary of what changed
 * since the version before it.
 */
export const graphVersions = sqliteTable(
  'graph_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    graphId: text('graph_id')
      .notNull()
      .references(() => graphs.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… per pipeline. */
    number: integer('number').notNull(),
    document: text('document').notNull(),
    authorId: text('author_id'),
    /** Given with "Save version…"; a named version is never coalesced into. */
    name: text('name'),
    /** A version that stands as made (a new pipeline, a restore, "keep mine"): later saves start a new one. */
    sealed: integer('sealed', { mode: 'boolean' }).notNull().default(false),
    summary: text('summary').notNull(),
    /** The pipeline's revision (graphs.revision) at the last save into it. */
    revision: integer('revision').notNull(),
    createdAt: createdAt(),
    /** The last save coalesced into it. */
    savedAt: integer('saved_at', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('graph_versions_number').on(t.graphId, t.number)],
);

/**
 * The last saves of a pipeline, one row per revision (the newest KEEP_REVISIONS, server/data/versions.ts):
 * what an editor that loaded revision N had, so "what changed since" is told exactly.
 */
export const graphRevisions = sqliteTable(
  'graph_revisions',
  {
    graphId: text('graph_id')
      .notNull()
      .references(() => graphs.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    document: text('document').notNull(),
    authorId: text('author_id'),
  },
  (t) => [primaryKey({ columns: [t.graphId, t.revision] })],
);
