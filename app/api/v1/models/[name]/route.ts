import { guarded } from '../../../../../server/http/guard';
import { describeDeployment } from '../../../../../server/serving/predict';

export const dynamic = 'force-dynamic';

/** The latest deployed version's input schema: what to send to .../predict. */
export const GET = guarded(async (_request: Request, context: { params: Promise<{ name: string }> }) => {
  const { name } = await context.params;
  return Response.json(await describeDeployment(name));
});
