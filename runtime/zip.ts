/**
 * ZIP archives in memory: a small writer (stored or deflated entries, UTF-8 names) and a reader with
 * limits, on yauzl. The reader refuses, rather than skips, what a hostile archive may hold: an
 * absolute or climbing ("../") name, a duplicate name, too many entries, or more bytes unpacked than
 * allowed (sizes are checked while inflating, so a zip bomb stops at the limit).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

export interface ZipEntry {
  name: string;
  data: Uint8Array | string;
  /** Deflate the data (default: stored as is). */
  deflate?: boolean;
}

/** The archive's bytes: entries in order, each with its CRC-32, sizes and a 1980-01-01 date (the same input, the same bytes). */
export function makeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data);
    const body = entry.deflate ? deflateRawSync(raw) : raw;
    const method = entry.deflate ? 8 : 0;
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

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
