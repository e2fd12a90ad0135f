// Template assertions for the Fazhi stack (bundling skipped: assets get placeholder hashes).
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { KEY_PREFIX, NOTIFICATIONS, TABLE } from '../../schemas/storage.ts';
import { RemovalPolicy } from 'aws-cdk-lib';
import { PDF_DATA_DIR, pipelineFunctionProps } from '../../infra/fazhi-stack.ts';
import { ISOLATED_WORKER_ENTRY } from '../../infra/paths.ts';
import { functionTimeoutSeconds, STAGE_BUDGETS } from '../../functions/shared/budgets.ts';
import { EXTRACT_TIMEOUT_MS } from '../../pipeline/extract/limits.ts';
import { SCORE_TIME_BUDGET_MS } from '../../pipeline/score/budget.ts';
import type { FazhiStack, FunctionName } from '../../infra/fazhi-stack.ts';
import { overlappingFilters } from '../../infra/notification-filters.ts';
import { getAtt, logicalId, ofType, resourcesOf, synthFazhi, type Json, type TemplateResource } from './support.ts';

let stack: FazhiStack;
let template: Template;
let resources: Record<string, TemplateResource>;

beforeAll(() => {
  ({ stack, template } = synthFazhi());
  resources = resourcesOf(template);
});

const byType = (type: string): Array<[string, TemplateResource]> => ofType(resources, type);
const FUNCTION_NAMES: FunctionName[] = ['ingest', 'score', 'export', 'rescore', 'reconcile', 'review'];

describe('data bucket', () => {
  it('is versioned, SSE-S3 encrypted, fully private and logs access to the log bucket', () => {
    const props = resources[logicalId(stack.bucket)]?.Properties;
    expect(props).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types its asymmetric matchers as any
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.stringMatching(/^AccessLogs/) } },
    });
  });

  it('lets the upload pages POST reports and GET status objects from any origin (CORS), and nothing else', () => {
    // Prepare / Act
    const cors = resources[logicalId(stack.bucket)]?.Properties.CorsConfiguration as { CorsRules: Json[] };
    // Assess: one rule; no PUT or DELETE from a browser
    expect(cors.CorsRules).toEqual([{ AllowedMethods: ['POST', 'GET'], AllowedOrigins: ['*'], AllowedHeaders: [], ExposedHeaders: ['ETag'], MaxAge: 3000 }]);
  });

  it('never expires a current version, and by default keeps every replaced original under reports/ for ever', () => {
    const rules = (resources[logicalId(stack.bucket)]?.Properties.LifecycleConfiguration as { Rules: Json[] }).Rules;
    for (const rule of rules) {
      expect(rule).not.toHaveProperty('ExpirationInDays');
      expect(rule).not.toHaveProperty('ExpirationDate');
      expect(rule).not.toHaveProperty('Transitions');
    }
    // No rule that could expire anything under reports/: neither for that prefix nor for the whole bucket.
    const touchingReports = rules.filter(
      (r) =>
        (r.Prefix === undefined || (typeof r.Prefix === 'string' && KEY_PREFIX.reports.startsWith(r.Prefix))) && r.NoncurrentVersionExpiration !== undefined,
    );
    expect(touchingReports).toEqual([]);
    expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }));
  });

  it("lets old versions of the units' status objects expire like other derived objects (rewritten at every status change)", () => {
    const rules = (resources[logicalId(stack.bucket)]?.Properties.LifecycleConfiguration as { Rules: Json[] }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: KEY_PREFIX.status, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }));
  });

  it('keeps replaced originals for the retention an operator sets (never under a year)', () => {
    const { stack: kept, template: keptTemplate } = synthFazhi({ context: { originalVersionRetentionDays: '1825' } });
    const rules = (resourcesOf(keptTemplate)[logicalId(kept.bucket)]?.Properties.LifecycleConfiguration as { Rules: Json[] }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: KEY_PREFIX.reports, NoncurrentVersionExpiration: { NoncurrentDays: 1825 } }));
    expect(() => synthFazhi({ context: { originalVersionRetentionDays: '30' } })).toThrow(/originalVersionRetentionDays/);
  });

  it('denies non-TLS requests (both buckets) and TLS below 1.2 (data bucket)', () => {
    for (const [, policy] of byType('AWS::S3::BucketPolicy')) {
      expect(policy.Properties.PolicyDocument).toMatchObject({
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types its asymmetric matchers as any
        Statement: expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      });
    }
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.bucket) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } })]) },
    });
  });

  it('retains bucket and table by default', () => {
    expect(resources[logicalId(stack.bucket)]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(resources[logicalId(stack.table)]).toMatchObject({ DeletionPolicy: 'Retain' });
  });
});

