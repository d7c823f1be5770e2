/** Upload options as text (the route's query parameters, the CLI's flags) read through the one schema. */
import { describe, expect, it } from 'vitest';
import { parseIngestOptionsText } from '../../runtime/ingest/options';

const parsed = (text: Parameters<typeof parseIngestOptionsText>[0]) => {
  const result = parseIngestOptionsText(text);
  if (!result.success) throw new Error(result.error.message);
  return result.data;
};

describe('upload options as text', () => {
  it('reads no options as the defaults, in the order that makes a CSV upload\'s dataset id', () => {
    expect(JSON.stringify(parsed({}))).toBe('{"format":"auto","delimiter":"auto","decimal":"auto","header":true,"encoding":"auto","badRows":"skip"}');
  });

  it('takes other spellings of a choice, in any case', () => {
    expect(parsed({ delimiter: 'tab' }).delimiter).toBe('\t');
    expect(parsed({ delimiter: 'PIPE' }).delimiter).toBe('|');
    expect(parsed({ encoding: 'UTF8' }).encoding).toBe('utf-8');
    expect(parsed({ colour: 'gray' }).colour).toBe('grey');
    expect(parsed({ format: 'XLSX' }).format).toBe('xlsx');
  });

  it('header is false only as "false"; numbers are read; a blank sheet or number is left out', () => {
    expect(parsed({ header: 'false' }).header).toBe(false);
    expect(parsed({ header: 'true' }).header).toBe(true);
    expect(parsed({ imageSize: '8', maxImages: ' 10 ' })).toMatchObject({ imageSize: 8, maxImages: 10 });
    expect(parsed({ imageSize: '', sheet: '  ' })).toMatchObject({ imageSize: undefined, sheet: undefined });
    expect(parsed({ sheet: ' Q1 ' }).sheet).toBe('Q1');
  });

  it('refuses a value the schema refuses, naming the option', () => {
    const result = parseIngestOptionsText({ imageSize: 'big', delimiter: 'x' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path[0]).sort()).toEqual(['delimiter', 'imageSize']);
  });
});
