import { guarded } from '../../../../../server/http/guard';
import { authorizeRequestIn } from '../../../../../server/auth/request';
import { deploymentWorkspace, describeDeployment, notDeployed } from '../../../../../server/serving/predict';

export const dynamic = 'force-dynamic';

/** The latest deployed version's input schema: what to send to .../predict. */
export const GET = guarded(async (request: Request, context: { params: Promise<{ name: string }> }) => {
  const { name } = await context.params;
  await authorizeRequestIn(request, deploymentWorkspace(name) ?? '', 'view', notDeployed(name), 'name');
  return Response.json(await describeDeployment(name));
});
