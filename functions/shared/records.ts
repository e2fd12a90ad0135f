import type { Failure } from '../../schemas/failure.ts';
import { countyYearPk, rankingPk, ReportItem, reportsByYearPk, reportSk, rubricTag, ScoreItem, TABLE, type ReportStatus } from '../../schemas/storage.ts';
import type { DynamoTable, TableKey } from '../aws/table.ts';
import { parseAt } from './boundary.ts';

/**
 * The status items of uploads and the score items, on top of the table adapter. Every write is conditional on the S3
 * event sequencer of the upload (padded, so strings compare like the numbers they are):
 *
 *   received  a newer sequencer replaces the item; the same sequencer may only redo work still `received` (a retry)
 *             or a `failed`/internal item (a redrive from the DLQ); anything else is an old or repeated event
 *   parsed    only from `received` of the same sequencer (never downgrades `scored`, which can come first because the
 *             score function is triggered by the normalised object ingest writes just before)
 *   scored    of the same sequencer; the score item itself is conditional on `sequencer <= ` its own
 *   failed    a bad file: from `received` of the same sequencer; internal: see `internalFailure`
 */

export type FailureReason = Omit<Failure, 'source'>;

/** One version of one upload: where its status item lives and which S3 event describes it. */
export interface UploadRef {
  sourceKey: string;
  year: number;
  county: string;
  /** Padded (padSequencer). */
  sequencer: string;
  /** uploadIdOf(sourceKey, sequencer). */
  uploadId: string;
  /** The S3 event time of this version (its receipt). */
  uploadedAt: string;
  versionId?: string;
  bytes?: number;
  eTag?: string;
}

/** The reconciler gives up on an upload after sending its work again this often (then it is marked failed). */
export const MAX_REDRIVES = 2;

/** Only the fields the item keeps (a Failure also names its source, which the item's key already says). */
const reasonOnly = (failure: FailureReason): FailureReason => ({
  code: failure.code,
  message: failure.message,
  ...(failure.messageEn !== undefined ? { messageEn: failure.messageEn } : {}),
});

export const uploadItemKey = (ref: { sourceKey: string; year: number; county: string }): TableKey => ({
  pk: countyYearPk(ref.year, ref.county),
  sk: reportSk(ref.sourceKey),
});

/** DynamoDB string sets come back as JS Sets; the item schema (and JSON) want sorted arrays. */
function plainItem(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) out[key] = value instanceof Set ? [...(value as Set<string>)].sort() : value;
  return out;
}

export function readReportItem(item: Record<string, unknown>): ReportItem {
  return parseAt(ReportItem, plainItem(item), `report item ${String(item[TABLE.partitionKey])} ${String(item[TABLE.sortKey])}`);
}

export function readScoreItem(item: Record<string, unknown>): ScoreItem {
  return parseAt(ScoreItem, plainItem(item), `score item ${String(item[TABLE.partitionKey])} ${String(item[TABLE.sortKey])}`);
}

export interface PartitionItems {
  reports: ReportItem[];
  scores: ScoreItem[];
}

export function splitItems(items: readonly Record<string, unknown>[]): PartitionItems {
  const reports: ReportItem[] = [];
  const scores: ScoreItem[] = [];
  for (const item of items) {
    if (item.kind === 'report') reports.push(readReportItem(item));
    else if (item.kind === 'score') scores.push(readScoreItem(item));
    else throw new Error(`item ${String(item.pk)} ${String(item.sk)} has an unknown kind ${JSON.stringify(item.kind)}`);
  }
  return { reports, scores };
}

const STATUS: Record<ReportStatus, string> = { received: 'received', parsed: 'parsed', scored: 'scored', failed: 'failed' };

