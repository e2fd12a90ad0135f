import { PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { BUCKET_CORS } from '../../schemas/storage.ts';

/**
 * The local bucket's CORS rule, from the same definition the CDK stack uses (schemas/storage.ts BUCKET_CORS), set
 * through the S3 API as an operator would; s3rver then answers the upload pages' preflights and adds the headers.
 */
export async function ensureBucketCors(client: S3Client, bucket: string): Promise<void> {
  await client.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedMethods: [...BUCKET_CORS.allowedMethods],
            AllowedOrigins: [...BUCKET_CORS.allowedOrigins],
            ...(BUCKET_CORS.allowedHeaders.length > 0 ? { AllowedHeaders: [...BUCKET_CORS.allowedHeaders] } : {}),
            ExposeHeaders: [...BUCKET_CORS.exposedHeaders],
            MaxAgeSeconds: BUCKET_CORS.maxAgeSeconds,
          },
        ],
      },
    }),
  );
}

/** The CORS headers S3 adds to an answer (errors included) for a request from `origin`, per the bucket's rule. */
export function corsHeadersFor(origin: string | undefined, method: string): Record<string, string> {
  if (!origin || !(BUCKET_CORS.allowedMethods as readonly string[]).includes(method.toUpperCase())) return {};
  const anyOrigin = (BUCKET_CORS.allowedOrigins as readonly string[]).includes('*');
  if (!anyOrigin && !(BUCKET_CORS.allowedOrigins as readonly string[]).includes(origin)) return {};
  return {
    'access-control-allow-origin': anyOrigin ? '*' : origin,
    'access-control-expose-headers': BUCKET_CORS.exposedHeaders.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}
