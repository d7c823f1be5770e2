import { predict, PredictError } from '../../../../../../server/serving/predict';

export const dynamic = 'force-dynamic';

/** POST {"rows": [...]} → predicted class (and probabilities) or number for each row. */
export async function POST(request: Request, context: { params: Promise<{ name: string }> }) {
  const { name } = await context.params;
  const versionParam = new URL(request.url).searchParams.get('version');
  const version = versionParam === null ? undefined : Number(versionParam);
  if (version !== undefined && (!Number.isInteger(version) || version < 1)) {
    return Response.json({ error: { message: '"version" must be a whole number from 1.', field: 'version' } }, { status: 400 });
  }
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: { message: 'The request body is not valid JSON.' } }, { status: 400 });
  }
  try {
    return Response.json(await predict(name, body, version));
  } catch (error) {
    if (error instanceof PredictError) {
      return Response.json({ error: { message: error.message, ...(error.field ? { field: error.field } : {}) } }, { status: error.status });
    }
    console.error('predict failed', error);
    return Response.json({ error: { message: 'The model could not make a prediction; the server log has the details.' } }, { status: 500 });
  }
}
