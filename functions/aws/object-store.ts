import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { z } from 'zod';
import { parseAt } from '../shared/boundary.ts';

/** The data bucket: objects in and out as bytes or zod-checked JSON, and presigned downloads. */

export interface StoredObject {
  bytes: Uint8Array;
  /** S3 user metadata (`x-amz-meta-*`), names lower-cased without the prefix. */
  metadata: Record<string, string>;
  contentType?: string;
  lastModified?: Date;
}

/** One object of a listing: what the reconciler compares with the status items. */
export interface ListedObject {
  key: string;
  size: number;
  /** As S3 reports it, quoted (`"d41d8…"`); the S3 event carries the same value unquoted. */
  eTag?: string;
  lastModified: Date;
}

/** Lists the objects under a prefix (the reconciler lists reports/; its role may list nothing else). */
export interface ObjectLister {
  list(prefix: string): Promise<ListedObject[]>;
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
}

const isNotFound = (error: unknown): boolean => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NoSuchVersion' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

/** What the handlers need of the bucket (the S3 adapter below; tests wrap it to inject faults). */
export interface ObjectStore {
  readonly bucket: string;
  get(key: string, versionId?: string): Promise<StoredObject>;
  getJson<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S>>;
  put(key: string, body: Uint8Array | string, options: { contentType: string; metadata?: Record<string, string> }): Promise<void>;
  /** A body of unknown length, sent as it is produced (a multipart upload above one part); rejects if the body fails. */
  putStream(key: string, body: Readable, options: { contentType: string }): Promise<void>;
  putJson(key: string, value: unknown): Promise<void>;
  presignGet(key: string, options: { expiresIn: number; contentDisposition?: string; contentType?: string }): Promise<string>;
}

export class S3ObjectStore implements ObjectStore, ObjectLister {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async get(key: string, versionId?: string): Promise<StoredObject> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
      if (!response.Body) throw new Error(`s3://${this.bucket}/${key} has no body`);
      return {
        bytes: await response.Body.transformToByteArray(),
        metadata: response.Metadata ?? {},
        ...(response.ContentType ? { contentType: response.ContentType } : {}),
        ...(response.LastModified ? { lastModified: response.LastModified } : {}),
      };
    } catch (error) {
      if (isNotFound(error))
        throw new ObjectNotFoundError(`s3://${this.bucket}/${key}${versionId ? ` (version ${versionId})` : ''} does not exist`, { cause: error });
      throw error;
    }
  }

  /** Every object under `prefix`, following continuation tokens (1,000 per page). */
  async list(prefix: string): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        objects.push({ key: o.Key, size: o.Size ?? 0, ...(o.ETag ? { eTag: o.ETag } : {}), lastModified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async getJson<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S>> {
    const { bytes } = await this.get(key);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch (error) {
      throw new Error(`s3://${this.bucket}/${key} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    return parseAt(schema, json, `s3://${this.bucket}/${key}`);
  }

  async put(key: string, body: Uint8Array | string, options: { contentType: string; metadata?: Record<string, string> }): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: options.contentType,
        ...(options.metadata && Object.keys(options.metadata).length > 0 ? { Metadata: options.metadata } : {}),
      }),
    );
  }

  /**
   * lib-storage's Upload: parts of 5 MB, four in flight (≈ 20 MB buffered at most), one PutObject when the body is
   * smaller than a part; a failed upload is aborted (its parts discarded). Loaded on first use: only the export streams.
   * Local endpoints need `requestChecksumCalculation: 'WHEN_REQUIRED'` (clients.ts), or s3rver stores a streamed body
   * with its aws-chunked framing.
   */
  async putStream(key: string, body: Readable, options: { contentType: string }): Promise<void> {
    const { Upload } = await import('@aws-sdk/lib-storage');
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType },
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.put(key, JSON.stringify(value), { contentType: 'application/json; charset=utf-8' });
  }

  /** A short-lived GET link; `contentDisposition` makes the browser save it under a (Chinese) file name. */
  async presignGet(key: string, options: { expiresIn: number; contentDisposition?: string; contentType?: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.contentDisposition ? { ResponseContentDisposition: options.contentDisposition } : {}),
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresIn });
  }
}
