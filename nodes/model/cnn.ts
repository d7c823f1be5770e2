import { imageShape } from '../../lib/image';
import { deepModelNode } from './deep';
import { cnnParams } from '../../runtime/training/networks/settings';
import { AUTOMATIC_LEARNING_RATE } from '../../runtime/training/learning-rate';

export const cnn = deepModelNode({
  network: {
    family: 'cnn',
    reads: { image: true },
    missingInput: (features) =>
      imageShape(features)
        ? undefined
        : 'A convolutional network reads images, but the data has no complete grid of numeric pixel columns named px_<row>_<col> (or px_<row>_<col>_<channel> for colour). Load an image dataset, or use a neural network (MLP).',
    load: async () => ({ build: (await import('../../runtime/training/networks/cnn')).buildCnn }),
  },
  label: 'Convolutional network (CNN)',
  description:
    'For images: small filters slide over the picture to find strokes and shapes wherever they are. Reads the pixel columns ' +
    '(px_<row>_<col>, or px_<row>_<col>_<channel> for colour, as image datasets have them) as one picture per row; other columns join before the answer. ' +
    `Learns best with a small learning rate, which Train picks when its learning rate is left at 0 (automatic: ${AUTOMATIC_LEARNING_RATE.deep}).`,
  params: cnnParams,
});
