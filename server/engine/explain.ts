import { z } from 'zod';
import type { NodeDefinition } from '../../nodes/define';
import type { PlanStep, StepSignature } from './compile';
import { stableStringify } from './stable-json';

export interface StepForecast {
  willRun: boolean;
  /** Plain words: "cached", "learning rate changed", "upstream Split changed", "never run". */
  reason: string;
}

/**
 * Pure: why a planned step will run (or be reused), from its signature and the signature it had
 * the last time this graph ran it. `cached`: its outputs are in the cache (for a side effect: what it
 * would do is done already).
 */
export function forecastStep(
  step: PlanStep,
  cached: boolean,
  previous: StepSignature | null,
  describe: { paramTitle(type: string, key: string): string; nodeLabel(nodeId: string): string },
): StepForecast {
  // A side effect (a deploy) is "cached" when what it would publish is published already.
  if (step.sideEffect) return cached ? { willRun: false, reason: 'unchanged: its model is already published under its name' } : { willRun: true, reason: 'it publishes its model as a new version' };
  if (cached) return { willRun: false, reason: 'cached: unchanged since it last ran' };
  if (!previous) return { willRun: true, reason: 'not run yet' };
  const reasons: string[] = [];
  if (previous.typeVersion !== step.signature.typeVersion) reasons.push('the step kind was upgraded');
  const keys = new Set([...Object.keys(previous.params), ...Object.keys(step.signature.params)]);
  for (const key of keys) {
    if (stableStringify(previous.params[key]) !== stableStringify(step.signature.params[key])) {
      reasons.push(`${describe.paramTitle(step.type, key).toLowerCase()} changed`);
    }
  }
  if ((previous.identity ?? '') !== (step.signature.identity ?? '')) reasons.push('the dataset changed');
  for (const [port, key] of Object.entries(step.signature.inputs)) {
    if (previous.inputs[port] === key) continue;
    const source = step.inputs[port];
    reasons.push(previous.inputs[port] ? `upstream ${source ? describe.nodeLabel(source.nodeId) : port} changed` : `${port} newly connected`);
  }
  if (reasons.length === 0) return { willRun: true, reason: 'its cached result was cleared' };
  return { willRun: true, reason: [...new Set(reasons)].join(', ') };
}

/** The title a kind's param shows in the inspector (its key when it has none). */
export function paramTitle(kind: NodeDefinition | undefined, key: string): string {
  if (!kind) return key;
  const schema = z.toJSONSchema(kind.params, { io: 'input' }) as { properties?: Record<string, { title?: string }> };
  return schema.properties?.[key]?.title ?? key;
}
