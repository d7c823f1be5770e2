import { z } from 'zod';
import { bundleFileName } from '../../../lib/bundle';
import { graphIdSchema } from '../../../lib/ids';
import { mayDo } from '../../auth/access';
import { datasetsOf } from '../../bundles';
import { signedInProcedure, router } from '../trpc';
import { loadGraph } from './graphs';

/** Export bundles: what one would hold, shown before it is downloaded (the bundle itself is a REST download). */
export const bundlesRouter = router({
  /** The datasets a pipeline's bundle lists, their size, and whether the caller may include their data (download). */
  preview: signedInProcedure.input(z.object({ graphId: graphIdSchema })).query(({ ctx, input }) => {
    const { graph, access } = loadGraph(ctx.user, input.graphId, 'view');
    const datasets = datasetsOf(access.workspaceId, graph);
    return {
      fileName: bundleFileName(graph.name),
      datasets,
      dataBytes: datasets.reduce((sum, d) => sum + (d.source === 'uploaded' ? d.bytes : 0), 0),
      // A share of one pipeline never takes its data away, whatever its role.
      mayIncludeData: !access.shared && mayDo(access.role, 'download'),
    };
  }),
});
