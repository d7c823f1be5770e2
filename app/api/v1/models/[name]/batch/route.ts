import { guarded } from '../../../../../../server/http/guard';
import { authorizeDeploymentCall } from '../../../../../../server/auth/api-keys';
import { deploymentWorkspace, notDeployed } from '../../../../../../server/serving/predict';
import { batchPredict } from '../../../../../../server/serving/batch';

export const dynamic = 'force-dynamic';

/** POST a CSV file (header, then rows) → the same rows with the answers, as CSV, streamed; the same check as predict. */
export const POST = guarded(async (request: Request, context: { params: Promise<{ name: string }> }) => {
  const { name } = await context.params;
  await authorizeDeploymentCall(request, name, deploymentWorkspace(name), notDeployed(name));
  return batchPredict(name, request.body);
});
