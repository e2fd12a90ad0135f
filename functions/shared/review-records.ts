import {
  ReviewChangeItem,
  ReviewRoundItem,
  reviewChangeSk,
  reviewPk,
  roundBase,
  type ReviewChange,
  type ReviewRefusal,
  type ReviewUpload,
} from '../../schemas/review.ts';
import type { DynamoTable } from '../aws/table.ts';
import { parseAt } from './boundary.ts';

/**
 * The review's items, append-only, in their own partition per county·year (`REVIEW#{year}#{county}`): one round item
 * per uploaded reviewed workbook (applied or refused, with the reasons) and one item per change. Every write is a put
 * conditional on the item not existing, so a redelivered event changes nothing and no item is ever overwritten; the
 * score items (which a re-score rewrites) live elsewhere and are never touched.
 */

/** DynamoDB items stay far below 400 KB: a round keeps this many refusal reasons (the rest are counted). */
export const MAX_STORED_REFUSALS = 200;

/**
 * Why a round was refused when its work failed, not its workbook: the review function's last delivery, or a dead letter
 * the reconciler ends. Either way nothing was applied, and the same workbook uploaded again is a new round.
 */
export const unfinishedReviewReason = (deliveries: number): string =>
  `系统处理这份复核工作簿时出错（不是工作簿本身的问题），已自动处理 ${deliveries} 次仍未完成，什么也没有应用；管理员已收到通知。请稍后把同一份工作簿再上传一次。`;
export const GAVE_UP_REVIEW_REASON =
  '系统多次处理这份复核工作簿均未完成（不是工作簿本身的问题），什么也没有应用；管理员已收到通知。请稍后把同一份工作簿再上传一次。';

export interface ReviewHistory {
  rounds: ReviewRoundItem[];
  changes: ReviewChangeItem[];
}

export class ReviewRecords {
  constructor(readonly table: DynamoTable) {}

  /** True when this round was already recorded (a replayed event). */
  async hasRound(year: number, county: string, roundSk: string): Promise<boolean> {
    const items = await this.table.query({ partition: reviewPk(year, county), skBeginsWith: roundSk });
    return items.some((item) => item.sk === roundSk);
  }

  /** One item per change; an existing item (a retry) is left as it is. */
  async putChanges(year: number, county: string, roundSk: string, changes: readonly ReviewChange[]): Promise<number> {
    let written = 0;
    for (const [index, change] of changes.entries()) {
      const item: ReviewChangeItem = { ...change, pk: reviewPk(year, county), sk: reviewChangeSk(roundSk, index), kind: 'review-change', round: roundSk };
      if (await this.table.put(parseAt(ReviewChangeItem, item, 'review change item'), { expression: 'attribute_not_exists(pk)' })) written++;
    }
    return written;
  }

  /** The round, written last: its presence means the round's changes (if any) are all stored. */
  async putRound(item: ReviewRoundItem): Promise<boolean> {
    const refusals: ReviewRefusal[] =
      item.refusals.length > MAX_STORED_REFUSALS
        ? [...item.refusals.slice(0, MAX_STORED_REFUSALS), { sheet: '', row: null, message: `另有 ${item.refusals.length - MAX_STORED_REFUSALS} 处问题未列出` }]
        : item.refusals;
    return this.table.put(parseAt(ReviewRoundItem, { ...item, refusals }, 'review round item'), { expression: 'attribute_not_exists(pk)' });
  }

  /** A round whose work failed (unfinishedReviewReason): refused, nothing applied; false when it was recorded already. */
  putUnfinished(upload: ReviewUpload, message: string, at: string): Promise<boolean> {
    return this.putRound({
      ...roundBase(upload, at),
      kind: 'review-round',
      status: 'refused',
      refusals: [{ sheet: '', row: null, message }],
      changes: 0,
      reviewers: [],
    });
  }

  /** Every round and change of a county·year, oldest first. */
  async history(year: number, county: string): Promise<ReviewHistory> {
    const items = await this.table.query({ partition: reviewPk(year, county) });
    const rounds: ReviewRoundItem[] = [];
    const changes: ReviewChangeItem[] = [];
    for (const item of items) {
      const what = `review item ${String(item.pk)} ${String(item.sk)}`;
      if (item.kind === 'review-round') rounds.push(parseAt(ReviewRoundItem, item, what));
      else if (item.kind === 'review-change') changes.push(parseAt(ReviewChangeItem, item, what));
      else throw new Error(`${what} has an unknown kind ${JSON.stringify(item.kind)}`);
    }
    return { rounds, changes };
  }
}

/** The round in force: the latest applied one (rounds sort by the time S3 received the workbook). */
export function roundInForce(history: ReviewHistory): { round: ReviewRoundItem; changes: ReviewChangeItem[] } | null {
  const applied = history.rounds.filter((r) => r.status === 'applied');
  const round = applied[applied.length - 1];
  if (!round) return null;
  return { round, changes: history.changes.filter((c) => c.round === round.sk) };
}
