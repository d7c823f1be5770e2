/**
 * The audit log's actions (server/audit/log.ts): what happened in a workspace that its owners may
 * need to account for, each in the words the log page and its CSV use. Plain data, for the page too.
 */
export const AUDIT_ACTIONS = {
  'sign-in': 'Signed in',
  'invite.create': 'Invited someone',
  'invite.accept': 'Accepted an invite',
  'invite.revoke': 'Revoked an invite',
  'member.add': 'Added a member',
  'member.role': 'Changed a role',
  'member.remove': 'Removed a member',
  'workspace.rename': 'Renamed the workspace',
  'share.add': 'Shared a pipeline',
  'share.remove': 'Stopped sharing a pipeline',
  'link.create': 'Made a share link',
  'link.revoke': 'Revoked a share link',
  'link.open': 'Opened a share link',
  deploy: 'Deployed a model',
  'deployment.visibility': 'Changed who may call a deployment',
  'deployment.promote': 'Made a deployment version live',
  'deployment.rollback': 'Rolled a deployment back',
  'deployment.pin': 'Pinned or unpinned a deployment',
  'deployment.undeploy': 'Undeployed a model',
  'pipeline.delete': 'Deleted a pipeline',
  'pipeline.restore': 'Restored a pipeline from the trash',
  'pipeline.purge': 'Deleted a pipeline forever',
  'dataset.delete': 'Deleted a dataset',
  'model.delete': 'Deleted a saved model',
  'key.create': 'Created an API key',
  'key.revoke': 'Revoked an API key',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as [AuditAction, ...AuditAction[]];
