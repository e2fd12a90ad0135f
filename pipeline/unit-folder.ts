import type { Warning } from '../schemas/report.ts';
import { parseUploadKey } from '../schemas/storage.ts';
import { fold } from './text/fold.ts';

/**
 * The unit folder of an upload (`reports/{year}/{county}/{unit}/…`, written by that unit's upload page) is who filed
 * it: the page is the unit's credential. Two consequences, both pure:
 *
 * - what the report says about its own unit is evidence, checked against the folder: a different unit is a warning
 *   for the assessor (a clerk who uploaded a neighbour's report, or a copy that kept the other unit's name), never a
 *   silent relabel and never a penalty;
 * - a unit that uploads again replaces its earlier upload: within one unit folder only the newest upload counts.
 */

/** Words around a unit's name that do not change which unit it is (乔庄镇人民政府 = 乔庄镇, 中共乔庄镇委员会 = 乔庄镇). */
const LEADING_PARTY = /^(?:中共|中国共产党)/u;
const TRAILING_BODY = /(?:人民政府|政府|党委|委员会|办事处)$/u;

/** A unit name reduced to what identifies it within its county: folded, no spaces, no county, no 人民政府/党委. */
export function unitNameKey(name: string, county: string): string {
  let key = fold(name).replace(/\s+/gu, '').replace(LEADING_PARTY, '');
  const foldedCounty = fold(county).replace(/\s+/gu, '');
  if (foldedCounty && key.startsWith(foldedCounty) && key.length > foldedCounty.length) key = key.slice(foldedCounty.length);
  // 县司法局 and 司法局 are the same department of this county.
  else if (/^[县区旗]./u.test(key)) key = key.slice(1);
  // Strip one body suffix; 中共乔庄镇委员会 and 乔庄镇党委 are both 乔庄镇 (a 委员会 that is itself the unit, like
  // 卫生健康委员会, keeps its name: the suffix is only dropped after a township-level name).
  const stripped = key.replace(TRAILING_BODY, '');
  if (stripped !== key && /(?:镇|乡|街道|苏木)$/u.test(stripped)) key = stripped;
  return key;
}

/**
 * The warning for a report whose own unit is not the unit folder it was filed under, or null when they agree or the
 * text does not name its unit (that has its own warning already).
 */
export function unitFolderWarning(folderUnit: string, reportUnit: string | null, county: string): Warning | null {
  if (reportUnit === null) return null;
  if (unitNameKey(folderUnit, county) === unitNameKey(reportUnit, county)) return null;
  return {
    code: 'meta-mismatch:unit',
    message: `报告写的单位是“${reportUnit}”，但是从“${folderUnit}”的上传页面提交的（上传目录 ${folderUnit}/）— 请核实是否传错了报告`,
  };
}

export interface UnitFolderUpload {
  sourceKey: string;
  /**
   * When S3 received this upload (the event time: the trusted receipt, never the uploader's claim), ISO 8601 as
   * toISOString writes it, so strings order like times.
   */
  uploadedAt: string;
}

export interface CurrentUploads<T extends UnitFolderUpload> {
  /** Every upload outside a unit folder, and the newest upload of each unit folder, in input order. */
  current: T[];
  /** The older uploads of a unit folder, each with the upload that replaced it. */
  superseded: { upload: T; by: T }[];
}

/** The upload folder of a key that is in a unit folder, or null (`reports/{year}/{county}/{file}` is not). */
export function unitFolderOf(sourceKey: string): string | null {
  const location = parseUploadKey(sourceKey);
  return location?.unit ? `${location.year}/${location.county}/${location.unit}` : null;
}

/**
 * Within one unit folder the newest upload counts and the others are superseded. Re-uploads of the same file type
 * reuse one key (S3 keeps the old version, and the sequencer already orders versions of a key); a re-upload in another
 * format is another key, ordered by when S3 received it (not by when the pipeline got to it). Ties (same millisecond) go to the later key name,
 * so the choice never depends on input order.
 */
export function currentUploads<T extends UnitFolderUpload>(uploads: readonly T[]): CurrentUploads<T> {
  const newest = new Map<string, T>();
  for (const upload of uploads) {
    const folder = unitFolderOf(upload.sourceKey);
    if (folder === null) continue;
    const best = newest.get(folder);
    if (!best || upload.uploadedAt > best.uploadedAt || (upload.uploadedAt === best.uploadedAt && upload.sourceKey > best.sourceKey))
      newest.set(folder, upload);
  }
  const current: T[] = [];
  const superseded: { upload: T; by: T }[] = [];
  for (const upload of uploads) {
    const folder = unitFolderOf(upload.sourceKey);
    const best = folder === null ? undefined : newest.get(folder);
    if (!best || best === upload) current.push(upload);
    else superseded.push({ upload, by: best });
  }
  return { current, superseded };
}
