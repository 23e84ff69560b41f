//! `Exposition`: writes Prometheus's text exposition format (version 0.0.4): per metric family a
//! `# HELP` and a `# TYPE` line, then its samples, `name{label="value",…} value`, one a line.
//! Label values and help texts are escaped as the format requires, so no value can break a line
//! or forge a sample.

use std::fmt::{Display, Write as _};

/// The `Content-Type` of the text this writes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A family's type, as its `# TYPE` line names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// The text being written. Families must be written whole, one after the other: a family's
/// samples follow its [`Exposition::family`] call, before the next one.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the family `name` (a fixed name from this crate: never built from input).
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        // Writing to a String cannot fail.
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample of the current family: `name` is the family's, or for a histogram its
    /// `_bucket`, `_sum` or `_count`. `value` must print as a number (integers and
    /// `rust_decimal` values do; decimals never print in exponent form).
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (key, val)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{key}=\"{}\"", escape_label(val));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    /// `1` for true, `0` for false: how a yes/no state is a gauge.
    pub fn flag(&mut self, name: &str, help: &str, on: bool) {
        self.family(name, Kind::Gauge, help);
        self.sample(name, &[], u8::from(on));
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// A label value as the format quotes it: backslash, double quote and line feed escaped.
fn escape_label(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"").replace('\n', r"\n")
}

/// A help text: backslash and line feed escaped (a quote needs none there).
fn escape_help(s: &str) -> String {
    s.replace('\\', r"\\").replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_samples_are_written_as_the_format_says() {
        let mut out = Exposition::new();
        out.family("mirai_fills_total", Kind::Counter, "Fills booked.");
        out.sample("mirai_fills_total", &[("side", "BUY")], 3u64);
        out.sample("mirai_fills_total", &[("side", "SELL"), ("x", "y")], 0u64);
        out.flag("mirai_trading_halted", "Kill switch on.", true);
        assert_eq!(
            out.finish(),
            "# HELP mirai_fills_total Fills booked.\n\
             # TYPE mirai_fills_total counter\n\
             mirai_fills_total{side=\"BUY\"} 3\n\
             mirai_fills_total{side=\"SELL\",x=\"y\"} 0\n\
             # HELP mirai_trading_halted Kill switch on.\n\
             # TYPE mirai_trading_halted gauge\n\
             mirai_trading_halted 1\n"
        );
    }

    #[test]
    fn a_label_value_cannot_break_out_of_its_quotes_or_its_line() {
        let mut out = Exposition::new();
        out.sample("m", &[("gate", "a\"} 99\nforged 1\\")], 1u64);
        assert_eq!(out.finish(), "m{gate=\"a\\\"} 99\\nforged 1\\\\\"} 1\n");
        let mut out = Exposition::new();
        out.family("m", Kind::Gauge, "two\nlines \\ here");
        assert!(out.finish().starts_with("# HELP m two\\nlines \\\\ here\n"));
    }
}
