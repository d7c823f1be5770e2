import { guarded } from '../../../../../../server/http/guard';
import { authorizeDeploymentCall } from '../../../../../../server/auth/api-keys';
import { deploymentWorkspace, notDeployed } from '../../../../../../server/serving/predict';
import { openApiDocument } from '../../../../../../server/serving/openapi';

export const dynamic = 'force-dynamic';

/** The deployment's OpenAPI 3.1 document, made from the input schema of the version that answers; the same check as predict. */
export const GET = guarded(async (request: Request, context: { params: Promise<{ name: string }> }) => {
  const { name } = await context.params;
  await authorizeDeploymentCall(request, name, deploymentWorkspace(name), notDeployed(name));
  return Response.json(await openApiDocument(name, new URL(request.url).origin));
});
