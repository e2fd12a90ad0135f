import { countyYearPk, parseUploadKey, reportSk, unitFolderPrefix, unitStatusKey, type ReportItem, type ReportStatus } from '../../schemas/storage.ts';
import { UnitStatus } from '../../schemas/unit-status.ts';
import { currentUploads } from '../../pipeline/unit-folder.ts';
import type { ObjectStore } from '../aws/object-store.ts';
import { parseAt } from './boundary.ts';
import type { Logger } from './log.ts';
import { readReportItem, type FailureReason, type Records } from './records.ts';

/**
 * The status object a unit's upload page shows (`status/{year}/{county}/{unit}.json`, schemas/unit-status.ts). The
 * handlers (and the reconciler, when it marks an upload failed) call `record` right after a conditional change of the
 * upload's status item succeeded; uploads outside a unit folder have no status object. Only the unit's newest upload
 * (by S3 receipt time) is shown: an older upload (a superseded format, or an old version still being scored) changes
 * nothing.
 *
 * DynamoDB stays the truth; this object is a copy for the clerk, written best-effort: a failed write is logged and
 * never fails or retries the upload (`fazhi status` shows the truth). Within one upload the writes are ordered by
 * the pipeline itself: ingest writes received, then parsed once the item has named its report and before it writes
 * the normalised object that triggers scoring, and only the score function writes scored.
 */

export const UNIT_STATUS_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface UnitStatusDeps {
  store: ObjectStore;
  records: Records;
  log: Logger;
  clock?: () => Date;
}

export interface UnitStatusWriter {
  /** After the upload `sourceKey` reached `state` in DynamoDB (with the reason when it failed). */
  record(sourceKey: string, state: ReportStatus, reason?: FailureReason): Promise<void>;
}

/** The object for one upload, from its item (the DynamoDB truth) and the state just reached. */
export function unitStatusOf(item: ReportItem, unit: string, file: string, state: ReportStatus, reason: FailureReason | undefined, now: Date): UnitStatus {
  const failed = state === 'failed';
  const status = {
    year: item.year,
    county: item.county,
    unit,
    state,
    file,
    ...(item.bytes !== undefined ? { bytes: item.bytes } : {}),
    // When S3 received it (the trusted receipt the pipeline dates it by), not when the pipeline got to it.
    receivedAt: item.uploadedAt,
    updatedAt: now.toISOString(),
    ...(failed ? { reason: { code: reason?.code ?? 'internal', message: reason?.message ?? '处理失败，原因未记录' } } : {}),
  };
  return parseAt(UnitStatus, status, `unit status of ${item.sourceKey}`);
}

export function makeUnitStatusWriter(deps: UnitStatusDeps): UnitStatusWriter {
  const clock = deps.clock ?? (() => new Date());

  /** The items of every upload under the unit's folder (one Query on the county·year partition). */
  async function unitUploads(year: number, county: string, unit: string): Promise<ReportItem[]> {
    const items = await deps.records.table.query({ partition: countyYearPk(year, county), skBeginsWith: reportSk(unitFolderPrefix(year, county, unit)) });
    return items.map(readReportItem);
  }

  return {
    async record(sourceKey, state, reason) {
      const location = parseUploadKey(sourceKey);
      if (!location?.unit) return;
      const { year, county, unit } = location;
      const log = deps.log.child({ key: sourceKey, unitStatus: state });
      try {
        const uploads = await unitUploads(year, county, unit);
        const item = uploads.find((u) => u.sourceKey === sourceKey);
        const newest = currentUploads(uploads).current;
        if (!item || !newest.includes(item)) {
          log.info('a newer upload of this unit is shown instead; unit status unchanged');
          return;
        }
        const file = location.name.slice(unit.length + 1);
        const status = unitStatusOf(item, unit, file, state, reason, clock());
        await deps.store.put(unitStatusKey(year, county, unit), JSON.stringify(status), { contentType: UNIT_STATUS_CONTENT_TYPE });
      } catch (error) {
        log.warn('could not write the unit status object; the upload itself is unaffected', { error });
      }
    },
  };
}
