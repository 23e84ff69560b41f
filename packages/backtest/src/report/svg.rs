//! Inline SVG line charts: no script, no external font or library, so the report opens anywhere
//! and offline.

use std::fmt::Write as _;

use mirai_core::Timestamp;

use super::html::escape;

const W: f64 = 960.0;
const H: f64 = 260.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// A chart of `(time, value)` points; `fill` shades the area down to zero (for drawdowns).
pub fn line_chart(points: &[(i64, f64)], unit: &str, colour: &str, fill: bool) -> String {
    let finite: Vec<(i64, f64)> = points.iter().copied().filter(|(_, v)| v.is_finite()).collect();
    let mut svg = format!(
        r#"<svg viewBox="0 0 {W} {H}" width="100%" role="img" font-family="sans-serif" font-size="11">"#
    );
    let (Some(first), Some(last)) = (finite.first(), finite.last()) else {
        svg.push_str(r#"<text x="50%" y="50%" text-anchor="middle">no data</text></svg>"#);
        return svg;
    };
    let (t0, t1) = (first.0 as f64, (last.0 as f64).max(first.0 as f64 + 1.0));
    let mut lo = finite.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mut hi = finite.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if fill {
        hi = hi.max(0.0);
        lo = lo.min(0.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        hi += 1.0;
        lo -= 1.0;
    }
    let x = |t: f64| LEFT + (t - t0) / (t1 - t0) * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM);
    for i in 0..=4 {
        let v = lo + (hi - lo) * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end" fill="#555">{}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            escape(&format!("{}{unit}", tick(v))),
            y = y(v),
        );
    }
    for (t, anchor) in [(t0, "start"), (t1, "end")] {
        let date = Timestamp::from_millis(t as i64).to_iso8601();
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" text-anchor="{anchor}" fill="#555">{}</text>"##,
            x(t),
            H - 8.0,
            escape(&date[..10])
        );
    }
    let mut path = String::with_capacity(finite.len() * 16);
    for (i, (t, v)) in finite.iter().enumerate() {
        let _ = write!(path, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x(*t as f64), y(*v));
    }
    if fill {
        let _ = write!(
            svg,
            r#"<path d="{path}L{:.1},{:.1}L{:.1},{:.1}Z" fill="{colour}" fill-opacity="0.25" stroke="none"/>"#,
            x(t1),
            y(0.0),
            x(t0),
            y(0.0)
        );
    }
    let _ = write!(svg, r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.4"/></svg>"#);
    svg
}

/// A short label for an axis value.
fn tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_plain_svg_with_a_path_per_series() {
        let svg = line_chart(&[(0, 1.0), (86_400_000, 2.0), (172_800_000, f64::NAN)], "$", "#1f6feb", false);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.contains("1970-01-02"), "the last finite point sets the end date");
        assert!(line_chart(&[], "", "#000", true).contains("no data"));
        let dd = line_chart(&[(0, 0.0), (1, -5.0)], "%", "#c00", true);
        assert_eq!(dd.matches("<path").count(), 2);
    }
}
