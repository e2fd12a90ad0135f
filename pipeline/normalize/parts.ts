import type { ReportPart, Section } from '../../schemas/report.ts';
import { fold } from '../text/fold.ts';
import type { DraftSection } from './outline.ts';

/**
 * Tags each section with the statutory part it reports (督察规定's items: 主要举措和成效, 党政主要负责人履行第一责任人
 * 职责, 存在的不足和原因, 下一年度安排, plus 整改 and 其他). The heading decides when it says so; otherwise a
 * sub-section follows its parent, a top-level section follows its position, and untitled text follows its content.
 */

const LEADERSHIP = /第一责任人|主要负责(人|同志)(履行|履职|推进)|党政主要负责|述法述职/u;
const RECTIFICATION = /整改/u;
const SHORTCOMINGS = /不足|存在(的)?(主要)?问题|问题(和|及|与)?(原因|不足)|短板|差距(和|及)?(不足|问题)|困难和问题/u;
const PLANS_WORDS = /下一年度|下一步|下年度|今后|明年|(工作|主要)?(安排|打算|计划|思路)|(目标|重点)(任务|举措)/u;
const MEASURES = /主要举措|举措和成效|成效|(工作)?开展情况|主要工作|主要做法|工作情况|推进情况|落实情况|完成情况|取得的成绩|基本情况/u;
const OTHER = /其他需要报告|其他(情况|事项)/u;
const YEAR = /(20\d{2})\s*年/u;

/** The part a heading names, or null when it names none (a task heading such as "健全依法行政制度体系"). */
export function partFromHeading(heading: string, reportYear: number | null): ReportPart | null {
  const text = fold(heading);
  if (LEADERSHIP.test(text)) return 'leadership';
  if (RECTIFICATION.test(text) && !/不足/u.test(text)) return 'rectification';
  if (SHORTCOMINGS.test(text)) return 'shortcomings';
  const year = YEAR.exec(text)?.[1];
  const laterYear = year !== undefined && reportYear !== null && Number(year) > reportYear;
  if (PLANS_WORDS.test(text) && !/举措和成效|主要举措/u.test(text)) return 'plans';
  if (laterYear && /(举措|目标|重点|任务|工作)/u.test(text)) return 'plans';
  if (MEASURES.test(text)) return 'measures';
  if (OTHER.test(text)) return 'other';
  return null;
}

/** A sub-section overrides its parent's part only for parts a heading cannot name by accident. */
function overridesParent(part: ReportPart): boolean {
  return part === 'rectification' || part === 'leadership' || part === 'shortcomings';
}

const CONTENT_SHORTCOMINGS = /^(但|然而|同时|当然)?[^。]{0,30}(存在|还有|仍有|也有|仍然存在)[^。]{0,12}(不足|问题|差距|短板)|主要(表现|体现)(在|为)/u;
const CONTENT_PLANS = /^(20\d{2}\s*年|下一步|今后|明年|新的一年)[，,]?[^。]{0,16}(将|要|继续|计划|拟)/u;
const CONTENT_LEADERSHIP = /第一责任人|主要负责(人|同志)/gu;

export function partFromContent(paragraph: string): ReportPart {
  const text = fold(paragraph);
  if (CONTENT_SHORTCOMINGS.test(text)) return 'shortcomings';
  if (CONTENT_PLANS.test(text)) return 'plans';
  if ((text.match(CONTENT_LEADERSHIP) ?? []).length >= 2) return 'leadership';
  return 'measures';
}

type Tagged = Pick<Section, 'part' | 'partBasis'>;

export function assignParts(sections: readonly DraftSection[], reportYear: number | null): Tagged[] {
  const tags: Tagged[] = sections.map(() => ({ part: 'other', partBasis: 'none' }));
  // Top-level sections first: the heading, else the position relative to the first 不足/安排 section.
  const topLevel = sections.map((s, i) => ({ s, i })).filter(({ s }) => s.parent === null && s.level > 0);
  let reachedClosingParts = false;
  for (const { s, i } of topLevel) {
    const byHeading = partFromHeading(s.heading, reportYear);
    if (byHeading) {
      tags[i] = { part: byHeading, partBasis: 'heading' };
      if (byHeading === 'shortcomings' || byHeading === 'plans') reachedClosingParts = true;
      continue;
    }
    // Reports often title their measures by task (健全依法行政制度体系…); before the 不足 part they are measures.
    tags[i] = reachedClosingParts ? { part: 'other', partBasis: 'position' } : { part: 'measures', partBasis: 'position' };
  }
  sections.forEach((s, i) => {
    if (s.parent === null) return;
    const parentTag = tags[s.parent] ?? { part: 'other' as const, partBasis: 'none' as const };
    const own = partFromHeading(s.heading, reportYear);
    // Only section-level headings (一、 and （一）) re-tag; a run-in head such as "针对…不足的问题" under 整改 is content.
    const canOverride = s.level <= 2 && own !== null && own !== parentTag.part && overridesParent(own) && parentTag.part !== 'rectification';
    tags[i] = canOverride && own ? { part: own, partBasis: 'heading' } : { part: parentTag.part, partBasis: 'parent' };
  });
  return tags;
}
