//! `STRATEGY_FILE`: the strategy of each symbol and the risk limits in one TOML file
//! (`config/strategies.example.toml`), laid over what the environment says.
//!
//! ```toml
//! [defaults]                          # every symbol without a table of its own
//! strategy = "sma-cross"
//! params = { fast = 5, slow = 20 }
//!
//! [symbols.BTCUSDT]
//! strategy = "donchian"
//! params = { entry = 20, exit = 10 }
//!
//! [risk]                              # the environment's names, in lower case
//! max_position_pct = 20
//! max_daily_loss_pct = 3
//! ```
//!
//! **Precedence: the file, then the environment (and `.env`), then the built-in defaults.** What
//! the file sets wins; what it leaves out comes from the environment as before. A table inherits
//! from the level below it (a symbol's table from `[defaults]`, `[defaults]` from `STRATEGY` and
//! `STRATEGY_PARAMS`): without `strategy` it trades the inherited strategy; its `params` are laid
//! over the inherited parameters when the strategy is the same, and over the strategy's own
//! defaults when it names another.
//!
//! Every problem is reported with the others (`ConfigErrors`), naming the file, the table and the
//! key. A syntax error, a value of the wrong type or an unknown key (`deny_unknown_fields`) stops
//! the reading of the file at the first one, with its line; everything after that (strategies,
//! parameters, ranges, symbols not traded) is all reported at once.

use std::collections::BTreeMap;
use std::path::Path;

use mirai_core::{Decimal, RiskLimits, Symbol};
use mirai_engine::StrategySpec;
use mirai_engine::strategies::info;
use mirai_settings::Reader;
use serde::Deserialize;

use super::read_risk;

/// A strategy file larger than this is refused unread: it is a few lines per symbol.
const MAX_BYTES: u64 = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyFile {
    defaults: Option<StrategyTable>,
    #[serde(default)]
    symbols: BTreeMap<String, StrategyTable>,
    risk: Option<RiskTable>,
}

/// `[defaults]` or `[symbols.SYMBOL]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyTable {
    strategy: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
}

/// `[risk]`: each key is a worker setting's name in lower case, with the same meaning and range.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskTable {
    position_size_pct: Option<toml::Value>,
    max_order_notional: Option<toml::Value>,
    max_position_pct: Option<toml::Value>,
    max_exposure_pct: Option<toml::Value>,
    max_daily_loss_pct: Option<toml::Value>,
    max_trades_per_day: Option<toml::Value>,
    max_consecutive_losses: Option<toml::Value>,
    cooldown_minutes: Option<toml::Value>,
    min_confidence: Option<toml::Value>,
    embargo_minutes_after_news: Option<toml::Value>,
}

impl RiskTable {
    /// The keys set, each with its value.
    fn entries(&self) -> Vec<(&'static str, &toml::Value)> {
        [
            ("position_size_pct", &self.position_size_pct),
            ("max_order_notional", &self.max_order_notional),
            ("max_position_pct", &self.max_position_pct),
            ("max_exposure_pct", &self.max_exposure_pct),
            ("max_daily_loss_pct", &self.max_daily_loss_pct),
            ("max_trades_per_day", &self.max_trades_per_day),
            ("max_consecutive_losses", &self.max_consecutive_losses),
            ("cooldown_minutes", &self.cooldown_minutes),
            ("min_confidence", &self.min_confidence),
            ("embargo_minutes_after_news", &self.embargo_minutes_after_news),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_ref()?)))
        .collect()
    }
}

/// What the file is laid over: the environment's strategy (becomes the file's `[defaults]`), the
/// per-symbol strategies (filled from `[symbols.*]`), the position size and the limits.
#[derive(Debug)]
pub(super) struct Layers<'a> {
    pub strategy: &'a mut StrategySpec,
    pub strategies: &'a mut BTreeMap<Symbol, StrategySpec>,
    pub position_size: &'a mut Decimal,
    pub limits: &'a mut RiskLimits,
}

/// Reads the file at `path` and lays it over `layers`; every problem goes to `r`.
pub(super) fn apply(r: &mut Reader<'_>, path: &Path, traded: &[Symbol], layers: Layers<'_>) {
    let at = format!("STRATEGY_FILE {}", path.display());
    let file = match read(path) {
        Ok(f) => f,
        Err(why) => return r.error(format!("{at}: {why}")),
    };
    if let Some(table) = &file.defaults {
        match resolve(table, layers.strategy) {
            Ok(spec) => *layers.strategy = spec,
            Err(problems) => problems.into_iter().for_each(|p| r.error(format!("{at}: [defaults] {p}"))),
        }
    }
    for (name, table) in &file.symbols {
        let here = format!("{at}: [symbols.{name}]");
        let symbol = match Symbol::new_checked(name) {
            Ok(s) if traded.contains(&s) => Some(s),
            Ok(_) => {
                let list = traded.iter().map(Symbol::as_str).collect::<Vec<_>>().join(",");
                r.error(format!(
                    "{here} {name} is not traded (SYMBOLS is {list}): add it to SYMBOLS or drop the table"
                ));
                None
            }
            Err(e) => {
                r.error(format!("{here} is not a symbol: {e}"));
                None
            }
        };
        // Checked even for a symbol refused above, so that one run shows every problem.
        match (resolve(table, layers.strategy), symbol) {
            (Ok(spec), Some(symbol)) => {
                layers.strategies.insert(symbol, spec);
            }
            (Ok(_), None) => {}
            (Err(problems), _) => problems.into_iter().for_each(|p| r.error(format!("{here} {p}"))),
        }
    }
    if let Some(risk) = &file.risk {
        apply_risk(r, &at, risk, layers.position_size, layers.limits);
    }
}

