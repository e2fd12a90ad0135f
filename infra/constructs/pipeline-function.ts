import { Stack } from 'aws-cdk-lib';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable, IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundledCode } from './esbuild-bundle.ts';

export interface PipelineFunctionProps {
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Handler-specific variables; NODE_OPTIONS is added here. */
  readonly environment: Record<string, string>;
  /** Log group retention; logs are operational only, so short. */
  readonly logRetention?: RetentionDays;
  /** Applies to the log group: dev stages should not leave log groups behind. */
  readonly removalPolicy: RemovalPolicy;
  /** Data directories shipped next to the bundle (e.g. pdf.js CMaps): absolute source → directory in the asset. */
  readonly copy?: readonly { from: string; to: string }[];
  /** More entry points bundled beside index.mjs (the isolated worker of ingest and score). */
  readonly extraEntries?: Readonly<Record<string, string>>;
  readonly runtime: Runtime;
  readonly architecture: Architecture;
}

/**
 * One pipeline stage's Lambda with the house defaults: the runtime and architecture the stack chooses (Node.js 24 on
 * arm64 unless overridden for a region that lacks them), an ESM bundle with code splitting built by
 * the local esbuild (no Docker; see esbuild-bundle.ts), AWS SDK bundled (the version we test with, not whatever the
 * runtime ships), source maps, an explicit log group with retention, and its own role that may only write to that log
 * group (no AWSLambdaBasicExecutionRole, which would allow creating and writing any log group).
 */
export class PipelineFunction extends Construct implements IGrantable {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${Stack.of(this).stackName} ${id} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new LambdaFunction(this, 'Function', {
      code: bundledCode({
        entry: props.entry,
        ...(props.copy ? { copy: props.copy } : {}),
        ...(props.extraEntries ? { extraEntries: props.extraEntries } : {}),
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: props.runtime,
      architecture: props.architecture,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    });
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }
}
