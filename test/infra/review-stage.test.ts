// Template assertions for the review stage: reviews/ → its queue (DLQ, alarms) → the review function, least privilege.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { KEY_PREFIX } from '../../schemas/storage.ts';
import type { FazhiStack } from '../../infra/fazhi-stack.ts';
import { getAtt, logicalId, ofType, resourcesOf, synthFazhi, type Json, type TemplateResource } from './support.ts';

let stack: FazhiStack;
let template: Template;
let resources: Record<string, TemplateResource>;

beforeAll(() => {
  ({ stack, template } = synthFazhi());
  resources = resourcesOf(template);
});

const byType = (type: string): Array<[string, TemplateResource]> => ofType(resources, type);

describe('review stage', () => {
  it('every object created under reviews/ goes to the review queue (a wrong file there is refused with a reason)', () => {
    // Prepare
    const [, notifications] = byType('Custom::S3BucketNotifications')[0]!;
    const configs = (
      notifications.Properties.NotificationConfiguration as {
        QueueConfigurations: { Filter: { Key: { FilterRules: { Name: string; Value: string }[] } }; QueueArn: Json; Events: string[] }[];
      }
    ).QueueConfigurations;
    // Act
    const review = configs.filter((c) => JSON.stringify(c.QueueArn) === JSON.stringify(getAtt(logicalId(stack.reviewQueue.queue))));
    // Assess
    expect(review).toHaveLength(1);
    expect(review[0]!.Events).toEqual(['s3:ObjectCreated:*']);
    expect(review[0]!.Filter.Key.FilterRules).toEqual([{ Name: 'prefix', Value: KEY_PREFIX.reviews }]);
  });

  it('has a dead-letter queue, DLQ and age alarms and an error alarm, all to the alarm topic', () => {
    const redrive = resources[logicalId(stack.reviewQueue.queue)]!.Properties.RedrivePolicy as { deadLetterTargetArn: Json; maxReceiveCount: number };
    expect(redrive.deadLetterTargetArn).toEqual(getAtt(logicalId(stack.reviewQueue.deadLetterQueue)));
    const topic = { Ref: logicalId(stack.alarmTopic) };
    for (const alarm of [stack.reviewQueue.dlqDepthAlarm, stack.reviewQueue.ageAlarm, stack.functions.review.node.findChild('ErrorsAlarm')]) {
      expect(resources[logicalId(alarm)]!.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    }
  });

  it('the function consumes the queue one workbook at a time, with partial batch responses, and knows maxReceiveCount', () => {
    const fnId = logicalId(stack.functions.review.function);
    const [, mapping] = byType('AWS::Lambda::EventSourceMapping').find(([, m]) => (m.Properties.FunctionName as { Ref: string }).Ref === fnId)!;
    expect(mapping.Properties).toMatchObject({
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: getAtt(logicalId(stack.reviewQueue.queue)),
    });
    const env = (resources[fnId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(['BUCKET_NAME', 'LOG_LEVEL', 'MAX_RECEIVE_COUNT', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'TABLE_NAME']);
    expect(env.MAX_RECEIVE_COUNT).toBe(String(stack.reviewQueue.maxReceiveCount));
  });

  it('reads reviews/, scores/ and normalized/, writes exports/ only, and may delete nothing', () => {
    const roleId = logicalId(stack.functions.review.role);
    const statements = byType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const text = JSON.stringify(statements);
    for (const prefix of [KEY_PREFIX.reviews, KEY_PREFIX.scores, KEY_PREFIX.normalized, KEY_PREFIX.exports]) expect(text).toContain(`/${prefix}*`);
    expect(text).not.toContain(`/${KEY_PREFIX.reports}*`);
    expect(text).not.toMatch(/s3:Delete|s3:\*/u);
    const puts = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(puts)).not.toMatch(/reviews\/|scores\/|normalized\//u);
    // Append-only in the table: new items by conditional PutItem, never an update of the machine's score items.
    const tableActions = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
    expect(tableActions.sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
  });
});
