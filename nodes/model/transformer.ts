import { z } from 'zod';
import { deepModelNode, headParams, wordVectorSize } from './deep';

export const transformerParams = z
  .object({
    blocks: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(6, 'at most 6')
      .default(1)
      .meta({ title: 'Encoder blocks', description: 'Each block lets every word look at every other word of the text (attention), then thinks it over (feed-forward).' }),
    heads: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(16, 'at most 16')
      .default(2)
      .meta({ title: 'Attention heads', description: 'Separate ways of choosing which words to look at, side by side. The word vector size must divide by it.' }),
    embeddingSize: wordVectorSize('How many numbers describe each word and its position (learned while training). Must divide by the attention heads.', false),
    feedForwardUnits: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(2048, 'at most 2048')
      .default(64)
      .meta({ title: 'Feed-forward units', description: 'Neurons of the small layer each block applies to every word.', advanced: true }),
    ...headParams(0),
  })
  .superRefine((params, ctx) => {
    if (params.embeddingSize % params.heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['embeddingSize'],
        message: `must divide by the ${params.heads} attention heads (each head gets an equal share), e.g. ${Math.max(1, Math.round(params.embeddingSize / params.heads)) * params.heads}`,
      });
    }
  });

export type TransformerConfig = z.output<typeof transformerParams>;

export const transformer = deepModelNode({
  family: 'transformer',
  label: 'Transformer',
  description:
    'For text: every word looks at every other word of the text (self-attention) to work out what the text is about; word order comes from a learned position signal. ' +
    'Reads the word columns of Tokenize text (text_tok_1, text_tok_2, …; padding is ignored). Other columns join before the answer.',
  params: transformerParams,
});
