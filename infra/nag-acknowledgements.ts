import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import type { PipelineFunction } from './constructs/pipeline-function.ts';

/**
 * cdk-nag (AwsSolutions pack) acknowledgements, each for one specific finding and with the reason it is accepted.
 * cdk-nag v3 reports unacknowledged findings as synth errors, so this file is the complete list of accepted ones.
 * Finding IDs name CloudFormation logical IDs (e.g. `<Data666C94C7.Arn>`), so they are computed, not hard-coded.
 */

function ack(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** `<LogicalId.Arn>` as cdk-nag prints a GetAtt of the resource's Arn inside an IAM5 finding. */
function arnRef(resource: Construct): string {
  const stack = Stack.of(resource);
  const cfn = resource.node.defaultChild as CfnElement;
  return `<${stack.resolve(cfn.logicalId) as string}.Arn>`;
}

export interface GrantedAccess {
  readonly bucket: Construct;
  /** Prefixes read with bucket.grantRead(fn, 'prefix/*'). */
  readonly readPrefixes?: readonly string[];
  /** Prefixes written with bucket.grantPut(fn, 'prefix/*'). */
  readonly putPrefixes?: readonly string[];
  /** The table, if the function has a table grant (CDK grants on the table and all its indexes). */
  readonly table?: Construct;
}

/** Findings every pipeline function has, plus the IAM5 wildcards its prefix-scoped grants produce. */
export function acknowledgePipelineFunction(fn: PipelineFunction, access: GrantedAccess): void {
  ack(
    fn.function,
    'AwsSolutions-L1',
    'nodejs22.x is a supported Lambda runtime and the one this code is built and tested for (toolchain pinned to Node 20/22-compatible releases, see tooling notes §0); cdk-nag flags every runtime except the newest (nodejs24.x). Move when the toolchain moves.',
  );

  const role = fn.role;
  const iam5 = (finding: string, reason: string): void => ack(role, `AwsSolutions-IAM5[${finding}]`, reason);
  const readPrefixes = access.readPrefixes ?? [];
  const putPrefixes = access.putPrefixes ?? [];
  const bucketArn = arnRef(access.bucket);

  if (readPrefixes.length > 0) {
    const where = readPrefixes.join(', ');
    iam5('Action::s3:GetObject*', `From bucket.grantRead on ${where} only: GetObject plus GetObjectVersion (events carry a versionId in the versioned bucket) and the object's tags/attributes.`);
    iam5('Action::s3:GetBucket*', 'From bucket.grantRead: bucket-level metadata (location, versioning) on this one bucket ARN; grants no object access.');
    iam5('Action::s3:List*', 'From bucket.grantRead: listing this one bucket, so a missing key reads as 404 NoSuchKey instead of 403 and rescore can enumerate normalized/; object reads stay prefix-scoped.');
  }
  if (putPrefixes.length > 0) {
    iam5('Action::s3:Abort*', `From bucket.grantPut on ${putPrefixes.join(', ')}: AbortMultipartUpload, so a failed multipart upload of our own output can be cleaned up. No delete permission is granted.`);
  }
  for (const prefix of new Set([...readPrefixes, ...putPrefixes])) {
    iam5(
      `Resource::${bucketArn}/${prefix}`,
      `Prefix-scoped object ARN: the function may only touch keys under ${prefix.replace(/\*$/, '')} (the part of the key space its stage owns), never the whole bucket.`,
    );
  }
  if (access.table) {
    iam5(
      `Resource::${arnRef(access.table)}/index/*`,
      'From table.grant*Data: the indexes of this one table (the byYearRubric ranking GSI is queried); no other table.',
    );
  }
}

/**
 * CDK-internal singletons created by the S3 constructs. (The autoDeleteObjects provider of retainData=false stages
 * is built from plain CfnResources, which the AwsSolutions rules do not inspect; the nag test covers that variant.)
 */
export function acknowledgeCdkSingletons(stack: Stack): void {
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('BucketNotificationsHandler')) {
      ack(
        child,
        // The handler builds this ARN with the AWS::Partition pseudo parameter even when the region is known.
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's BucketNotificationsHandler singleton (installs the bucket's S3→SQS notification configuration at deploy time only). Its role is created by aws-cdk-lib; the managed policy only lets it write its own CloudWatch logs.",
      );
    }
  }
}
