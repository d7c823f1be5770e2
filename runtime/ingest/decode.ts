/** Cell and header bytes → strings, in the file's encoding. */

export type Encoding = 'utf-8' | 'latin1';

export const utf8Decoder = new TextDecoder('utf-8');

/** Windows-1252 for 0x80..0x9F (the five unassigned bytes stay as they are, as in WHATWG). */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * latin1 as Excel writes it: Windows-1252. (Node 20's TextDecoder('windows-1252') decodes plain
 * ISO-8859-1, leaving 0x80..0x9F as control characters, so the difference is mapped here.)
 */
function decodeLatin1(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return /[\x80-\x9f]/.test(text) ? text.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]) : text;
}

export function decoderFor(encoding: Encoding): (bytes: Uint8Array) => string {
  return encoding === 'utf-8' ? (bytes) => utf8Decoder.decode(bytes) : decodeLatin1;
}
