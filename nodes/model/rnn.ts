import { z } from 'zod';
import { deepModelNode, headParams, wordVectorSize } from './deep';

export const rnnParams = z.object({
  cell: z
    .enum(['lstm', 'gru'])
    .default('gru')
    .meta({
      title: 'Cell',
      description: 'The kind of memory that carries what was read so far from one step to the next.',
      enumLabels: { lstm: 'LSTM', gru: 'GRU (lighter, often as good)' },
    }),
  layers: z.number().int('must be a whole number').min(1, 'at least 1').max(4, 'at most 4').default(1).meta({ title: 'Layers', description: 'Recurrent layers stacked on each other.' }),
  units: z
    .number()
    .int('must be a whole number')
    .min(1, 'at least 1')
    .max(512, 'at most 512')
    .default(32)
    .meta({ title: 'Units', description: 'Size of the memory of each layer.' }),
  bidirectional: z
    .boolean()
    .default(false)
    .meta({ title: 'Read both ways', description: 'Also read each sequence from its end back to its start, and combine both readings.' }),
  embeddingSize: wordVectorSize('Text only: how many numbers describe each word (learned while training).', true),
  ...headParams(0),
});

export type RnnConfig = z.output<typeof rnnParams>;

export const rnn = deepModelNode({
  family: 'rnn',
  label: 'Recurrent network (LSTM/GRU)',
  description:
    'For sequences: reads them step by step and remembers what matters. Text: the word columns of Tokenize text (text_tok_1, text_tok_2, …; padding is skipped). ' +
    'Time series: the window columns of Sequence windows (temp_lag6 … temp_lag0), oldest first, to forecast what comes next. Other columns join before the answer.',
  params: rnnParams,
});
