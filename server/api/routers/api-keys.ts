import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../../lib/ids';
import { apiKeysOf, createApiKey, revokeApiKey } from '../../auth/api-keys';
import { getDb } from '../../db';
import { deploymentNameHolder } from '../../engine/deployment-registry';
import { workspaceProcedure, router } from '../trpc';
import { audited } from '../audit';
import { shortName } from './workspaces';

/** API keys of the active workspace (server/auth/api-keys.ts): made, listed and revoked by its editors and owners. */
export const apiKeysRouter = router({
  /** The keys that still work: name, prefix, scope, created, last used (never the key). */
  list: workspaceProcedure('edit').query(({ ctx }) => apiKeysOf(ctx.access.workspaceId)),

  /**
   * A new key, for every deployment of the workspace (`deployments: null`) or only the named ones
   * (each a deployment of this workspace). The answer is the only place the key is ever shown.
   */
  create: workspaceProcedure('edit')
    .input(
      z.object({
        name: shortName,
        deployments: z.array(z.string().regex(MODEL_NAME_PATTERN, MODEL_NAME_RULE)).min(1, 'choose at least one deployment, or every deployment').max(100).nullable(),
      }),
    )
    .mutation(({ ctx, input }) => {
      for (const name of input.deployments ?? []) {
        if (deploymentNameHolder(getDb(), name) !== ctx.access.workspaceId) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: `deployments: "${name}" is not a deployment of this workspace.` });
        }
      }
      const { key, info } = createApiKey(ctx.access.workspaceId, input.name, input.deployments, ctx.access.user.id);
      audited(ctx.access, 'key.create', `API key "${info.name}" (${info.prefix}…)`, info.deployments ? `for ${info.deployments.join(', ')}` : 'for every deployment');
      return { key, apiKey: info };
    }),

  /** Revokes a key: its next call is refused (401). */
  revoke: workspaceProcedure('edit')
    .input(z.object({ id: z.string().uuid('not an API key id') }))
    .mutation(({ ctx, input }) => {
      const revoked = revokeApiKey(ctx.access.workspaceId, input.id);
      if (!revoked) throw new TRPCError({ code: 'NOT_FOUND', message: 'There is no such API key in this workspace (it may be revoked already).' });
      audited(ctx.access, 'key.revoke', `API key "${revoked.name}" (${revoked.prefix}…)`);
      return { revoked: true };
    }),
});
