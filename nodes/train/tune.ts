import { z } from 'zod';
import type { ModelSpec, SplitArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';
import { trainingParams } from '../../runtime/training/options';
import { configureTraining, TRAINING_INPUTS } from './train';

interface Candidate {
  learningRate: number;
  /** Final validation loss (training loss when there are no validation rows). */
  score: number;
  scoredOn: 'validation' | 'training';
  trained: TrainedModelArtifact;
}

// Tune tries its own list of learning rates instead of the one rate of Train.
const { learningRate: _oneRate, ...trainingParamsButRate } = trainingParams;

export const tuneLearningRate = defineNode({
  type: 'train.tune-learning-rate',
  version: 1,
  category: 'train',
  label: 'Tune learning rate',
  description:
    'Trains the model once per learning rate, in parallel on the available workers, and keeps the one with the lowest error on the validation rows.',
  inputs: [...TRAINING_INPUTS],
  outputs: [{ name: 'model', type: 'TrainedModel', label: 'Best trained model' }],
  wantsGpu: true,
  params: z.object({
    learningRates: z
      .array(z.number().positive('each learning rate must be more than 0').max(10, 'at most 10'))
      .min(2, 'give at least 2 learning rates to compare')
      .max(8, 'at most 8 learning rates')
      .refine((rates) => new Set(rates).size === rates.length, 'each learning rate only once')
      .default([0.003, 0.01, 0.03, 0.1])
      .meta({ title: 'Learning rates', description: 'Each one is trained as its own step.' }),
    ...trainingParamsButRate,
  }),
  configure({ inputs }) {
    const problems = [];
    if (inputs.split && !inputs.split.hasValidation) {
      problems.push({ message: 'Set a validation fraction above 0 on the split: the learning rates are compared on validation rows.' });
    }
    if (inputs.model?.model?.trainer === 'classic') {
      problems.push({ message: `A ${inputs.model.model.family} model has no learning rate (it is fitted in one go): connect it to Train instead.` });
    }
    return configureTraining(inputs, problems);
  },
  parts: (params) => params.learningRates.map((rate) => ({ id: `lr=${rate}`, params: { learningRates: [rate] } })),
  async runPart({ inputs, params, ctx }): Promise<Candidate> {
    const { trainNetwork } = await import('../../runtime/training/neural');
    const learningRate = params.learningRates[0];
    let last: Record<string, number> = {};
    const trained = await trainNetwork(inputs.split as SplitArtifact, inputs.model as ModelSpec, { ...params, learningRate }, {
      ...ctx,
      epoch: (epoch, values) => {
        last = values;
        ctx.epoch(epoch, values);
      },
    });
    const scoredOn = last.val_loss !== undefined ? 'validation' : 'training';
    return { learningRate, score: last.val_loss ?? last.loss, scoredOn, trained };
  },
  async run({ inputs, ctx }) {
    const candidates = inputs.parts as Candidate[];
    const best = candidates.reduce((a, b) => (b.score < a.score ? b : a));
    ctx.log(
      `Learning rate ${best.learningRate} wins (${best.scoredOn} loss ${best.score.toFixed(4)}); tried ${candidates.map((c) => `${c.learningRate}: ${c.score.toFixed(4)}`).join(', ')}.`,
    );
    return { model: best.trained, candidates: candidates.map(({ learningRate, score, scoredOn }) => ({ learningRate, score, scoredOn })) };
  },
  summarize: (outputs) => {
    const candidates = outputs.candidates as Omit<Candidate, 'trained'>[];
    const best = candidates.reduce((a, b) => (b.score < a.score ? b : a));
    return { chosenLearningRate: best.learningRate, candidates };
  },
});
