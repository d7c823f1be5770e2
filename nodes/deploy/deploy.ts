import { z } from 'zod';
import { deploymentNameOf, MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../lib/ids';
import type { DeploymentArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';

export const deploy = defineNode({
  type: 'deploy.deploy',
  version: 1,
  category: 'deploy',
  label: 'Deploy',
  description:
    'Publishes the trained model, with its preprocessing, at /api/v1/models/<name>/predict so other programs can ask it for predictions. ' +
    'Deploying a different model under the same name publishes a new version (the Deployments page lists them); the model already live there is not published twice.',
  inputs: [{ name: 'model', type: 'TrainedModel', label: 'Trained model' }],
  outputs: [{ name: 'deployment', type: 'Deployment', label: 'Deployment' }],
  params: z.object({
    modelName: z
      .string()
      .regex(new RegExp(`^$|${MODEL_NAME_PATTERN.source}`), `${MODEL_NAME_RULE} (or leave it empty for the pipeline's name)`)
      .default('')
      .meta({ title: 'Model name', description: "The name in the predict URL. Empty: the pipeline's name (\"Iris classifier\" → iris-classifier)." }),
    replace: z.boolean().default(false).meta({
      title: 'Replace',
      description: 'Publish even when another pipeline publishes under this name, or its live version reads other columns: its callers then get this model.',
    }),
    deployAnyway: z.boolean().default(false).meta({
      title: 'Deploy anyway',
      description: 'Publish even when the Evaluate step judging this model finds it no better than its baseline on the test rows.',
    }),
  }),
  sideEffect: true,
  publishes: (params, pipelineName) => ({ name: params.modelName || deploymentNameOf(pipelineName), replace: params.replace, deployAnyway: params.deployAnyway }),
  inline: true,
  configure: ({ inputs, params, env }) => {
    // Names are unique per server (the predict URL holds only the name): said before training, not after.
    const refusal = env.deploymentNameRefusal?.(params.modelName || deploymentNameOf(env.pipelineName ?? ''));
    return { outputs: inputs.model ? { deployment: { type: 'Deployment' } } : {}, problems: refusal ? [{ field: 'modelName', message: refusal }] : [] };
  },
  async run({ inputs }) {
    const deployment: DeploymentArtifact = { model: inputs.model as TrainedModelArtifact };
    return { deployment };
  },
});
