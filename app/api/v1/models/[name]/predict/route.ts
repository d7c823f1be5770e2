import { guarded, megabytes, readJsonBody, RequestError } from '../../../../../../server/http/guard';
import { authorizeDeploymentCall } from '../../../../../../server/auth/api-keys';
import { deploymentWorkspace, notDeployed, predict } from '../../../../../../server/serving/predict';

export const dynamic = 'force-dynamic';

/** POST {"rows": [...]} → predicted class (and probabilities) or number for each row. */
export const POST = guarded(async (request: Request, context: { params: Promise<{ name: string }> }) => {
  const { name } = await context.params;
  // An API key of its workspace, anyone when it is public, or a signed-in member (server/auth/api-keys.ts).
  await authorizeDeploymentCall(request, name, deploymentWorkspace(name), notDeployed(name));
  const versionParam = new URL(request.url).searchParams.get('version');
  const version = versionParam === null ? undefined : Number(versionParam);
  if (version !== undefined && (!Number.isInteger(version) || version < 1)) {
    throw new RequestError(400, '"version" must be a whole number from 1.', 'version');
  }
  const body = await readJsonBody(request, megabytes('PIPELOOM_MAX_PREDICT_MB', 10), 'PIPELOOM_MAX_PREDICT_MB');
  return Response.json(await predict(name, body, version));
});
