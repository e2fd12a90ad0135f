// exceljs's streaming writer alone (node_modules/exceljs/lib/stream/xlsx/workbook-writer.js): the package's main entry
// also loads the in-memory workbook, the reader and unzip, ≈ 130 ms more at every start of `fazhi score --out`.
declare module 'exceljs/lib/stream/xlsx/workbook-writer.js' {
  import type ExcelJS from 'exceljs';

  const WorkbookWriter: typeof ExcelJS.stream.xlsx.WorkbookWriter;
  export default WorkbookWriter;
}
