/** Guessing a delimited file's delimiter and decimal mark from its first bytes. */
import type { Decimal } from './infer';

export type Delimiter = ',' | ';' | '\t' | '|';

const CANDIDATES: Delimiter[] = [',', ';', '\t', '|'];

/** Field counts of the first records of `sample` split on `delimiter`, honouring quotes. */
function fieldCounts(sample: string, delimiter: string, complete: boolean, maxRecords = 50): number[] {
  const counts: number[] = [];
  let fields = 1;
  let inQuotes = false;
  let atFieldStart = true;
  let recordHasContent = false;
  let recordStartedAt = 0;
  for (let i = 0; i < sample.length && counts.length < maxRecords; i++) {
    const ch = sample[i];
    if (inQuotes) {
      if (ch === '"') {
        if (sample[i + 1] === '"') i++;
        else inQuotes = false;
      }
      continue;
    }
    if (ch === '"' && atFieldStart) {
      inQuotes = true;
      atFieldStart = false;
      recordHasContent = true;
    } else if (ch === delimiter) {
      fields++;
      atFieldStart = true;
      recordHasContent = true;
    } else if (ch === '\n' || ch === '\r') {
      if (recordHasContent) counts.push(fields);
      fields = 1;
      atFieldStart = true;
      recordHasContent = false;
      recordStartedAt = i + 1;
    } else if (ch !== ' ') {
      atFieldStart = false;
      if (ch.trim() !== '') recordHasContent = true;
    }
  }
  if (complete && recordHasContent && counts.length < maxRecords && recordStartedAt < sample.length) counts.push(fields);
  return counts;
}

/**
 * The delimiter that splits the first records most consistently: the share of records with as many
 * fields as the first one (which must be more than one), then more fields, then the order , ; tab |.
 * ',' when nothing splits (a one-column file).
 */
export function sniffDelimiter(sample: string, complete = true): Delimiter {
  let best: Delimiter = ',';
  let bestScore = -1;
  let bestFields = 0;
  for (const candidate of CANDIDATES) {
    const counts = fieldCounts(sample, candidate, complete);
    if (counts.length === 0 || counts[0] < 2) continue;
    const score = counts.filter((c) => c === counts[0]).length / counts.length;
    if (score > bestScore || (score === bestScore && counts[0] > bestFields)) {
      best = candidate;
      bestScore = score;
      bestFields = counts[0];
    }
  }
  return best;
}

/** ',' when the sample's unquoted fields hold numbers like 1,5 (and at least as many as like 1.5). */
export function sniffDecimal(sample: string, delimiter: Delimiter): Decimal {
  if (delimiter === ',') return '.';
  let comma = 0;
  let dot = 0;
  for (const line of sample.split(/\r\n|\n|\r/).slice(0, 2000)) {
    for (const raw of line.split(delimiter)) {
      const field = raw.trim().replace(/^"(.*)"$/, '$1');
      if (/^[-+]?\d+,\d+(?:[eE][-+]?\d+)?$/.test(field)) comma++;
      else if (/^[-+]?\d*\.\d+(?:[eE][-+]?\d+)?$/.test(field)) dot++;
    }
  }
  return comma > 0 && comma >= dot ? ',' : '.';
}
