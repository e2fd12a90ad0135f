import { Transform, type TransformCallback } from 'node:stream';
import { writeWorkbook, type WorkbookInput, type WrittenWorkbook } from '../../pipeline/workbook/index.ts';
import type { ObjectStore } from '../aws/object-store.ts';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Passes the workbook's bytes on to the upload and counts them. */
class CountingStream extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * The workbook streamed into S3 as it is written (ObjectStore.putStream: a multipart upload once it passes one part),
 * so neither the workbook's model nor its bytes are ever whole in memory. Either side failing stops the other: a
 * failed upload fails the writer (instead of leaving it waiting for room), a failed writer aborts the upload (its
 * parts are discarded, nothing is left under the key).
 */
export async function uploadWorkbook(store: ObjectStore, key: string, input: WorkbookInput): Promise<WrittenWorkbook & { bytes: number }> {
  const body = new CountingStream();
  const uploaded = store.putStream(key, body, { contentType: XLSX_CONTENT_TYPE });
  uploaded.catch((error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))));
  let written: WrittenWorkbook;
  try {
    written = await writeWorkbook(input, body);
  } catch (error) {
    body.destroy(error as Error);
    await uploaded.catch(() => undefined);
    throw error;
  }
  await uploaded;
  return { ...written, bytes: body.bytes };
}