describe('event notifications', () => {
  type QueueConfig = { Events: string[]; Filter: { Key: { FilterRules: Array<{ Name: string; Value: string }> } }; QueueArn: Json };
  const configs = (): QueueConfig[] => {
    const [only, ...rest] = byType('Custom::S3BucketNotifications');
    expect(rest).toHaveLength(0);
    const notification = only?.[1].Properties.NotificationConfiguration as Json;
    expect(notification).not.toHaveProperty('LambdaFunctionConfigurations');
    expect(notification).not.toHaveProperty('TopicConfigurations');
    return notification.QueueConfigurations as QueueConfig[];
  };
  const filterOf = (c: QueueConfig): { prefix: string; suffix: string } => {
    const rule = (name: string): string => c.Filter.Key.FilterRules.find((r) => r.Name === name)?.Value ?? '';
    return { prefix: rule('prefix'), suffix: rule('suffix') };
  };

  it('sends every OBJECT_CREATED under reports/, whatever its suffix, to the ingest queue (a wrong file type ends failed, not lost)', () => {
    const ingestArn = getAtt(logicalId(stack.ingestQueue.queue));
    const matching = configs().filter((c) => filterOf(c).prefix === KEY_PREFIX.reports);
    expect(matching).toHaveLength(1);
    expect(filterOf(matching[0] as QueueConfig).suffix).toBe('');
    expect(matching[0]).toMatchObject({ Events: ['s3:ObjectCreated:*'], QueueArn: ingestArn });
  });

  it('sends normalized/*.json to the score queue, and nothing else exists', () => {
    const scoreConfigs = configs().filter((c) => filterOf(c).prefix === KEY_PREFIX.normalized);
    expect(scoreConfigs).toEqual([expect.objectContaining({ Events: ['s3:ObjectCreated:*'], QueueArn: getAtt(logicalId(stack.scoreQueue.queue)) })]);
    expect(filterOf(scoreConfigs[0] as QueueConfig).suffix).toBe('.json');
    expect(configs()).toHaveLength(NOTIFICATIONS.length);
  });

  it('has no overlapping filters (S3 would reject the configuration)', () => {
    expect(overlappingFilters(configs().map(filterOf))).toEqual([]);
  });

  it('lets only this bucket send to the queues', () => {
    for (const queue of [stack.ingestQueue.queue, stack.scoreQueue.queue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: Match.arrayWith(['sqs:SendMessage']),
              Condition: { ArnLike: { 'aws:SourceArn': getAtt(logicalId(stack.bucket)) } },
            }),
          ]),
        },
      });
    }
  });
});

