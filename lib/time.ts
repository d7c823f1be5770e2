/** A day in milliseconds: expiries and the trash count in days. */
export const DAY_MS = 24 * 60 * 60 * 1000;
