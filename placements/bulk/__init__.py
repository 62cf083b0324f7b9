"""批量导入 (issue 13): persons and their contracts from an Excel workbook — template, check, report, confirm."""
