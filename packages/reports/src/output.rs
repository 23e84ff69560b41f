//! A table as CSV (RFC 4180: a field with a comma, quote or line break is quoted) or as aligned
//! text for a terminal. NULL is an empty field.

use crate::report::Table;

impl Table {
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<&str> = self.report.columns().iter().map(|c| c.name).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let fields: Vec<String> = row.iter().map(|c| csv_field(c.as_deref().unwrap_or(""))).collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// Columns padded to their widest cell; NULL shown as `-`.
    pub fn to_text(&self) -> String {
        let columns = self.report.columns();
        let cells: Vec<Vec<&str>> =
            self.rows.iter().map(|r| r.iter().map(|c| c.as_deref().unwrap_or("-")).collect()).collect();
        let widths: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                cells.iter().map(|r| r.get(i).map_or(0, |s| s.chars().count())).fold(c.name.len(), usize::max)
            })
            .collect();
        let mut out = String::new();
        let line = |out: &mut String, fields: &mut dyn Iterator<Item = &str>| {
            let parts: Vec<String> = fields.zip(&widths).map(|(f, w)| format!("{f:<w$}")).collect();
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&mut out, &mut columns.iter().map(|c| c.name));
        for r in &cells {
            line(&mut out, &mut r.iter().copied());
        }
        out.push_str(&format!("({} rows)\n", self.rows.len()));
        out
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}
