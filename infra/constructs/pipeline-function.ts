import { Stack } from 'aws-cdk-lib';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable, IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Charset, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../paths.ts';
import { join } from 'node:path';

/**
 * ESM output needs `require`, `__filename` and `__dirname` for the CommonJS dependencies esbuild inlines (exceljs,
 * mammoth, word-extractor call `require('fs')` etc. at run time). Prefixed import names avoid clashing with bundled
 * identifiers; esbuild renames its own top-level bindings around these.
 */
export const ESM_REQUIRE_BANNER =
  "import{createRequire as __fzCreateRequire}from'node:module';" +
  "import{fileURLToPath as __fzFileURLToPath}from'node:url';" +
  "import{dirname as __fzDirname}from'node:path';" +
  'const require=__fzCreateRequire(import.meta.url);' +
  'const __filename=__fzFileURLToPath(import.meta.url);' +
  'const __dirname=__fzDirname(__filename);';

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
  /** Extra shell commands run after esbuild, with the project root and the asset directory (e.g. copying data). */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * One pipeline stage's Lambda with the house defaults: Node.js 22 on arm64, ESM bundle built by the local esbuild (no
 * Docker), AWS SDK bundled (the version we test with, not whatever the runtime ships), source maps, an explicit log
 * group with retention, and its own role that may only write to that log group (no AWSLambdaBasicExecutionRole, which
 * would allow creating and writing any log group).
 */
export class PipelineFunction extends Construct implements IGrantable {
  readonly function: NodejsFunction;
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

    const afterBundling = props.afterBundling;
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer ESM entry points (tree-shakable), fall back to CJS for packages that only ship that.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings only; leaving sources out halves the .map size.
        sourcesContent: false,
        // Chinese string literals stay UTF-8 instead of \u escapes (smaller, readable in the console).
        charset: Charset.UTF8,
        // Rubrics are imported as JSON modules; explicit so a loader change in esbuild cannot break the build.
        loader: { '.json': 'json' },
        bundleAwsSDK: true,
        forceDockerBundling: false,
        ...(afterBundling
          ? {
              commandHooks: {
                beforeBundling: (): string[] => [],
                beforeInstall: (): string[] => [],
                afterBundling: (inputDir: string, outputDir: string): string[] => afterBundling(inputDir, outputDir),
              },
            }
          : {}),
      },
    });
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }
}
