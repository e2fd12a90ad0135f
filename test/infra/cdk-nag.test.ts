// cdk-nag (AwsSolutions): every finding is fixed or acknowledged with a reason (infra/nag-acknowledgements.ts).
// cdk-nag v3 is a CDK policy-validation plugin: unacknowledged findings fail synthesis instead of becoming annotations,
// so the test asserts both the plugin's own report and that a synth with the plugin registered succeeds.
import { describe, expect, it } from 'vitest';
import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from '../../infra/config.ts';
import { FazhiStack } from '../../infra/fazhi-stack.ts';
import { makeApp } from './support.ts';

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['defaults (retained data, no e-mail)', {}, undefined],
    ['disposable dev stage (retainData=false, alarmEmail)', { stage: 'dev2', retainData: 'false', alarmEmail: 'ops@example.org' }, undefined],
    // A concrete region turns partition tokens into literals, which could change finding IDs.
    ['pinned to cn-north-1', {}, { account: '123456789012', region: 'cn-north-1' }],
    // The override for a region without nodejs24.x: L1 is acknowledged with that reason, nothing else changes.
    [
      'cn-northwest-1 on nodejs22.x, x86_64',
      { lambdaRuntime: 'nodejs22.x', lambdaArchitecture: 'x86_64' },
      { account: '123456789012', region: 'cn-northwest-1' },
    ],
  ])('%s: no unacknowledged error or warning', (_label, context, env) => {
    const app = makeApp({ context });
    const stack = new FazhiStack(app, 'NagCheck', {
      config: readConfig((key) => app.node.tryGetContext(key)),
      ...(env ? { env } : {}),
    });

    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);

    // Registered the way infra/app.ts does it, synthesis must pass.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('is live: an unencrypted queue without DLQ fails synthesis', () => {
    const app = makeApp();
    const stack = new Stack(app, 'Bad');
    new Queue(stack, 'Plain');
    expect(new AwsSolutionsChecks(app).validateScope(stack).violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });
});
