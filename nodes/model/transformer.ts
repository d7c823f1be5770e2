import { tokenColumns } from '../../runtime/sequence';
import { deepModelNode } from './deep';
import { transformerParams } from '../../runtime/training/networks/settings';

export const transformer = deepModelNode({
  network: {
    family: 'transformer',
    reads: { texts: true },
    missingInput: (features) =>
      tokenColumns(features).length > 0 ? undefined : 'A transformer reads text as word numbers, but the data has none: add Tokenize text before the split.',
    load: async () => ({ build: (await import('../../runtime/training/networks/transformer')).buildTransformer }),
  },
  label: 'Transformer',
  description:
    'For text: every word looks at every other word of the text (self-attention) to work out what the text is about; word order comes from a learned position signal. ' +
    'Reads the word columns of Tokenize text (text_tok_1, text_tok_2, …; padding is ignored). Other columns join before the answer.',
  params: transformerParams,
});
