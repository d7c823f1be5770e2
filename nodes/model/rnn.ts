import { steppableLags, tokenColumns } from '../../runtime/sequence';
import { deepModelNode } from './deep';
import { rnnParams } from '../../runtime/training/networks/settings';

export const rnn = deepModelNode({
  network: {
    family: 'rnn',
    reads: { texts: true, series: true },
    missingInput: (features) =>
      tokenColumns(features).length > 0 || steppableLags(features).length > 0
        ? undefined
        : 'A recurrent network reads sequences, but the data has neither word columns (add Tokenize text before the split) nor time windows (add Sequence windows before a Time split).',
    load: async () => ({ build: (await import('../../runtime/training/networks/rnn')).buildRnn }),
  },
  label: 'Recurrent network (LSTM/GRU)',
  description:
    'For sequences: reads them step by step and remembers what matters. Text: the word columns of Tokenize text (text_tok_1, text_tok_2, …; padding is skipped). ' +
    'Time series: the window columns of Sequence windows (temp_lag6 … temp_lag0), oldest first, to forecast what comes next. Other columns join before the answer.',
  params: rnnParams,
});
