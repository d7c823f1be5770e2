/**
 * The ZIP writer of runtime/zip.ts, for tests: it writes any entry name (including unsafe ones like
 * "../x" that real tools refuse to write), stored or deflated, UTF-8 names. Enough for yauzl and for exceljs.
 */
export { makeZip, type ZipEntry } from '../../runtime/zip';
