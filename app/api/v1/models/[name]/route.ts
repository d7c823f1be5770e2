import { guarded } from '../../../../../server/http/guard';
import { authorizeDeploymentCall } from '../../../../../server/auth/api-keys';
import { deploymentWorkspace, describeDeployment, notDeployed } from '../../../../../server/serving/predict';

export const dynamic = 'force-dynamic';

/** The latest deployed version's input schema: what to send to .../predict. */
export const GET = guarded(async (request: Request, context: { params: Promise<{ name: string }> }) => {
  const { name } = await context.params;
  await authorizeDeploymentCall(request, name, deploymentWorkspace(name), notDeployed(name));
  return Response.json(await describeDeployment(name));
});