export class Records {
  constructor(
    readonly table: DynamoTable,
    readonly clock: () => Date = () => new Date(),
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  /**
   * Records an upload event. 'new': a newer version (or the first); 'retry': the same event again while its work is
   * unfinished; 'stale': an older event, or one whose work is done (a replay), which must change nothing.
   */
  async received(ref: UploadRef): Promise<'new' | 'retry' | 'stale'> {
    const key = uploadItemKey(ref);
    const now = this.now();
    const set = [
      'kind = :kind',
      'sourceKey = :sourceKey',
      '#year = :year',
      'county = :county',
      '#status = :received',
      'sequencer = :seq',
      'uploadId = :uploadId',
      'uploadedAt = :uploadedAt',
      'receivedAt = :now',
      'updatedAt = :now',
      'gsi1pk = :gsi1pk',
      'gsi1sk = :gsi1sk',
    ];
    const remove = ['failure', 'reportId', 'township', 'scoredWith', 'redrives'];
    const values: Record<string, unknown> = {
      ':kind': 'report',
      ':sourceKey': ref.sourceKey,
      ':year': ref.year,
      ':county': ref.county,
      ':received': STATUS.received,
      ':seq': ref.sequencer,
      ':uploadId': ref.uploadId,
      ':uploadedAt': ref.uploadedAt,
      ':now': now,
      ':gsi1pk': reportsByYearPk(ref.year),
      ':gsi1sk': Date.parse(now),
    };
    for (const [field, value] of [
      ['versionId', ref.versionId],
      ['bytes', ref.bytes],
      ['eTag', ref.eTag],
    ] as const) {
      const name = field === 'bytes' ? '#bytes' : field;
      if (value !== undefined) {
        set.push(`${name} = :${field}`);
        values[`:${field}`] = value;
      } else remove.push(name);
    }
    const names = { '#status': 'status', '#year': 'year', '#bytes': 'bytes' };
    const fresh = await this.table.update(
      key,
      { expression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`, names, values },
      { expression: 'attribute_not_exists(pk) OR sequencer < :seq' },
    );
    if (fresh) return 'new';
    const retry = await this.table.update(
      key,
      {
        expression: 'SET #status = :received, updatedAt = :now REMOVE failure',
        names: { '#status': 'status', '#failure': 'failure', '#code': 'code' },
        values: { ':received': STATUS.received, ':now': now, ':seq': ref.sequencer, ':internal': 'internal' },
      },
      { expression: 'sequencer = :seq AND (#status = :received OR #failure.#code = :internal)' },
    );
    return retry ? 'retry' : 'stale';
  }

  /** Names the report an upload turned into, before the normalised object is written (the score function looks for it). */
  async attachReport(ref: UploadRef, report: { reportId: string; township: string | null }): Promise<boolean> {
    return this.table.update(
      uploadItemKey(ref),
      {
        expression: 'SET reportId = :reportId, township = :township, updatedAt = :now',
        names: { '#status': 'status' },
        values: { ':reportId': report.reportId, ':township': report.township, ':now': this.now(), ':seq': ref.sequencer, ':received': STATUS.received },
      },
      { expression: 'sequencer = :seq AND #status = :received' },
    );
  }

  async parsed(ref: UploadRef): Promise<boolean> {
    return this.table.update(
      uploadItemKey(ref),
      {
        expression: 'SET #status = :parsed, updatedAt = :now',
        names: { '#status': 'status' },
        values: { ':parsed': STATUS.parsed, ':now': this.now(), ':seq': ref.sequencer, ':received': STATUS.received },
      },
      { expression: 'sequencer = :seq AND #status = :received' },
    );
  }

  /** A bad file: the reason goes on the item for the clerk; the event is done. */
  async failed(ref: UploadRef, failure: FailureReason): Promise<boolean> {
    return this.table.update(
      uploadItemKey(ref),
      {
        expression: 'SET #status = :failed, failure = :failure, updatedAt = :now',
        names: { '#status': 'status' },
        values: { ':failed': STATUS.failed, ':failure': reasonOnly(failure), ':now': this.now(), ':seq': ref.sequencer, ':received': STATUS.received },
      },
      { expression: 'sequencer = :seq AND #status = :received' },
    );
  }

  /**
   * The last delivery of an event that kept throwing: mark the upload failed (code internal) so it does not stay
   * `received` forever. Creates the item if the first write never happened; never touches a newer version.
   */
  async internalFailure(ref: UploadRef, failure: FailureReason): Promise<boolean> {
    const now = this.now();
    return this.table.update(
      uploadItemKey(ref),
      {
        expression:
          'SET kind = :kind, sourceKey = :sourceKey, #year = :year, county = :county, #status = :failed, sequencer = :seq, failure = :failure, ' +
          'uploadId = :uploadId, uploadedAt = if_not_exists(uploadedAt, :uploadedAt), ' +
          'receivedAt = if_not_exists(receivedAt, :now), updatedAt = :now, gsi1pk = :gsi1pk, gsi1sk = if_not_exists(gsi1sk, :gsi1sk)',
        names: { '#status': 'status', '#year': 'year' },
        values: {
          ':kind': 'report',
          ':sourceKey': ref.sourceKey,
          ':year': ref.year,
          ':county': ref.county,
          ':failed': STATUS.failed,
          ':seq': ref.sequencer,
          ':uploadId': ref.uploadId,
          ':uploadedAt': ref.uploadedAt,
          ':failure': reasonOnly(failure),
          ':now': now,
          ':gsi1pk': reportsByYearPk(ref.year),
          ':gsi1sk': Date.parse(now),
          ':received': STATUS.received,
          ':parsed': STATUS.parsed,
        },
      },
      { expression: 'attribute_not_exists(pk) OR sequencer < :seq OR (sequencer = :seq AND #status IN (:received, :parsed))' },
    );
  }

  /**
   * Work on a parsed (or still received) upload ended without a result: scoring kept failing, the score budget was
   * exceeded, or the reconciler gave up. Say so instead of leaving it unfinished forever.
   */
  async unfinishedFailed(item: ReportItem, failure: FailureReason): Promise<boolean> {
    return this.table.update(
      { pk: item.pk, sk: item.sk },
      {
        expression: 'SET #status = :failed, failure = :failure, updatedAt = :now',
        names: { '#status': 'status' },
        values: {
          ':failed': STATUS.failed,
          ':failure': reasonOnly(failure),
          ':now': this.now(),
          ':seq': item.sequencer,
          ':received': STATUS.received,
          ':parsed': STATUS.parsed,
        },
      },
      { expression: 'sequencer = :seq AND #status IN (:received, :parsed)' },
    );
  }

  /** The status item of one upload key (one GetItem). */
  async upload(ref: { sourceKey: string; year: number; county: string }): Promise<ReportItem | undefined> {
    const item = await this.table.get(uploadItemKey(ref));
    return item ? readReportItem(item) : undefined;
  }

  /**
   * The upload whose current version has this id (its normalised report is `normalizedKey({ year, county, uploadId })`).
   * A Query of the county·year filtered on the id: for when only the id is known (the score handler's failure path).
   */
  async uploadById(year: number, county: string, uploadId: string): Promise<ReportItem | undefined> {
    const items = await this.table.query({
      partition: countyYearPk(year, county),
      skBeginsWith: reportSk(''),
      filter: { expression: 'uploadId = :uploadId', values: { ':uploadId': uploadId } },
    });
    return items.map(readReportItem)[0];
  }

  /**
   * Counts one more re-drive of this version's work by the reconciler; false (nothing changed) once MAX_REDRIVES is
   * reached or the item now describes another version.
   */
  async noteRedrive(item: ReportItem): Promise<boolean> {
    return this.table.update(
      { pk: item.pk, sk: item.sk },
      { expression: 'SET updatedAt = :now ADD redrives :one', values: { ':now': this.now(), ':one': 1, ':seq': item.sequencer, ':max': MAX_REDRIVES } },
      { expression: 'sequencer = :seq AND (attribute_not_exists(redrives) OR redrives < :max)' },
    );
  }

  /** Only if no newer version of the same upload has been scored with this rubric. */
  async putScore(item: ScoreItem): Promise<boolean> {
    return this.table.put(item, { expression: 'attribute_not_exists(pk) OR sequencer <= :seq', values: { ':seq': item.sequencer } });
  }

  async scored(item: ReportItem, rubric: { id: string; version: string }): Promise<boolean> {
    return this.table.update(
      { pk: item.pk, sk: item.sk },
      {
        expression: 'SET #status = :scored, updatedAt = :now REMOVE failure ADD scoredWith :tags',
        names: { '#status': 'status' },
        values: { ':scored': STATUS.scored, ':now': this.now(), ':seq': item.sequencer, ':tags': new Set([rubricTag(rubric)]) },
      },
      { expression: 'sequencer = :seq' },
    );
  }

  /** Everything of one county·year: status items and score items, in one Query. */
  async partition(year: number, county: string): Promise<PartitionItems> {
    return splitItems(await this.table.query({ partition: countyYearPk(year, county) }));
  }

  /** The score items of a year and rubric, all counties, highest total first (the ranking GSI). */
  async ranking(year: number, rubric: { id: string; version: string }): Promise<ScoreItem[]> {
    const items = await this.table.query({ partition: rankingPk(year, rubric), index: 'ranking', descending: true });
    return items.map(readScoreItem);
  }

  /** The status items of every upload of a year, all counties (through the GSI). */
  async uploadsOfYear(year: number): Promise<ReportItem[]> {
    const items = await this.table.query({ partition: reportsByYearPk(year), index: 'ranking' });
    return items.map(readReportItem);
  }
}
