//! Settings: one typed tree read from the environment (and `.env`), validated at start-up with
//! every problem reported at once. Defaults are the safe ones: dry run, testnet, loopback only.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use mirai_binance::Environment;
use mirai_core::{Amount, CandleSource, Confidence, Decimal, MAX_STARTING_CASH, RiskLimits, Symbol};
use mirai_engine::{AnyStrategy, StrategySpec};
use mirai_web::{LoginPolicy, Mode};

use crate::venue::{BinanceSettings, MarketDataSettings};
use mirai_settings::Reader;
use secrecy::{ExposeSecret, SecretString};

/// The shortest JWT or service secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub dry_run: bool,
    /// `BINANCE_ENV` is testnet (the default). Kept for the status view and older tooling;
    /// `BINANCE_TESTNET`, if set, must agree with `BINANCE_ENV`.
    pub testnet: bool,
    /// `BINANCE_ENV`: which Binance the worker trades on when `DRY_RUN=false`.
    pub binance_env: Environment,
    /// Set when `BINANCE_API_KEY` is: the account to trade through when `DRY_RUN=false`.
    pub binance: Option<BinanceSettings>,
    /// `MARKET_DATA`: the market the paper exchange trades on with `DRY_RUN=true`.
    pub market_data: MarketData,
    /// The dashboard and the API: where they listen, who logs in, what a client may hold.
    pub web: WebSettings,
    /// What is traded and how: symbols, strategy, position size, risk limits.
    pub trading: TradingSettings,
    /// The paper exchange: opening cash, fees, slippage.
    pub paper: PaperSettings,
    /// The embedded market: replay speed and seed.
    pub replay: ReplaySettings,
    /// Set when any `SNOWFLAKE_*` variable is: the history is then shipped to Snowflake.
    pub snowflake: Option<mirai_store_snowflake::SnowflakeSettings>,
    /// Embedder, vector store (embedded or Milvus) and news sources.
    pub knowledge: crate::knowledge::KnowledgeSettings,
    /// `BACKTEST_MAX_BARS`, `BACKTEST_MEMORY_MB`, `BACKTEST_TIMEOUT_SECS`: what one backtest
    /// request may use.
    pub backtests: crate::backtests::Budget,
    /// `ADVISOR` (`rules`, the default, or `llm`) and the model's settings.
    pub advisor: mirai_llm::advisor::settings::AdvisorSettings,
    /// `NEWS_TOPK`, `NEWS_FINAL_K`, `NEWS_BACKTEST_DELAY_MINUTES`: which news a decision sees.
    pub retrieval: mirai_llm::advisor::retrieval::RetrievalSettings,
    /// `NOTIFY_WEBHOOK_URL`, `TELEGRAM_*`, `ALERT_PNL_PCT`, `ALERT_OUTBOX_LAG_SECONDS`: where alerts
    /// go and what crosses a threshold. `None`: alerts are off.
    pub alerts: Option<mirai_alerts::AlertSettings>,
    /// `SECRETS_SOURCE=aws`: the secret these settings were partly read from, refreshed while the
    /// worker runs (`secret_source.rs`, `rotation.rs`). `None`: everything came from the
    /// environment.
    pub secrets: Option<std::sync::Arc<mirai_secrets::Secrets>>,
}

/// `MARKET_DATA`: the market a dry run trades on. With `DRY_RUN=false` the venue's own streams are
/// traded, whatever this says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketData {
    /// `replay` (the default): the built-in synthetic market, offline.
    Replay,
    /// `binance`: Binance's public market data (no key), orders simulated on the paper exchange
    /// with each symbol's real filters.
    Binance(MarketDataSettings),
}

#[derive(Debug, Clone)]
pub struct WebSettings {
    /// `BIND_ADDR`, `PORT`.
    pub bind: IpAddr,
    pub port: u16,
    /// `WEB_USER`.
    pub user: String,
    /// `WEB_PASS`. None: a random password is generated at start and printed once.
    pub pass: Option<SecretString>,
    /// `JWT_SECRET`. None: a random secret is generated at start (sessions end with the process).
    pub jwt_secret: Option<SecretString>,
    /// `WORKER_SERVICE_TOKEN`: enables the `/internal/v1` control API for remote web tiers.
    pub service_token: Option<SecretString>,
    /// `LOGIN_MAX_FAILURES` (default 5) and `LOGIN_LOCKOUT_MINUTES` (default 15).
    pub login_policy: LoginPolicy,
    /// `WEB_RATE_PER_USER_PER_MIN` (600), `WEB_RATE_PER_ADDR_PER_MIN` (1200) and
    /// `WEB_REQUEST_TIMEOUT_SECS` (8).
    pub request_limits: mirai_web::RequestLimits,
    /// `HTTP_HEADER_TIMEOUT_SECS`, `HTTP_BODY_TIMEOUT_SECS`, `HTTP_MAX_CONNECTIONS`.
    pub http: crate::server::HttpLimits,
}

