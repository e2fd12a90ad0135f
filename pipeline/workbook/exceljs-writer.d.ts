// exceljs's streaming writer alone (node_modules/exceljs/lib/stream/xlsx/workbook-writer.js): the package's main entry
// also loads the in-memory workbook, the reader and unzip, ≈ 130 ms more at every start of `fazhi score --out`.
declare module 'exceljs/lib/stream/xlsx/workbook-writer.js' {
  import type ExcelJS from 'exceljs';

  const WorkbookWriter: typeof ExcelJS.stream.xlsx.WorkbookWriter;
  export default WorkbookWriter;
}

// Two more pieces of exceljs the direct rows of book.ts use: the writer's own text escaping, and its merged ranges.
declare module 'exceljs/lib/utils/utils.js' {
  // `this: void`: xmlEncode reads only its argument and a module-level regex, so book.ts may keep it unbound.
  const utils: { xmlEncode(this: void, text: string): string };
  export default utils;
}

declare module 'exceljs/lib/doc/range.js' {
  const Dimensions: new (top: number, left: number, bottom: number, right: number) => object;
  export default Dimensions;
}
