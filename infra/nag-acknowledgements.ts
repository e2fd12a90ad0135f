import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import type { PipelineFunction } from './constructs/pipeline-function.ts';
import type { FazhiConfig } from './config.ts';

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
  /** Key prefixes (e.g. 'reports/') whose objects the function's statements name as `<bucket>/prefix*`. */
  readonly prefixes: readonly string[];
}

/**
 * Findings of a pipeline function: the runtime (only when an operator chose the older one for a region that lacks
 * the newest), and the IAM5 object wildcards of its prefix-scoped statements. Its statements name exact actions
 * (no `s3:Get*`, no `dynamodb:*`) and the table and index by ARN, so nothing else needs a reason.
 */
export function acknowledgePipelineFunction(fn: PipelineFunction, config: Pick<FazhiConfig, 'lambdaRuntime'>, access: GrantedAccess): void {
  if (config.lambdaRuntime !== 'nodejs24.x') {
    ack(
      fn.function,
      'AwsSolutions-L1',
      `${config.lambdaRuntime} was chosen with the lambdaRuntime context parameter, for a region that does not offer nodejs24.x yet (see README, Deploying); the code is built for and tested on both.`,
    );
  }
  const bucketArn = arnRef(access.bucket);
  for (const prefix of new Set(access.prefixes)) {
    ack(
      fn.role,
      `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`,
      `Prefix-scoped object ARN: the function may only touch keys under ${prefix} (the part of the key space its stage reads or writes), with the exact actions it calls, never the whole bucket.`,
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
