// Shared helpers for the CDK tests: an App built like the CLI builds it (cdk.json context, incl. feature flags).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readConfig } from '../../infra/config.ts';
import { FazhiStack } from '../../infra/fazhi-stack.ts';
import { REPO_ROOT } from '../../infra/paths.ts';

const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };

/** cdk.json's context: the feature flags must be the same in tests and in `cdk synth`. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = cdkJson.context ?? {};

export interface AppOptions {
  /** Really bundle the Lambda assets (slow); default false. */
  readonly bundle?: boolean;
  /** Extra context, e.g. { retainData: 'false' } as `-c retainData=false` would give. */
  readonly context?: Record<string, unknown>;
}

export function makeApp(options: AppOptions = {}): App {
  return new App({
    context: {
      ...CDK_JSON_CONTEXT,
      // An empty list skips bundling for every stack: assets get a stable placeholder hash.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
}

export interface Synthesized {
  readonly app: App;
  readonly stack: FazhiStack;
  readonly template: Template;
}

/** Builds the stack the way infra/app.ts does (config read from context) and synthesizes its template. */
export function synthFazhi(options: AppOptions & { env?: Environment; id?: string } = {}): Synthesized {
  const app = makeApp(options);
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stack = new FazhiStack(app, options.id ?? `FazhiScore-${config.stage}`, {
    config,
    ...(options.env ? { env: options.env } : {}),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The CloudFormation logical ID of an L2 construct's default child (or of a CfnElement itself). */
export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation element`);
  return Stack.of(element).resolve(element.logicalId) as string;
}

export type Json = Record<string, unknown>;

/** One resource of a synthesized template, as the tests read it. */
export interface TemplateResource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export const resourcesOf = (template: Template): Record<string, TemplateResource> => template.toJSON().Resources as Record<string, TemplateResource>;

/** The resources of one CloudFormation type, with their logical IDs. */
export const ofType = (resources: Record<string, TemplateResource>, type: string): Array<[string, TemplateResource]> =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

/** `{ "Fn::GetAtt": [id, attr] }`, as a template refers to another resource's attribute. */
export const getAtt = (id: string, attr = 'Arn'): Json => ({ 'Fn::GetAtt': [id, attr] });
