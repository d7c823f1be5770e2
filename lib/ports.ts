/** The closed set of artifact kinds that travel along edges, and the rule for wiring them. */
export const PORT_TYPES = ['Table', 'Split', 'Folds', 'Model', 'TrainedModel', 'Metrics', 'Deployment'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortSpec {
  /** Stable handle id, unique among a node's inputs (or outputs). */
  name: string;
  type: PortType;
  label: string;
  /** Inputs only: an optional input may stay unconnected. */
  optional?: boolean;
}

/** Handle colours, one per port type, so users learn which sockets fit together. */
export const PORT_COLORS: Record<PortType, string> = {
  Table: '#2563eb',
  Split: '#7c3aed',
  Folds: '#0891b2',
  Model: '#d97706',
  TrainedModel: '#dc2626',
  Metrics: '#059669',
  Deployment: '#475569',
};

export const PORT_DESCRIPTIONS: Record<PortType, string> = {
  Table: 'a table of rows and columns',
  Split: 'data split into train / validation / test rows',
  Folds: 'data cut into k folds for cross-validation (each fold takes a turn as the test rows)',
  Model: 'an untrained model design',
  TrainedModel: 'a trained model',
  Metrics: 'evaluation results',
  Deployment: 'a published model',
};

export type ConnectCheck = { ok: true } | { ok: false; reason: string };

/** Whether an output of type `from` may feed an input of type `to`; says why not in plain words. */
export function canConnect(from: PortType, to: PortType): ConnectCheck {
  if (from === to) return { ok: true };
  return {
    ok: false,
    reason: `This input expects ${PORT_DESCRIPTIONS[to]} (${to}), but that output gives ${PORT_DESCRIPTIONS[from]} (${from}).`,
  };
}
