/**
 * Every key in the catalog's params JSON Schemas is JSON Schema's own or one of ParamMeta's. Types
 * check `.meta()` values, but zod's metadata type keeps an index signature, so a misspelt key would
 * otherwise reach the inspector unnoticed.
 */
import { describe, expect, it } from 'vitest';
import type { ParamMeta } from '../../lib/catalog';
import { catalog } from '../../nodes';

const PARAM_META_KEYS = {
  title: true,
  description: true,
  advanced: true,
  widget: true,
  enumLabels: true,
  emptyLabel: true,
  itemLabel: true,
  addLabel: true,
  optionsByColumnType: true,
  visibleWhen: true,
} satisfies Record<keyof ParamMeta, true>;

const JSON_SCHEMA_KEYS = new Set([
  ...['$schema', '$id', '$ref', '$defs', 'id', 'type', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'enum', 'const', 'default', 'examples'],
  ...['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'uniqueItems'],
  ...['anyOf', 'oneOf', 'allOf', 'not', 'deprecated', 'readOnly', 'writeOnly'],
]);

/** Each (sub)schema of a JSON Schema: the schema itself, its properties, items, alternatives and definitions. */
function* subschemas(schema: Record<string, unknown>): Generator<Record<string, unknown>> {
  yield schema;
  const children = [
    ...Object.values((schema.properties ?? {}) as Record<string, unknown>),
    ...Object.values((schema.$defs ?? {}) as Record<string, unknown>),
    ...[schema.items, schema.additionalProperties, schema.not].flat(),
    ...((schema.prefixItems ?? []) as unknown[]),
    ...[schema.anyOf, schema.oneOf, schema.allOf].flatMap((list) => (list ?? []) as unknown[]),
  ];
  for (const child of children) if (child && typeof child === 'object') yield* subschemas(child as Record<string, unknown>);
}

describe('param metadata', () => {
  it('uses only the keys ParamMeta declares', () => {
    const unknown = catalog().flatMap((entry) =>
      [...subschemas(entry.paramsSchema)].flatMap((schema) =>
        Object.keys(schema)
          .filter((key) => !JSON_SCHEMA_KEYS.has(key) && !(key in PARAM_META_KEYS))
          .map((key) => `${entry.type}: ${key}`),
      ),
    );
    expect(unknown).toEqual([]);
  });
});