#[derive(Debug, Clone)]
pub struct TradingSettings {
    /// `SYMBOLS`.
    pub symbols: Vec<Symbol>,
    /// The strategy of every symbol without its own: `STRATEGY_FILE`'s `[defaults]`, else
    /// `STRATEGY` and `STRATEGY_PARAMS`; parsed and checked once.
    pub strategy: StrategySpec,
    /// `STRATEGY_FILE`'s `[symbols.*]` tables: the symbols that trade a strategy of their own.
    pub strategies: BTreeMap<Symbol, StrategySpec>,
    /// `STRATEGY_FILE`, when set: where the strategies and limits above were partly read from.
    pub strategy_file: Option<PathBuf>,
    /// `POSITION_SIZE_PCT` (or `[risk] position_size_pct`), as a fraction.
    pub position_size: Decimal,
    /// `MAX_*`, `COOLDOWN_MINUTES`, `MIN_CONFIDENCE`, `EMBARGO_MINUTES_AFTER_NEWS` (or their
    /// lower-case keys in `STRATEGY_FILE`'s `[risk]`).
    pub limits: RiskLimits,
    /// `APPROVAL_MODE` (`semi` for real money, `auto` otherwise, by default), `SEMI_MAX_NOTIONAL`,
    /// `PROPOSAL_TTL_SECONDS`: which approved orders wait for a person, and how long.
    pub approval: mirai_live::approval::ApprovalPolicy,
    /// `LIVE_APPROVAL_HOURS` (1 to 720, default 24): how long a live-trading approval given now
    /// lasts (the dashboard's or `mirai live approve`'s).
    pub live_approval_hours: u32,
}

#[derive(Debug, Clone)]
pub struct PaperSettings {
    /// `STARTING_CASH`.
    pub starting_cash: Amount,
    /// `FEE_PCT`, as a fraction.
    pub fee_rate: Decimal,
    /// `SLIPPAGE_BPS`.
    pub slippage_bps: Decimal,
}

#[derive(Debug, Clone)]
pub struct ReplaySettings {
    /// `REPLAY_BARS_PER_SECOND`.
    pub bars_per_second: u32,
    /// `REPLAY_SEED`.
    pub seed: u64,
}

/// Every invalid setting, one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid settings:\n  - {}", .0.join("\n  - "))]
pub struct ConfigErrors(pub Vec<String>);

/// The worker's own kinds of setting, on the shared [`Reader`].
trait WorkerReader {
    /// A percentage setting ("5" = 5 %), returned as a fraction (0.05).
    fn pct(&mut self, key: &str, default_pct: i64, max_pct: i64) -> Decimal;
    /// A secret of at least [`MIN_SECRET_BYTES`]; its value is never echoed.
    fn secret(&mut self, key: &str) -> Option<SecretString>;
}

impl WorkerReader for Reader<'_> {
    fn pct(&mut self, key: &str, default_pct: i64, max_pct: i64) -> Decimal {
        let v: Decimal = self.parse(key, Decimal::from(default_pct), "a number (percent)");
        if v <= Decimal::ZERO || v > Decimal::from(max_pct) {
            self.error(format!("{key}={v} must be above 0 and at most {max_pct} (percent)"));
        }
        v / Decimal::ONE_HUNDRED
    }

    fn secret(&mut self, key: &str) -> Option<SecretString> {
        let v = self.raw(key)?;
        if v.len() < MIN_SECRET_BYTES {
            self.error(format!("{key} must be at least {MIN_SECRET_BYTES} bytes (got {})", v.len()));
        }
        Some(SecretString::from(v))
    }
}

