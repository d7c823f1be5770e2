import { z } from 'zod';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../lib/ids';
import type { DeploymentArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';


export const deploy = defineNode({
  type: 'deploy.deploy',
  version: 1,
  category: 'deploy',
  label: 'Deploy',
  description:
    'Publishes the trained model, with its preprocessing, at /api/v1/models/<name>/predict so other programs can ask it for predictions. Deploying the same name again publishes a new version.',
  inputs: [{ name: 'model', type: 'TrainedModel', label: 'Trained model' }],
  outputs: [{ name: 'deployment', type: 'Deployment', label: 'Deployment' }],
  params: z.object({
    modelName: z
      .string()
      .regex(MODEL_NAME_PATTERN, MODEL_NAME_RULE)
      .default('my-model')
      .meta({ title: 'Model name', description: 'The name in the predict URL.' }),
  }),
  sideEffect: true,
  deploymentName: (params) => params.modelName,
  inline: true,
  configure: ({ inputs, params, env }) => {
    // Names are unique per server (the predict URL holds only the name): said before training, not after.
    const refusal = env.deploymentNameRefusal?.(params.modelName);
    return { outputs: inputs.model ? { deployment: { type: 'Deployment' } } : {}, problems: refusal ? [{ field: 'modelName', message: refusal }] : [] };
  },
  async run({ inputs, params }) {
    const deployment: DeploymentArtifact = { modelName: params.modelName, model: inputs.model as TrainedModelArtifact };
    return { deployment };
  },
  summarize: (_outputs, params) => ({ modelName: params.modelName }),
});
