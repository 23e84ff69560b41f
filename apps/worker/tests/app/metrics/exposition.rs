//! A strict reader of Prometheus's text exposition format (0.0.4), enough to check what the
//! worker serves: every line is a `# HELP`, a `# TYPE` or a sample; every sample belongs to a
//! family typed before it; names and label names are valid; no series appears twice; counters
//! are not negative; histogram buckets are cumulative and end in `+Inf` equal to `_count`.
//! Any departure panics, naming the line.

use std::collections::{BTreeMap, HashMap, HashSet};

pub type Labels = BTreeMap<String, String>;

#[derive(Debug)]
pub struct Sample {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
}

#[derive(Debug)]
pub struct Scrape {
    pub samples: Vec<Sample>,
    /// Family name to its type (`counter`, `gauge`, `histogram`, …).
    pub types: HashMap<String, String>,
}

impl Scrape {
    /// The value of the one series `name{labels}` (exactly those labels), if present.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want = to_labels(labels);
        self.samples.iter().find(|s| s.name == name && s.labels == want).map(|s| s.value)
    }

    /// The value of `name{labels}` as a count: a whole number, at least zero.
    pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> Option<u64> {
        self.value(name, labels).map(whole)
    }

    /// The sum of every series of `name` whose labels include `labels`, each a count.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.samples
            .iter()
            .filter(|s| {
                s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| whole(s.value))
            .sum()
    }
}

fn whole(v: f64) -> u64 {
    assert!(v >= 0.0 && v.fract() == 0.0 && v < 2f64.powi(53), "{v} is not a count");
    v as u64
}

fn to_labels(labels: &[(&str, &str)]) -> Labels {
    labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn valid_name(s: &str, colon: bool) -> bool {
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'));
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
}

/// The family a sample name belongs to, given the types declared so far.
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> Option<&'a str> {
    if types.contains_key(name) {
        return Some(name);
    }
    ["_bucket", "_sum", "_count"]
        .iter()
        .filter_map(|suffix| name.strip_suffix(suffix))
        .find(|base| types.get(*base).is_some_and(|t| t == "histogram"))
}

pub fn parse(text: &str) -> Scrape {
    assert!(text.ends_with('\n'), "the exposition must end with a line feed");
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helped: HashSet<String> = HashSet::new();
    let mut seen: HashSet<(String, Labels)> = HashSet::new();
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = |why: &str| format!("line {}: {why}: {line:?}", i + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _help) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(valid_name(name, true), "{}", at("bad metric name"));
            assert!(helped.insert(name.to_owned()), "{}", at("HELP given twice"));
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) =
                rest.split_once(' ').unwrap_or_else(|| panic!("{}", at("TYPE without a type")));
            assert!(valid_name(name, true), "{}", at("bad metric name"));
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{}",
                at("unknown type")
            );
            assert!(types.insert(name.to_owned(), kind.to_owned()).is_none(), "{}", at("TYPE given twice"));
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "{}", at("neither HELP, TYPE nor a sample"));
        let sample = parse_sample(line).unwrap_or_else(|why| panic!("{}", at(&why)));
        let family =
            family_of(&sample.name, &types).unwrap_or_else(|| panic!("{}", at("sample before its TYPE")));
        if types[family] == "counter" || sample.name.ends_with("_count") || sample.name.ends_with("_bucket") {
            assert!(sample.value >= 0.0, "{}", at("a count below zero"));
        }
        assert!(seen.insert((sample.name.clone(), sample.labels.clone())), "{}", at("series given twice"));
        samples.push(sample);
    }
    let scrape = Scrape { samples, types };
    check_histograms(&scrape);
    scrape
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !valid_name(name, true) {
        return Err("bad metric name".into());
    }
    let (labels, rest) = match line[name_end..].strip_prefix('{') {
        Some(inner) => parse_labels(inner)?,
        None => (Labels::new(), &line[name_end..]),
    };
    let value = rest.strip_prefix(' ').ok_or("no space before the value")?;
    if value.contains(' ') {
        return Err("more than a value (timestamps are not expected)".into());
    }
    let value: f64 = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().map_err(|_| format!("bad value {v:?}"))?,
    };
    Ok(Sample { name: name.to_owned(), labels, value })
}

/// `key="value",…}` after the opening brace: the labels, and what follows the closing brace.
fn parse_labels(mut rest: &str) -> Result<(Labels, &str), String> {
    let mut labels = Labels::new();
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let eq = rest.find('=').ok_or("label without =")?;
        let key = &rest[..eq];
        if !valid_name(key, false) {
            return Err(format!("bad label name {key:?}"));
        }
        rest = rest[eq + 1..].strip_prefix('"').ok_or("label value not quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let close = loop {
            match chars.next().ok_or("unterminated label value")? {
                (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        if labels.insert(key.to_owned(), value).is_some() {
            return Err(format!("label {key} twice"));
        }
        rest = &rest[close + 1..];
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None if rest.starts_with('}') => {}
            None => return Err("expected , or } after a label value".into()),
        }
    }
}

fn check_histograms(scrape: &Scrape) {
    for (family, _) in scrape.types.iter().filter(|(_, t)| *t == "histogram") {
        let bucket = format!("{family}_bucket");
        let mut series: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
        for s in scrape.samples.iter().filter(|s| s.name == bucket) {
            let mut rest = s.labels.clone();
            let le = rest.remove("le").unwrap_or_else(|| panic!("{bucket} without le"));
            let le: f64 = if le == "+Inf" { f64::INFINITY } else { le.parse().expect("le is a number") };
            series.entry(rest).or_default().push((le, s.value));
        }
        for (labels, mut buckets) in series {
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(
                buckets.windows(2).all(|w| w[0].1 <= w[1].1),
                "{family}{labels:?}: buckets not cumulative"
            );
            let last = buckets.last().expect("a bucket");
            assert!(last.0.is_infinite(), "{family}{labels:?}: no +Inf bucket");
            let pairs: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let count = scrape.count(&format!("{family}_count"), &pairs);
            assert_eq!(count, Some(whole(last.1)), "{family}{labels:?}: +Inf bucket and _count differ");
            assert!(scrape.value(&format!("{family}_sum"), &pairs).is_some(), "{family}{labels:?}: no _sum");
        }
    }
}