/// `POSITION_SIZE_PCT` (as a fraction) and the risk limits, each read under the name `name` gives
/// its variable: the variable itself from the environment, its lower-case form from
/// `STRATEGY_FILE`'s `[risk]` table. Unset ones take their defaults; every range is checked here,
/// so both places accept the same values.
fn read_risk(r: &mut Reader<'_>, name: &dyn Fn(&str) -> String) -> (Decimal, RiskLimits) {
    let position_size = r.pct(&name("POSITION_SIZE_PCT"), 10, 100);
    let confidence_key = name("MIN_CONFIDENCE");
    let min_conf: Decimal = r.parse(&confidence_key, Decimal::new(7, 1), "a number between 0 and 1");
    let min_confidence = Confidence::new_checked(min_conf).unwrap_or_else(|e| {
        r.error(format!("{confidence_key}: {e}"));
        Confidence::ONE
    });
    let notional_key = name("MAX_ORDER_NOTIONAL");
    let max_order_notional: Decimal = r.parse(&notional_key, Decimal::from(1_000), "a decimal number");
    let limits = RiskLimits {
        max_order_notional: Amount::new(max_order_notional),
        max_position_pct: r.pct(&name("MAX_POSITION_PCT"), 10, 100),
        max_total_exposure_pct: r.pct(&name("MAX_EXPOSURE_PCT"), 25, 100),
        max_daily_loss_pct: r.pct(&name("MAX_DAILY_LOSS_PCT"), 5, 100),
        max_trades_per_day: r.parse(&name("MAX_TRADES_PER_DAY"), 50u32, "a whole number"),
        max_consecutive_losses: r.parse(&name("MAX_CONSECUTIVE_LOSSES"), 3u32, "a whole number"),
        // At most a week: a cooldown is minutes to hours, and minutes × 60,000 must fit.
        cooldown_ms: r.ranged(&name("COOLDOWN_MINUTES"), 60i64, 0, 7 * 24 * 60) * 60_000,
        min_confidence,
        // 0 turns the gate off; at most a day.
        news_embargo_ms: r.ranged(&name("EMBARGO_MINUTES_AFTER_NEWS"), 30i64, 0, 24 * 60) * 60_000,
    };
    if max_order_notional <= Decimal::ZERO {
        r.error(format!("{notional_key}={max_order_notional} must be positive"));
    }
    (position_size, limits)
}

/// `LIVE_APPROVAL_HOURS`: how long a live-trading approval lasts, 1 to 720 hours (24 unless set).
/// `mirai live approve` reads it too, so both ways of approving agree.
pub fn read_live_approval_hours(r: &mut Reader<'_>) -> u32 {
    use mirai_store_local::{DEFAULT_LIVE_APPROVAL_HOURS, MAX_LIVE_APPROVAL_HOURS};
    r.ranged("LIVE_APPROVAL_HOURS", DEFAULT_LIVE_APPROVAL_HOURS, 1, MAX_LIVE_APPROVAL_HOURS)
}

/// `NEWS_TOPK`, `NEWS_FINAL_K` and `NEWS_BACKTEST_DELAY_MINUTES`, as for live trading
/// (`backtest: false`). `mirai backtest` reads them here too, so both agree on every rule.
pub fn read_retrieval(r: &mut Reader<'_>) -> mirai_llm::advisor::retrieval::RetrievalSettings {
    use mirai_llm::advisor::retrieval::{DEFAULT_FINAL_K, DEFAULT_TOP_K, RetrievalSettings};
    let top_k = r.ranged("NEWS_TOPK", DEFAULT_TOP_K, 1, 200);
    let final_k = r.ranged("NEWS_FINAL_K", DEFAULT_FINAL_K, 0, mirai_llm::advisor::prompt::MAX_NEWS);
    if final_k > top_k {
        r.error(format!("NEWS_FINAL_K={final_k} must not exceed NEWS_TOPK={top_k}"));
    }
    let delay_minutes = r.ranged("NEWS_BACKTEST_DELAY_MINUTES", 5i64, 0, 10_080);
    RetrievalSettings { top_k, final_k, delay_ms: delay_minutes * 60_000, backtest: false }
}

