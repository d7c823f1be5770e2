/** The most procedure calls one tRPC request may batch: the server refuses more (400), the editor's client splits at it. */
export const MAX_TRPC_BATCH = 20;

/** The most cells one page of a dataset's preview may hold: a wide table gets fewer rows per page. */
export const MAX_PREVIEW_CELLS = 200_000;

/** A viewer's preview of a dataset reaches this many rows: the whole table is for those who may download it. */
export const VIEWER_PREVIEW_ROWS = 1000;
