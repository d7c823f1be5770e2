import { expect } from 'vitest';
import { IngestError } from '../../runtime/ingest/limits';

/** The IngestError that a read ends with; the test fails when it ends any other way. */
export async function ingestRefusal(read: Promise<unknown>): Promise<IngestError> {
  const error = await read.then(
    () => new Error('expected an IngestError, but the read succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IngestError);
  return error as IngestError;
}
