/**
 * Reading ZIP archives in memory, with limits, on yauzl. It refuses, rather than skips, what a
 * hostile archive may hold: an absolute or climbing ("../") name, a duplicate name, too many entries,
 * or more bytes unpacked than allowed (sizes are checked while inflating, so a zip bomb stops at the limit).
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/** Why an archive was refused, in words for the person who sent it. */
export class ZipRefused extends Error {}

export interface ZipLimits {
  maxEntries: number;
  /** All entries together, unpacked. */
  maxUnpackedBytes: number;
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Every file of the archive by name (folders left out), or ZipRefused. */
export async function readZip(bytes: Buffer, limits: ZipLimits): Promise<Map<string, Buffer>> {
  let zip: ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true });
  } catch (error) {
    throw new ZipRefused(`This is not a ZIP archive that can be read (${reason(error)}).`);
  }
  const files = new Map<string, Buffer>();
  let unpacked = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith('/')) continue;
      if (files.has(name)) throw new ZipRefused(`The archive holds "${name.slice(0, 100)}" twice.`);
      if (files.size >= limits.maxEntries) throw new ZipRefused(`The archive holds more than ${limits.maxEntries} files.`);
      if (unpacked + entry.uncompressedSize > limits.maxUnpackedBytes) throw tooLarge(limits);
      files.set(name, await readEntry(zip, entry, limits.maxUnpackedBytes - unpacked, limits));
      unpacked += files.get(name)!.length;
    }
  } catch (error) {
    zip.close();
    if (error instanceof ZipRefused) throw error;
    // yauzl checks every name as it reads the directory: "../x", "/etc/x" and "a\\b" end the read.
    if (/relative path|absolute path|invalid characters/.test(reason(error))) throw new ZipRefused(`The archive holds an unsafe file name (${reason(error)}): refused.`);
    throw new ZipRefused(`The ZIP archive is damaged and cannot be read (${reason(error)}).`);
  }
  return files;
}

const tooLarge = (limits: ZipLimits) => new ZipRefused(`The archive unpacks to more than ${Math.round(limits.maxUnpackedBytes / 2 ** 20)} MB.`);

async function readEntry(zip: ZipFile, entry: Entry, room: number, limits: ZipLimits): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > room) {
      stream.destroy();
      throw tooLarge(limits);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