/// The file, parsed. A syntax error, a wrong type or an unknown key is one message naming the
/// line (and the table it is in).
fn read(path: &Path) -> Result<StrategyFile, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?.len();
    if size > MAX_BYTES {
        return Err(format!("is {size} bytes; a strategy file may have at most {MAX_BYTES}"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot be read: {e}"))?;
    toml::from_str(&text).map_err(|e| {
        let message = e.message().trim_end().replace('\n', " ");
        match e.span() {
            Some(span) => format!("{}: {message}", place(&text, span.start)),
            None => message,
        }
    })
}

/// `line 7 (in [symbols.BTCUSDT])` for a byte offset into `text`: the line, and the table header
/// above it (none when the line is a header itself).
fn place(text: &str, offset: usize) -> String {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let here = text.get(start..).and_then(|t| t.lines().next()).unwrap_or_default();
    let header = |l: &str| l.trim_start().starts_with('[');
    let table = before
        .get(..start)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .rfind(|l| header(l))
        .filter(|_| !header(here))
        .and_then(|l| l.split(']').next())
        .map(|l| format!(" (in {}])", l.trim()));
    format!("line {line}{}", table.unwrap_or_default())
}

/// A table's strategy over the one it inherits (`parent`): its own strategy or the parent's,
/// its parameters over the parent's (same strategy) or over the strategy's defaults. Every
/// unknown parameter and wrong type is reported; then the strategy's own checks, which stop at
/// its first problem.
fn resolve(table: &StrategyTable, parent: &StrategySpec) -> Result<StrategySpec, Vec<String>> {
    let name = table.strategy.as_deref().map_or(parent.name(), str::trim);
    let Some(info) = info(name) else {
        let known = mirai_engine::strategies::CATALOG.iter().map(|s| s.name).collect::<Vec<_>>().join(", ");
        return Err(vec![format!("strategy {name:?} is not one of {known}")]);
    };
    let mut params: Vec<(String, String)> = if name == parent.name() {
        parent.params().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    } else {
        Vec::new()
    };
    let mut problems = Vec::new();
    for (key, value) in &table.params {
        if !info.params.iter().any(|p| p.name == key.as_str()) {
            let has = info.params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
            problems.push(format!("params.{key}: {name} has no parameter {key:?} (it has {has})"));
            continue;
        }
        match text(value) {
            Ok(v) => match params.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = v,
                None => params.push((key.clone(), v)),
            },
            Err(kind) => problems.push(format!("params.{key} must be a number, not {kind}")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    StrategySpec::parse(name, &pairs).map_err(|e| vec![e.to_string()])
}

/// `[risk]` through the very reader the environment's limits go through (`read_risk`), under the
/// keys' lower-case names; what the table sets replaces the environment's value.
fn apply_risk(r: &mut Reader<'_>, at: &str, risk: &RiskTable, size: &mut Decimal, limits: &mut RiskLimits) {
    let mut values = BTreeMap::new();
    for (key, value) in risk.entries() {
        match text(value) {
            Ok(v) => {
                values.insert(key, v);
            }
            Err(kind) => r.error(format!("{at}: [risk] {key} must be a number, not {kind}")),
        }
    }
    let get = |key: &str| values.get(key).cloned();
    let mut file = Reader::new(&get);
    let (file_size, file_limits) = read_risk(&mut file, &|key| key.to_ascii_lowercase());
    if let Err(problems) = file.finish(()) {
        problems.into_iter().for_each(|p| r.error(format!("{at}: [risk] {p}")));
    }
    let set = |key: &str| values.contains_key(key);
    if set("position_size_pct") {
        *size = file_size;
    }
    let RiskLimits {
        max_order_notional,
        max_position_pct,
        max_total_exposure_pct,
        max_daily_loss_pct,
        max_trades_per_day,
        max_consecutive_losses,
        cooldown_ms,
        min_confidence,
        news_embargo_ms,
    } = file_limits;
    if set("max_order_notional") {
        limits.max_order_notional = max_order_notional;
    }
    if set("max_position_pct") {
        limits.max_position_pct = max_position_pct;
    }
    if set("max_exposure_pct") {
        limits.max_total_exposure_pct = max_total_exposure_pct;
    }
    if set("max_daily_loss_pct") {
        limits.max_daily_loss_pct = max_daily_loss_pct;
    }
    if set("max_trades_per_day") {
        limits.max_trades_per_day = max_trades_per_day;
    }
    if set("max_consecutive_losses") {
        limits.max_consecutive_losses = max_consecutive_losses;
    }
    if set("cooldown_minutes") {
        limits.cooldown_ms = cooldown_ms;
    }
    if set("min_confidence") {
        limits.min_confidence = min_confidence;
    }
    if set("embargo_minutes_after_news") {
        limits.news_embargo_ms = news_embargo_ms;
    }
}

/// A number (or a string holding one) as the text the settings reader parses; otherwise what
/// kind of value it is, for the message.
fn text(value: &toml::Value) -> Result<String, &'static str> {
    match value {
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Boolean(_) => Err("a boolean"),
        toml::Value::Datetime(_) => Err("a date"),
        toml::Value::Array(_) => Err("an array"),
        toml::Value::Table(_) => Err("a table"),
    }
}

#[cfg(test)]
mod tests;
