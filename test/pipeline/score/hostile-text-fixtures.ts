/**
 * Hostile text for the scorer: uploads that are technically text but have no sentence structure (tests in
 * test/pipeline/score/hostile-text.test.ts; timings in `npm run bench -- hostile`). Made at run time, not stored as files.
 */

const HEAD = '临澜县望江镇2024年法治政府建设情况报告\n一、主要举措和成效\n';
const CLAUSE = '全镇开展法治宣传活动和合法性审查工作，落实会前学法和述法制度，法律顾问审查合同，调解矛盾纠纷';

/** 400,000 characters without a sentence end, in lines short enough for the extract stage (one long paragraph). */
export const runOnLines = (): string =>
  HEAD +
  Array.from({ length: 9000 }, () => CLAUSE)
    .join('\n')
    .slice(0, 400_000);
/** The same run on one line: only the scorer can be handed it (the extract stage refuses lines over 50,000 chars). */
export const runOnLine = (): string =>
  HEAD +
  Array.from({ length: 9000 }, (_, i) => `${CLAUSE}${i % 10}件`)
    .join('，')
    .slice(0, 400_000);
/** Numbering nested on every line, thousands of sections deep in markers. */
export const nestedNumbering = (): string =>
  HEAD + Array.from({ length: 3000 }, (_, i) => `${'（一）1.（1）①一是'.repeat(i % 25)}开展法治宣传活动${i}次。`).join('\n');
/** 50,000 digits in a row. */
export const digits = (): string => `${HEAD}全年调解纠纷${'7'.repeat(50_000)}件，开展法治宣传活动。\n${'依法行政工作。'.repeat(100)}`;