impl Settings {
    pub fn from_process_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests can supply their own environment.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut r = Reader::new(get);
        let bind = r.parse("BIND_ADDR", IpAddr::from([127, 0, 0, 1]), "an IP address");
        let port = r.parse("PORT", 8080u16, "a port number (0-65535)");
        let data_dir = PathBuf::from(r.raw("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let dry_run = r.bool("DRY_RUN", true);
        // BINANCE_ENV is also read (and its errors reported) by `BinanceSettings`.
        let binance_env = r.raw("BINANCE_ENV").and_then(|v| v.parse().ok()).unwrap_or_default();
        let testnet = binance_env == Environment::Testnet;
        if r.raw("BINANCE_TESTNET").is_some() {
            let asked = r.bool("BINANCE_TESTNET", testnet);
            if asked != testnet {
                r.error(format!(
                    "BINANCE_TESTNET={asked} contradicts BINANCE_ENV={binance_env}; set BINANCE_ENV \
                     (testnet, demo or live) and drop BINANCE_TESTNET"
                ));
            }
        }
        let binance = BinanceSettings::from_lookup(get);
        // `MARKET_DATA=binance` reads some of the same settings: each problem is reported once.
        let binance_errors = binance.as_ref().err().cloned().unwrap_or_default();
        let binance = binance.unwrap_or_else(|e| {
            e.into_iter().for_each(|e| r.error(e));
            None
        });
        let market_data = match r.raw("MARKET_DATA") {
            None => MarketData::Replay,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "replay" => MarketData::Replay,
                "binance" => match MarketDataSettings::from_lookup(get) {
                    Ok(m) => MarketData::Binance(m),
                    Err(errors) => {
                        errors.into_iter().filter(|e| !binance_errors.contains(e)).for_each(|e| r.error(e));
                        MarketData::Replay
                    }
                },
                _ => {
                    r.error(format!("MARKET_DATA={v:?} is not one of replay, binance"));
                    MarketData::Replay
                }
            },
        };
        if !dry_run && binance.is_none() && r.raw("BINANCE_API_KEY").is_none() {
            r.error(
                "DRY_RUN=false sends orders to Binance and needs credentials: set BINANCE_API_KEY and \
                 BINANCE_API_SECRET (or BINANCE_PRIVATE_KEY_PATH), or set DRY_RUN=true to trade on the \
                 paper exchange",
            );
        }
        let web_user = r.raw("WEB_USER").unwrap_or_else(|| "admin".into());
        if web_user.len() > 64 || web_user.chars().any(char::is_whitespace) {
            r.error("WEB_USER must be at most 64 characters, with no spaces");
        }
        let web_pass = r.raw("WEB_PASS").map(SecretString::from);
        if web_pass.as_ref().is_some_and(|p| p.expose_secret().len() < 8) {
            r.error("WEB_PASS must be at least 8 characters");
        }
        let jwt_secret = r.secret("JWT_SECRET");
        let service_token = r.secret("WORKER_SERVICE_TOKEN");
        let login_policy = {
            let defaults = LoginPolicy::default();
            let max = r.parse("LOGIN_MAX_FAILURES", defaults.max_failures, "a whole number");
            let minutes = r.parse("LOGIN_LOCKOUT_MINUTES", defaults.lockout_minutes, "a whole number");
            LoginPolicy::new(max, minutes).unwrap_or_else(|problems| {
                problems.into_iter().for_each(|e| r.error(e));
                defaults
            })
        };
        let request_limits = mirai_web::RequestLimits::read(&mut r);

        let symbols_raw = r.raw("SYMBOLS").unwrap_or_else(|| "BTCUSDT,ETHUSDT".into());
        let mut symbols = Vec::new();
        for s in symbols_raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match Symbol::new_checked(s) {
                Ok(sym) if !symbols.contains(&sym) => symbols.push(sym),
                Ok(_) => r.error(format!("SYMBOLS lists {s} twice")),
                Err(e) => r.error(format!("SYMBOLS: {e}")),
            }
        }
        if symbols_raw.split(',').all(|s| s.trim().is_empty()) {
            r.error("SYMBOLS must name at least one symbol");
        }

