import { PORT_COLORS } from '../../../lib/ports';
import { SAMPLE_DATASETS } from '../../../lib/samples';
import { catalog } from '../../../nodes';
import { signedInProcedure, router } from '../trpc';

export const catalogRouter = router({
  list: signedInProcedure.query(() => ({ nodes: catalog(), portColors: PORT_COLORS, samples: SAMPLE_DATASETS })),
});