describe('queues', () => {
  const pairs = (): Array<{ name: 'ingest' | 'score'; queue: Json; dlq: Json; queueId: string; dlqId: string }> =>
    (['ingest', 'score'] as const).map((name) => {
      const wq = name === 'ingest' ? stack.ingestQueue : stack.scoreQueue;
      const queueId = logicalId(wq.queue);
      const dlqId = logicalId(wq.deadLetterQueue);
      return { name, queueId, dlqId, queue: resources[queueId]?.Properties ?? {}, dlq: resources[dlqId]?.Properties ?? {} };
    });

  it('every queue is SSE-encrypted and TLS-only', () => {
    const queues = byType('AWS::SQS::Queue');
    // ingest, score and review (test/infra/review-stage.test.ts), each with its dead-letter queue.
    expect(queues).toHaveLength(6);
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('main queues redrive to their DLQ after 3–5 receives; DLQs outlive the main queue', () => {
    for (const { queue, dlq, dlqId } of pairs()) {
      const redrive = queue.RedrivePolicy as { deadLetterTargetArn: Json; maxReceiveCount: number };
      expect(redrive.deadLetterTargetArn).toEqual(getAtt(dlqId));
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(3);
      expect(redrive.maxReceiveCount).toBeLessThanOrEqual(5);
      expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      expect(Number(dlq.MessageRetentionPeriod)).toBeGreaterThan(Number(queue.MessageRetentionPeriod));
      expect(dlq).not.toHaveProperty('RedrivePolicy');
    }
  });

  it('visibility timeout is at least 6 × the consuming function timeout', () => {
    const mappings = byType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const [, mapping] of mappings) {
      const queueId = ((mapping.Properties.EventSourceArn as Json)['Fn::GetAtt'] as string[])[0] as string;
      const functionId = (mapping.Properties.FunctionName as { Ref: string }).Ref;
      const visibility = Number(resources[queueId]?.Properties.VisibilityTimeout);
      const timeout = Number(resources[functionId]?.Properties.Timeout);
      const window = Number(mapping.Properties.MaximumBatchingWindowInSeconds ?? 0);
      expect(timeout).toBeGreaterThan(0);
      expect(visibility, `${queueId} vs ${functionId}`).toBeGreaterThanOrEqual(6 * timeout + window);
    }
  });

  it('event sources report partial batch failures with bounded batch size and concurrency', () => {
    const expectations = [
      { fn: stack.functions.ingest, queue: stack.ingestQueue.queue, maxBatch: 5 },
      { fn: stack.functions.score, queue: stack.scoreQueue.queue, maxBatch: 10 },
    ];
    for (const { fn, queue, maxBatch } of expectations) {
      const [entry, ...rest] = byType('AWS::Lambda::EventSourceMapping').filter(
        ([, m]) => (m.Properties.FunctionName as { Ref: string }).Ref === logicalId(fn.function),
      );
      expect(rest).toHaveLength(0);
      const props = entry?.[1].Properties ?? {};
      expect(props).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], EventSourceArn: getAtt(logicalId(queue)) });
      expect(props.BatchSize).toBeLessThanOrEqual(maxBatch);
      expect((props.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('alarms', () => {
  const alarms = (): Json[] => byType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
  const topicRef = (): Json => ({ Ref: logicalId(stack.alarmTopic) });

  it('every alarm notifies the alarm topic (alarm and OK)', () => {
    // DLQ depth and message age per queue (ingest, score, review), errors per function.
    expect(alarms().length).toBe(3 + 3 + FUNCTION_NAMES.length);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topicRef()]);
      expect(alarm.OKActions).toEqual([topicRef()]);
    }
  });

  it('fires on any message in a DLQ', () => {
    for (const wq of [stack.ingestQueue, stack.scoreQueue]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(logicalId(wq.deadLetterQueue), 'QueueName') }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('fires when the oldest message of a main queue is older than 15 minutes', () => {
    for (const wq of [stack.ingestQueue, stack.scoreQueue]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(logicalId(wq.queue), 'QueueName') }],
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('fires on errors of every function', () => {
    for (const name of FUNCTION_NAMES) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.functions[name].function) } }],
        Threshold: 1,
      });
    }
  });

  it('the topic is KMS-encrypted (key usable by CloudWatch), TLS-only, and has no subscription by default', () => {
    const topic = resources[logicalId(stack.alarmTopic)]?.Properties ?? {};
    const keyId = (topic.KmsMasterKeyId as Json)['Fn::GetAtt'] as string[];
    expect(resources[keyId[0] as string]).toMatchObject({
      Type: 'AWS::KMS::Key',
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types its asymmetric matchers as any
          Statement: expect.arrayContaining([
            expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
          ]),
        },
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('functions', () => {
  const COMMON = ['BUCKET_NAME', 'LOG_LEVEL', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'TABLE_NAME'];
  const EXTRA: Record<FunctionName, string[]> = {
    ingest: ['FAZHI_PDF_DATA_DIR', 'MAX_RECEIVE_COUNT'],
    score: ['DEFAULT_RUBRIC', 'MAX_RECEIVE_COUNT'],
    export: ['URL_TTL_SECONDS'],
    rescore: ['SCORE_QUEUE_URL'],
    reconcile: ['INGEST_DLQ_URL', 'INGEST_QUEUE_URL', 'REVIEW_DLQ_URL', 'REVIEW_QUEUE_URL', 'SCORE_DLQ_URL', 'SCORE_QUEUE_URL', 'STALE_AFTER_SECONDS'],
    review: ['MAX_RECEIVE_COUNT'],
  };
  const props = (name: FunctionName): Json => resources[logicalId(stack.functions[name].function)]?.Properties ?? {};
  const env = (name: FunctionName): Record<string, unknown> => (props(name).Environment as { Variables: Record<string, unknown> }).Variables;

  it('are nodejs24.x on arm64 with an ESM bundle, explicit log group and the sizes asked for', () => {
    const sizes: Record<FunctionName, [number, number]> = {
      ingest: [1024, functionTimeoutSeconds(STAGE_BUDGETS.ingest)],
      score: [512, functionTimeoutSeconds(STAGE_BUDGETS.score)],
      export: [1024, 120],
      rescore: [256, 60],
      reconcile: [512, 300],
      review: [1024, 120],
    };
    for (const name of FUNCTION_NAMES) {
      expect(props(name), name).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: sizes[name][0],
        Timeout: sizes[name][1],
        LoggingConfig: { LogGroup: { Ref: logicalId(stack.functions[name].logGroup) } },
      });
      expect(resources[logicalId(stack.functions[name].logGroup)]?.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('get exactly the environment variables their handler reads', () => {
    for (const name of FUNCTION_NAMES) {
      expect(Object.keys(env(name)).sort(), name).toEqual([...COMMON, ...EXTRA[name]].sort());
      expect(env(name)).toMatchObject({
        BUCKET_NAME: { Ref: logicalId(stack.bucket) },
        TABLE_NAME: { Ref: logicalId(stack.table) },
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
    expect(env('ingest').FAZHI_PDF_DATA_DIR).toBe(PDF_DATA_DIR);
    expect(PDF_DATA_DIR).toBe('/var/task/pdfjs');
    expect(env('score').DEFAULT_RUBRIC).toBe('2024');
    // The handlers mark a file failed on the queue's last delivery, so they must know how many there are.
    expect(env('ingest').MAX_RECEIVE_COUNT).toBe(String(stack.ingestQueue.maxReceiveCount));
    expect(env('score').MAX_RECEIVE_COUNT).toBe(String(stack.scoreQueue.maxReceiveCount));
    expect(env('export').URL_TTL_SECONDS).toBe('900');
    expect(env('rescore').SCORE_QUEUE_URL).toEqual({ Ref: logicalId(stack.scoreQueue.queue) });
    expect(env('reconcile')).toMatchObject({
      INGEST_QUEUE_URL: { Ref: logicalId(stack.ingestQueue.queue) },
      INGEST_DLQ_URL: { Ref: logicalId(stack.ingestQueue.deadLetterQueue) },
      SCORE_QUEUE_URL: { Ref: logicalId(stack.scoreQueue.queue) },
      SCORE_DLQ_URL: { Ref: logicalId(stack.scoreQueue.deadLetterQueue) },
      REVIEW_QUEUE_URL: { Ref: logicalId(stack.reviewQueue.queue) },
      REVIEW_DLQ_URL: { Ref: logicalId(stack.reviewQueue.deadLetterQueue) },
    });
    // The reconciler never judges work lost while SQS may still deliver it: longer than every retry cycle.
    const stale = Number(env('reconcile').STALE_AFTER_SECONDS);
    for (const wq of [stack.ingestQueue, stack.scoreQueue]) {
      expect(stale).toBeGreaterThan(wq.maxReceiveCount * Number(resources[logicalId(wq.queue)]?.Properties.VisibilityTimeout));
    }
  });

  it('bound every batch: batch size × the per-document budget (+ overhead) fits in the consumer timeout', () => {
    for (const [name, budget] of [
      ['ingest', STAGE_BUDGETS.ingest],
      ['score', STAGE_BUDGETS.score],
    ] as const) {
      const [, mapping] = byType('AWS::Lambda::EventSourceMapping').find(
        ([, m]) => (m.Properties.FunctionName as { Ref: string }).Ref === logicalId(stack.functions[name].function),
      )!;
      const batchSize = Number(mapping.Properties.BatchSize);
      const timeoutMs = Number(props(name).Timeout) * 1000;
      expect(batchSize, name).toBe(budget.batchSize);
      expect(batchSize * budget.perItemMs + budget.overheadMs, name).toBeLessThanOrEqual(timeoutMs);
      // The document budgets themselves are what the handlers enforce.
      expect(budget.perItemMs, name).toBeGreaterThan(name === 'ingest' ? EXTRACT_TIMEOUT_MS : SCORE_TIME_BUDGET_MS);
    }
  });

  it('runs the reconciler on a schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: getAtt(logicalId(stack.functions.reconcile.function)) })],
    });
  });

  it('bundle ingest and score with the isolated worker beside index.mjs', () => {
    expect(pipelineFunctionProps('ingest', {}, RemovalPolicy.DESTROY).extraEntries).toEqual({ 'isolated-worker': ISOLATED_WORKER_ENTRY });
    expect(pipelineFunctionProps('score', {}, RemovalPolicy.DESTROY).extraEntries).toEqual({ 'isolated-worker': ISOLATED_WORKER_ENTRY });
    expect(pipelineFunctionProps('export', {}, RemovalPolicy.DESTROY).extraEntries).toBeUndefined();
  });

  it('have no reserved concurrency (concurrency is capped on the event source instead)', () => {
    for (const name of FUNCTION_NAMES) expect(props(name)).not.toHaveProperty('ReservedConcurrentExecutions');
  });
});

describe('IAM: least privilege', () => {
  type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
  const statementsOf = (name: FunctionName): Statement[] => {
    const roleId = logicalId(stack.functions[name].role);
    const policies = byType('AWS::IAM::Policy').filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId));
    expect(byType('AWS::IAM::Role').find(([id]) => id === roleId)?.[1].Properties).not.toHaveProperty('ManagedPolicyArns');
    return policies.flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
  /** S3 resources of a statement as '' (the bucket itself) or the key pattern after 'bucket/'. */
  const s3Targets = (statement: Statement): string[] => {
    const bucketArn = getAtt(logicalId(stack.bucket));
    return list(statement.Resource).flatMap((r) => {
      if (JSON.stringify(r) === JSON.stringify(bucketArn)) return [''];
      const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (join && JSON.stringify(join[1][0]) === JSON.stringify(bucketArn)) return [String(join[1][1]).replace(/^\//, '')];
      return [];
    });
  };
  /** Object actions by key pattern, bucket-level actions, and anything destructive. */
  const s3Access = (name: FunctionName): { read: string[]; put: string[]; list: string[]; other: string[] } => {
    const read = new Set<string>();
    const put = new Set<string>();
    const listed = new Set<string>();
    const other = new Set<string>();
    for (const statement of statementsOf(name)) {
      expect(statement.Effect).toBe('Allow');
      const actions = list(statement.Action).filter((a) => a.startsWith('s3:'));
      const objects = s3Targets(statement).filter((t) => t !== '');
      for (const action of actions) {
        if (action === 's3:ListBucket') listed.add(JSON.stringify((statement as { Condition?: unknown }).Condition ?? null));
        for (const key of objects) {
          if (action === 's3:GetObject' || action === 's3:GetObjectVersion') read.add(key);
          else if (action === 's3:PutObject') put.add(key);
          else other.add(`${action} ${key}`);
        }
        if (!['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:ListBucket'].includes(action)) other.add(action);
      }
    }
    return { read: [...read].sort(), put: [...put].sort(), list: [...listed], other: [...other] };
  };

  it("ingest reads reports/* and writes normalized/* and the units' status/* only", () => {
    expect(s3Access('ingest')).toEqual({ read: ['reports/*'], put: ['normalized/*', 'status/*'], list: [], other: [] });
  });
  it("score reads normalized/* and writes scores/* and the units' status/* only", () => {
    expect(s3Access('score')).toEqual({ read: ['normalized/*'], put: ['scores/*', 'status/*'], list: [], other: [] });
  });
  it('export reads scores/*, normalized/* (for the cross-report checks) and exports/*, writes exports/* only (and may abort its own multipart upload there)', () => {
    expect(s3Access('export')).toEqual({
      read: ['exports/*', 'normalized/*', 'scores/*'],
      put: ['exports/*'],
      list: [],
      other: ['s3:AbortMultipartUpload exports/*', 's3:AbortMultipartUpload'],
    });
  });
  it('rescore touches no object at all (it reads the table and sends commands)', () => {
    expect(s3Access('rescore')).toEqual({ read: [], put: [], list: [], other: [] });
  });
  it("only the reconciler lists the bucket, and only under reports/; it writes nothing but the units' status/*", () => {
    // (It writes only the units' status objects, for an upload it marks failed.)
    expect(s3Access('reconcile')).toEqual({ read: [], put: ['status/*'], list: [JSON.stringify({ StringLike: { 's3:prefix': ['reports/*'] } })], other: [] });
    for (const name of FUNCTION_NAMES) {
      for (const statement of statementsOf(name)) {
        const actions = list(statement.Action);
        expect(
          actions.filter((a) => /^s3:List/.test(a) && a !== 's3:ListBucket'),
          name,
        ).toEqual([]);
        if (actions.includes('s3:ListBucket'))
          expect((statement as { Condition?: unknown }).Condition, name).toEqual({ StringLike: { 's3:prefix': ['reports/*'] } });
      }
    }
  });

  it('no S3 statement grants the whole bucket (bucket/*) or any bucket but ours', () => {
    for (const name of FUNCTION_NAMES) {
      for (const statement of statementsOf(name)) {
        const actions = list(statement.Action);
        if (!actions.some((a) => a.startsWith('s3:'))) continue;
        const targets = s3Targets(statement);
        expect(targets.length, `${name}: S3 statement on a foreign resource`).toBe(list(statement.Resource).length);
        expect(targets, name).not.toContain('*');
        expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
      }
    }
  });

  it('table access: exactly the calls each handler makes; no Scan, DeleteItem or BatchWriteItem for any function', () => {
    const dynamoActions = (name: FunctionName): string[] =>
      [
        ...new Set(
          statementsOf(name)
            .flatMap((s) => list(s.Action))
            .filter((a) => a.startsWith('dynamodb:')),
        ),
      ].sort();
    // Ingest queries the county·year for a unit's newest upload before it writes the unit's status object.
    expect(dynamoActions('ingest')).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamoActions('score')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamoActions('export')).toEqual(['dynamodb:Query']);
    expect(dynamoActions('rescore')).toEqual(['dynamodb:Query']);
    // PutItem: the refused round of a reviewed workbook it gives up on (conditional on the item not existing).
    expect(dynamoActions('reconcile')).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const everything = JSON.stringify(byType('AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument));
    expect(everything).not.toMatch(/dynamodb:(Scan|DeleteItem|BatchWriteItem|\*)/);
    expect(everything).not.toMatch(/s3:(Delete|\*)/);
  });

  it('the ranking GSI, by name: queried by export (year-wide), rescore and the reconciler only; no function gets every index', () => {
    const tableArn = JSON.stringify(getAtt(logicalId(stack.table)));
    /** Table resources of a function's Query statements: 'table', an index name, or the raw resource. */
    const queried = (name: FunctionName): string[] =>
      statementsOf(name)
        .filter((s) => list(s.Action).includes('dynamodb:Query'))
        .flatMap((s) => list(s.Resource))
        .map((r) => {
          if (JSON.stringify(r) === tableArn) return 'table';
          const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
          if (join && JSON.stringify(join[1][0]) === tableArn) return String(join[1][1]);
          return JSON.stringify(r);
        })
        .sort();
    const index = `/index/${TABLE.rankingIndex.name}`;
    expect(queried('export')).toEqual([index, 'table']);
    expect(queried('rescore')).toEqual([index, 'table']);
    expect(queried('reconcile')).toEqual([index, 'table']);
    for (const name of ['ingest', 'score', 'review'] as const) expect(queried(name), name).toEqual(['table']);
  });

  it('queues: only rescore and the reconciler send; only the reconciler reads and deletes dead letters, of all three queues', () => {
    const senders = FUNCTION_NAMES.filter((name) => statementsOf(name).some((s) => list(s.Action).includes('sqs:SendMessage')));
    expect(senders).toEqual(['rescore', 'reconcile']);
    const dlqArns = [stack.ingestQueue, stack.scoreQueue, stack.reviewQueue].map((q) => JSON.stringify(getAtt(logicalId(q.deadLetterQueue))));
    const readsLetters = (name: FunctionName, arn: string) =>
      statementsOf(name).some(
        (s) => ['sqs:ReceiveMessage', 'sqs:DeleteMessage'].every((a) => list(s.Action).includes(a)) && list(s.Resource).some((r) => JSON.stringify(r) === arn),
      );
    for (const arn of dlqArns) expect(FUNCTION_NAMES.filter((name) => readsLetters(name, arn))).toEqual(['reconcile']);
    // It sends re-driven work back to each stage's own queue.
    const queueArns = [stack.ingestQueue, stack.scoreQueue, stack.reviewQueue].map((q) => JSON.stringify(getAtt(logicalId(q.queue))));
    const sendsTo = (arn: string) =>
      statementsOf('reconcile').some((s) => list(s.Action).includes('sqs:SendMessage') && list(s.Resource).some((r) => JSON.stringify(r) === arn));
    expect(queueArns.map(sendsTo)).toEqual([true, true, true]);
  });

  it('each function may only write its own log group', () => {
    for (const name of FUNCTION_NAMES) {
      const logStatements = statementsOf(name).filter((s) => list(s.Action).some((a) => a.startsWith('logs:')));
      expect(logStatements).toEqual([expect.objectContaining({ Resource: getAtt(logicalId(stack.functions[name].logGroup)) })]);
    }
  });
});

describe('table', () => {
  it('is on-demand with PITR, deletion protection and the ranking GSI from schemas/storage.ts', () => {
    const props = resources[logicalId(stack.table)]?.Properties ?? {};
    expect(resources[logicalId(stack.table)]?.Type).toBe('AWS::DynamoDB::GlobalTable');
    expect(props).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE.rankingIndex.name,
          KeySchema: [
            { AttributeName: TABLE.rankingIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE.rankingIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      Replicas: [expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    expect(props.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'N' },
      ]),
    );
  });
});

describe('outputs', () => {
  it('exposes names, URLs, the upload prefix and a CLI hint', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'BucketName',
        'CliHint',
        'ExportFunctionName',
        'IngestDeadLetterQueueUrl',
        'IngestFunctionName',
        'IngestQueueUrl',
        'ReconcileFunctionName',
        'RescoreFunctionName',
        'ScoreDeadLetterQueueUrl',
        'ScoreFunctionName',
        'ScoreQueueUrl',
        'TableName',
        'UploadPrefix',
        'ReviewPrefix',
        'ReviewQueueUrl',
        'ReviewDeadLetterQueueUrl',
        'ReviewFunctionName',
      ].sort(),
    );
    expect(JSON.stringify(outputs.UploadPrefix?.Value)).toContain(`/${KEY_PREFIX.reports}`);
    expect(JSON.stringify(outputs.CliHint?.Value)).toMatch(/fazhi upload.*fazhi status.*fazhi export/);
  });
});

describe('context parameters', () => {
  it('retainData=false, alarmEmail and the other parameters change what they should', () => {
    const { stack: dev, template: devTemplate } = synthFazhi({
      context: { stage: 'qa', retainData: 'false', alarmEmail: 'ops@example.org', urlTtlSeconds: '300', defaultRubric: '2025', logLevel: 'debug' },
    });
    expect(dev.stackName).toBe('FazhiScore-qa');
    const json = { Resources: resourcesOf(devTemplate) };
    expect(json.Resources[logicalId(dev.bucket)]).toMatchObject({ DeletionPolicy: 'Delete' });
    expect(json.Resources[logicalId(dev.table)]?.Properties.Replicas).toEqual([expect.objectContaining({ DeletionProtectionEnabled: false })]);
    devTemplate.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    devTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org' });
    const envOf = (name: FunctionName): Record<string, unknown> =>
      (json.Resources[logicalId(dev.functions[name].function)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(envOf('export').URL_TTL_SECONDS).toBe('300');
    expect(envOf('score').DEFAULT_RUBRIC).toBe('2025');
    expect(envOf('ingest').LOG_LEVEL).toBe('DEBUG');
  });

  it('lambdaRuntime and lambdaArchitecture choose the runtime and CPU of every function (for regions that lack the defaults)', () => {
    const { stack: older, template: olderTemplate } = synthFazhi({ context: { stage: 'cn', lambdaRuntime: 'nodejs22.x', lambdaArchitecture: 'x86_64' } });
    const json = { Resources: resourcesOf(olderTemplate) };
    for (const name of FUNCTION_NAMES) {
      expect(json.Resources[logicalId(older.functions[name].function)]?.Properties, name).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['x86_64'] });
    }
    expect(() => synthFazhi({ context: { lambdaRuntime: 'nodejs18.x' } })).toThrow(/lambdaRuntime/);
  });
});

describe('partition-agnostic', () => {
  it('the environment-agnostic template has no aws-partition ARN literal', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('arn:aws:');
  });

  it('synthesized for cn-north-1 it has no arn:aws: literal', () => {
    const { template: cn } = synthFazhi({ env: { account: '123456789012', region: 'cn-north-1' }, id: 'FazhiScoreCn' });
    const text = JSON.stringify(cn.toJSON());
    expect(text).not.toContain('arn:aws:');
    // Sanity check that the synth really resolved the China partition (enablePartitionLiterals).
    expect(text).toContain('arn:aws-cn:');
  });
});

// Asset hashes (64 hex) change with bundled code, dependencies, OS and Node; mask them so the snapshot records the
// infrastructure only.
const ASSET_HASH = /[0-9a-f]{64}/g;
expect.addSnapshotSerializer({
  test: (value: unknown) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string, config, indentation, depth, refs, printer) => printer(value.replace(ASSET_HASH, '<asset-hash>'), config, indentation, depth, refs),
});

describe('snapshot', () => {
  it('matches the committed template', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
