import { describeDeployment, PredictError } from '../../../../../server/serving/predict';

export const dynamic = 'force-dynamic';

/** The latest deployed version's input schema: what to send to .../predict. */
export async function GET(_request: Request, context: { params: Promise<{ name: string }> }) {
  const { name } = await context.params;
  try {
    return Response.json(await describeDeployment(name));
  } catch (error) {
    if (error instanceof PredictError) return Response.json({ error: { message: error.message } }, { status: error.status });
    throw error;
  }
}
