import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/**
 * s3rver 3.7.1's filesystem store is not safe against a read of an object while it is overwritten, which the upload
 * pages do all the time (they poll their status object while the pipeline rewrites it):
 *
 * - putObject truncates the file in place and answers before its last write has landed, so a GET right after the PUT
 *   can see part of the new bytes;
 * - getObject declares the length it found by `stat`, then opens the file again to stream it; if the file was
 *   truncated meanwhile the stream ends early, the answer is short of its Content-Length and the client waits for
 *   the missing bytes forever.
 *
 * - its metadata files are rewritten in place too, so a read can parse a half-written JSON file (an InternalError).
 *
 * Measured on this stack: 2 of 6 reads during 400 overwrites hung, and 2 of 300 put-then-get pairs read wrong bytes.
 * Here the store writes each object and its metadata to temporary files and renames them into place once complete
 * (a reader sees the old or the new file, never a partial one), and reads an object through one open file, whose
 * length is what it declares.
 * Nothing else of s3rver changes; AWS S3 gives these guarantees itself (strong read-after-write consistency).
 */

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable | null;
  metadata: Record<string, string | number>;
  range?: { start: number; end: number };
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  putSubresource(bucket: string, key: string | undefined, resource: { type: string }): Promise<void>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void>;
  deleteBucket(bucket: string): Promise<void>;
  putMetadata(bucket: string, key: string, metadata: S3rverObject['metadata'], md5?: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3rverObject | null>;
}

let partials = 0;

export function makeStoreConsistent(server: S3rver): void {
  // s3rver keeps its store on the instance (`this.store = this.context.store`); its typings leave that out.
  const store = (server as unknown as { store: FilesystemStore }).store;
  const getObject = store.getObject.bind(store);
  const putMetadata = store.putMetadata.bind(store);

  store.putMetadata = async (bucket, key, metadata, md5) => {
    // Written under a temporary key next to the real one (s3rver names the files), then renamed over them.
    const slash = key.lastIndexOf('/');
    const temporary = `${key.slice(0, slash + 1)}.${key.slice(slash + 1)}.partial-${process.pid}-${partials++}`;
    await putMetadata(bucket, temporary, metadata, md5);
    const resources = md5 === undefined ? ['metadata.json'] : ['object.md5', 'metadata.json'];
    for (const resource of resources) await rename(store.getResourcePath(bucket, temporary, resource), store.getResourcePath(bucket, key, resource));
  };

  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    // Not named like an object file, so listings never show it.
    const partial = `${objectPath}.partial-${process.pid}-${partials++}`;
    const md5 = createHash('md5');
    let size = 0;
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : (object.content ?? Readable.from([]));
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, measure, createWriteStream(partial));
      await rename(partial, objectPath);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };

  store.getObject = async (bucket, key, options) => {
    const object = await getObject(bucket, key, options);
    // Ranged reads keep s3rver's own path (nothing here asks for a range).
    if (!object?.content || object.range || Buffer.isBuffer(object.content)) return object;
    object.content.destroy();
    let bytes: Buffer;
    try {
      const file = await open(store.getResourcePath(bucket, key, 'object'), 'r');
      try {
        bytes = await file.readFile();
      } finally {
        await file.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    object.content = Readable.from([bytes]);
    object.metadata['content-length'] = bytes.length;
    return object;
  };
}

/**
 * s3rver reads the bucket's CORS and website configurations from their files on every request (its cors and website
 * middlewares), two file reads per object request that cost as much as the object's own I/O in a burst. They change
 * only through s3rver's own API, so the parsed configuration is kept in memory per bucket and dropped whenever that API
 * writes or deletes one (or the bucket). Object-level subresources (tagging) are read as before.
 */
export function cacheBucketSubresources(server: S3rver): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  const getSubresource = store.getSubresource.bind(store);
  const putSubresource = store.putSubresource.bind(store);
  const deleteSubresource = store.deleteSubresource.bind(store);
  const deleteBucket = store.deleteBucket.bind(store);
  const cache = new Map<string, Promise<unknown>>();
  const entry = (bucket: string, type: string) => `${bucket}\u0000${type}`;
  const forget = (bucket: string, key: string | undefined, type: string) => {
    if (!key) cache.delete(entry(bucket, type));
  };

  store.getSubresource = (bucket, key, type) => {
    if (key) return getSubresource(bucket, key, type);
    let config = cache.get(entry(bucket, type));
    if (!config) {
      config = getSubresource(bucket, key, type);
      cache.set(entry(bucket, type), config);
      // A failed read is not remembered.
      config.catch(() => cache.delete(entry(bucket, type)));
    }
    return config;
  };
  store.putSubresource = async (bucket, key, resource) => {
    forget(bucket, key, resource.type);
    try {
      await putSubresource(bucket, key, resource);
    } finally {
      forget(bucket, key, resource.type);
    }
  };
  store.deleteSubresource = async (bucket, key, type) => {
    forget(bucket, key, type);
    try {
      await deleteSubresource(bucket, key, type);
    } finally {
      forget(bucket, key, type);
    }
  };
  store.deleteBucket = async (bucket) => {
    try {
      await deleteBucket(bucket);
    } finally {
      for (const name of [...cache.keys()]) if (name.startsWith(`${bucket}\u0000`)) cache.delete(name);
    }
  };
}
