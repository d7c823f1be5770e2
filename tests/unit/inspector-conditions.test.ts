/** The inspector's form for a list of objects (Filter rows' conditions), rendered from the params JSON Schema. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Inspector, withField, type FieldSchema } from '../../app/editor/Inspector';
import type { NodeProblem } from '../../app/editor/context';
import type { ColumnSchema } from '../../lib/table';
import { catalogEntry, nodeKinds } from '../../nodes';

const kind = catalogEntry(nodeKinds.get('cleaning.filter-rows')!);
const columns: ColumnSchema[] = [
  { name: 'age', type: 'number' },
  { name: 'city', type: 'category' },
  { name: 'paid', type: 'boolean' },
];
const items = (kind.paramsSchema.properties as Record<string, FieldSchema>).conditions.items!;

function render(params: Record<string, unknown>, problems: NodeProblem[] = []): string {
  return renderToStaticMarkup(
    createElement(Inspector, { kind, nodeId: 'f', params, columns, problems, onChange: () => undefined, onClearCache: () => undefined }),
  );
}

/** The options of the select with this id, as their text. */
function options(html: string, id: string): string[] {
  const select = html.match(new RegExp(`<select id="${id.replace(/\./g, '\\.')}"[^>]*>(.*?)</select>`))?.[1] ?? '';
  return [...select.matchAll(/<option[^>]*>(.*?)<\/option>/g)].map((m) => m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

describe('Filter rows in the inspector', () => {
  it('a new node shows one condition: the column picker, the operators, a value, remove and add buttons', () => {
    const html = render({});
    expect(html).toContain('Condition 1');
    expect(html).toContain('Remove condition 1');
    expect(html).toContain('Add a condition');
    expect(options(html, 'param-conditions.0.column')).toEqual(['(choose a column)', 'age (number)', 'city (category)', 'paid (boolean)']);
    // No column chosen yet: every operator, in general words.
    expect(options(html, 'param-conditions.0.operator')).toHaveLength(14);
    expect(html).toContain('id="param-conditions.0.value"');
    // "And" (the upper end) only for "between".
    expect(html).not.toContain('id="param-conditions.0.to"');
    expect(options(html, 'param-match')).toEqual(['all the conditions (and)', 'any of the conditions (or)']);
  });

  it('the operators fit the chosen column; "between" shows both ends; "is empty" needs no value', () => {
    const html = render({
      match: 'any',
      conditions: [
        { column: 'age', operator: 'between', value: '1', to: '5' },
        { column: 'city', operator: 'one-of', value: 'Oslo, Rome' },
        { column: 'paid', operator: 'is-missing' },
      ],
    });
    expect(options(html, 'param-conditions.0.operator')).toEqual(['=', '≠', '<', '≤', '>', '≥', 'is between', 'is empty', 'is not empty']);
    expect(html).toContain('id="param-conditions.0.to"');
    expect(options(html, 'param-conditions.1.operator')).toEqual(['is', 'is not', 'is one of', 'contains', 'starts with', 'is empty', 'is not empty']);
    expect(options(html, 'param-conditions.2.operator')).toEqual(['is true', 'is false', 'is empty', 'is not empty']);
    expect(html).not.toContain('id="param-conditions.2.value"');
    expect(html).toContain('Condition 3');
  });

  it("a problem shows beside its condition's field, once", () => {
    const message = 'Condition 1: "abc" is not a number: write numbers like 3.5.';
    const html = render({ conditions: [{ column: 'age', operator: 'less', value: 'abc' }] }, [{ code: 'config', field: 'conditions.0.value', message }]);
    expect(html.split(message.replace(/"/g, '&quot;'))).toHaveLength(2);
    expect(html).toMatch(/id="param-conditions\.0\.value".*data-testid="field-error-conditions\.0\.value">Condition 1/);
  });

  it('picking another column keeps an operator that fits it, else takes its first', () => {
    expect(withField(items, columns, { column: 'age', operator: 'is-missing' }, 'column', 'city')).toEqual({ column: 'city', operator: 'is-missing' });
    expect(withField(items, columns, { column: 'age', operator: 'greater' }, 'column', 'city')).toEqual({ column: 'city', operator: 'equals' });
    expect(withField(items, columns, { column: 'age', operator: 'greater' }, 'column', 'paid')).toEqual({ column: 'paid', operator: 'is-true' });
    expect(withField(items, columns, { column: 'age', operator: 'greater' }, 'value', '3')).toEqual({ column: 'age', operator: 'greater', value: '3' });
  });
});
