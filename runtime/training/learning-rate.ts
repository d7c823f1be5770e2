/** The learning rates Train uses when the user leaves it at 0 (automatic): deep networks need smaller steps. */
export const AUTOMATIC_LEARNING_RATE = { dense: 0.05, deep: 0.005 } as const;