        let strategy = r.raw("STRATEGY").unwrap_or_else(|| "sma-cross".into());
        // The default parameters are sma-cross's; any other strategy without STRATEGY_PARAMS
        // takes its own defaults (`mirai strategies` lists them).
        let params_raw = r
            .raw("STRATEGY_PARAMS")
            .unwrap_or_else(|| if strategy == "sma-cross" { "fast=5,slow=20".into() } else { String::new() });
        let mut strategy_params = Vec::new();
        for kv in params_raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match kv.split_once('=') {
                Some((k, v)) => strategy_params.push((k.trim().to_owned(), v.trim().to_owned())),
                None => r.error(format!("STRATEGY_PARAMS entry {kv:?} is not key=value")),
            }
        }
        let pairs: Vec<(&str, &str)> =
            strategy_params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let strategy = StrategySpec::parse(&strategy, &pairs).unwrap_or_else(|e| {
            r.error(format!("STRATEGY/STRATEGY_PARAMS: {e}"));
            StrategySpec::SmaCross { fast: 5, slow: 20 }
        });

        let replay_bars_per_second = r.parse("REPLAY_BARS_PER_SECOND", 10u32, "a whole number");
        if !(1..=1000).contains(&replay_bars_per_second) {
            r.error("REPLAY_BARS_PER_SECOND must be between 1 and 1000");
        }
        let replay_seed = r.parse("REPLAY_SEED", 42u64, "a whole number");
        let starting_cash: Decimal = r.parse("STARTING_CASH", Decimal::from(10_000), "a decimal number");
        if starting_cash <= Decimal::ZERO || starting_cash > Decimal::from(MAX_STARTING_CASH) {
            r.error(format!("STARTING_CASH must be above 0 and at most {MAX_STARTING_CASH}"));
        }
        let fee_pct: Decimal = r.parse("FEE_PCT", Decimal::new(1, 1), "a number (percent)");
        if fee_pct < Decimal::ZERO || fee_pct > Decimal::from(5) {
            r.error(format!("FEE_PCT={fee_pct} must be between 0 and 5 (percent)"));
        }
        let fee_rate = fee_pct / Decimal::ONE_HUNDRED;
        let slippage_bps: Decimal = r.parse("SLIPPAGE_BPS", Decimal::from(2), "a decimal number");
        if slippage_bps < Decimal::ZERO || slippage_bps > Decimal::from(500) {
            r.error("SLIPPAGE_BPS must be between 0 and 500");
        }
        let (mut position_size, mut limits) = read_risk(&mut r, &|key| key.to_owned());

        // STRATEGY_FILE: strategies per symbol and risk limits, laid over the environment's.
        let file = r.raw("STRATEGY_FILE").map(PathBuf::from);
        let mut strategy = strategy;
        let mut strategies = BTreeMap::new();
        if let Some(path) = &file {
            let layers = strategy_file::Layers {
                strategy: &mut strategy,
                strategies: &mut strategies,
                position_size: &mut position_size,
                limits: &mut limits,
            };
            strategy_file::apply(&mut r, path, &symbols, layers);
        }

        let approval = {
            use mirai_live::approval::{ApprovalMode, ApprovalPolicy};
            // Real money waits for a person by default; paper, testnet and Demo Mode do not.
            let real_money = binance.is_some() && !dry_run && binance_env == Environment::Live;
            let default = if real_money { ApprovalMode::Semi } else { ApprovalMode::Auto };
            let mode = match r.raw("APPROVAL_MODE") {
                None => default,
                Some(v) => ApprovalMode::parse(&v).unwrap_or_else(|| {
                    r.error(format!("APPROVAL_MODE={v:?} is not one of auto, semi, advisor"));
                    default
                }),
            };
            let semi_max_notional = r.parse("SEMI_MAX_NOTIONAL", Decimal::ONE_HUNDRED, "a decimal amount");
            if semi_max_notional <= Decimal::ZERO {
                r.error(format!("SEMI_MAX_NOTIONAL={semi_max_notional} must be positive"));
            }
            let ttl = Duration::from_secs(r.ranged("PROPOSAL_TTL_SECONDS", 300u64, 10, 86_400));
            ApprovalPolicy { mode, semi_max_notional: Amount::new(semi_max_notional), ttl }
        };
        let live_approval_hours = read_live_approval_hours(&mut r);

        let snowflake = mirai_store_snowflake::SnowflakeSettings::from_lookup(get).unwrap_or_else(|e| {
            e.into_iter().for_each(|e| r.error(e));
            None
        });

        let knowledge = crate::knowledge::KnowledgeSettings::from_lookup(get, &symbols).unwrap_or_else(|e| {
            e.into_iter().for_each(|e| r.error(e));
            crate::knowledge::KnowledgeSettings::defaults(&symbols)
        });

        let advisor = mirai_llm::advisor::settings::AdvisorSettings::from_lookup(get).unwrap_or_else(|e| {
            e.into_iter().for_each(|e| r.error(e));
            mirai_llm::advisor::settings::AdvisorSettings::Rules
        });
        let retrieval = read_retrieval(&mut r);
        let alerts = mirai_alerts::AlertSettings::from_lookup(get).unwrap_or_else(|e| {
            e.into_iter().for_each(|e| r.error(e));
            None
        });

        let backtests = {
            use crate::backtests::{Budget, MAX_BARS};
            let defaults = Budget::default();
            Budget {
                max_bars: r.ranged("BACKTEST_MAX_BARS", defaults.max_bars, 1, u64::from(MAX_BARS)),
                memory_bytes: r.ranged("BACKTEST_MEMORY_MB", defaults.memory_bytes >> 20, 16, 65_536) << 20,
                time: Duration::from_secs(r.ranged(
                    "BACKTEST_TIMEOUT_SECS",
                    defaults.time.as_secs(),
                    1,
                    3_600,
                )),
            }
        };
        let http = {
            let defaults = crate::server::HttpLimits::default();
            let secs =
                |r: &mut Reader, key, d: Duration| Duration::from_secs(r.ranged(key, d.as_secs(), 1, 300));
            crate::server::HttpLimits {
                header_timeout: secs(&mut r, "HTTP_HEADER_TIMEOUT_SECS", defaults.header_timeout),
                body_timeout: secs(&mut r, "HTTP_BODY_TIMEOUT_SECS", defaults.body_timeout),
                max_connections: r.ranged("HTTP_MAX_CONNECTIONS", defaults.max_connections, 1, 65_536),
            }
        };

        r.finish(()).map_err(ConfigErrors)?;
        Ok(Self {
            data_dir,
            dry_run,
            testnet,
            binance_env,
            binance,
            market_data,
            web: WebSettings {
                bind,
                port,
                user: web_user,
                pass: web_pass,
                jwt_secret,
                service_token,
                login_policy,
                request_limits,
                http,
            },
            trading: TradingSettings {
                symbols,
                strategy,
                strategies,
                strategy_file: file,
                position_size,
                limits,
                approval,
                live_approval_hours,
            },
            paper: PaperSettings { starting_cash: Amount::new(starting_cash), fee_rate, slippage_bps },
            replay: ReplaySettings { bars_per_second: replay_bars_per_second, seed: replay_seed },
            snowflake,
            knowledge,
            backtests,
            advisor,
            retrieval,
            alerts,
            secrets: None,
        })
    }

    /// The Binance account to trade through: configured, and `DRY_RUN=false`. `None` means the
    /// paper exchange and the replayed market.
    pub fn trading_venue(&self) -> Option<&BinanceSettings> {
        self.binance.as_ref().filter(|_| !self.dry_run)
    }

    /// Binance's public market data to paper-trade on: `MARKET_DATA=binance`, and no venue traded
    /// on (a dry run). `None`: the replayed market, or the venue's own streams.
    pub fn paper_market_data(&self) -> Option<&MarketDataSettings> {
        match &self.market_data {
            MarketData::Binance(m) if self.trading_venue().is_none() => Some(m),
            _ => None,
        }
    }

    /// Where the market data traded on comes from, as the status view and the recorded candles
    /// say: the venue's streams, Binance's public data on paper, or the replay.
    pub fn market_source(&self) -> CandleSource {
        if self.trading_venue().is_some() {
            CandleSource::Venue
        } else if self.paper_market_data().is_some() {
            CandleSource::Binance
        } else {
            CandleSource::Replay
        }
    }

    /// What the status view calls this run: paper in a dry run, else the Binance environment.
    pub fn mode(&self) -> Mode {
        match self.trading_venue().map(|b| b.env) {
            None => Mode::Paper,
            Some(Environment::Testnet) => Mode::Testnet,
            Some(Environment::Demo) => Mode::Demo,
            Some(Environment::Live) => Mode::Live,
        }
    }

    /// The strategy `symbol` trades, built.
    pub fn build_strategy(&self, symbol: Symbol) -> AnyStrategy {
        self.trading.strategy_for(symbol).build()
    }
}

impl TradingSettings {
    /// The strategy `symbol` trades: its own from `STRATEGY_FILE`, else the default one.
    pub fn strategy_for(&self, symbol: Symbol) -> &StrategySpec {
        self.strategies.get(&symbol).unwrap_or(&self.strategy)
    }
}

mod strategy_file;
#[cfg(test)]
mod tests;
