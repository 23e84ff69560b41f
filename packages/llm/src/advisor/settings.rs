//! `AdvisorSettings`: which advisor decides entries (`ADVISOR=rules|llm`) and, for the model,
//! where it is, how long and how much it may take. Every problem is reported at once; the API
//! key is never echoed.

use std::time::Duration;

use mirai_core::Timestamp;

use mirai_settings::{Reader, Transport, check_base_url, is_loopback};
use rust_decimal::Decimal;
use secrecy::SecretString;

use super::guard::Prices;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(8_000);
pub const DEFAULT_DAILY_BUDGET_USD: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

/// The model path's settings (`ADVISOR=llm`).
#[derive(Clone, Debug)]
pub struct LlmSettings {
    pub api_key: SecretString,
    pub base_url: String,
    pub model: String,
    /// One decision's whole budget of time, retries included (`LLM_TIMEOUT_MS`).
    pub timeout: Duration,
    pub max_retries: u32,
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
    pub daily_budget_usd: Decimal,
    pub prices: Prices,
    /// The last day the model's training data covers, as 00:00 UTC of that day
    /// (`LLM_TRAINING_CUTOFF`, else the vendor's published cutoff for a model in
    /// [`known_training_cutoff`]); `None` when unknown, which reports then say, never guess.
    pub training_cutoff: Option<Timestamp>,
}

/// `rules` (the default: offline, deterministic) or `llm`.
#[derive(Clone, Debug)]
pub enum AdvisorSettings {
    Rules,
    Llm(LlmSettings),
}

impl AdvisorSettings {
    /// Reads `ADVISOR`, `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`, `LLM_TIMEOUT_MS`,
    /// `LLM_MAX_RETRIES`, `LLM_BREAKER_FAILURES`, `LLM_BREAKER_COOLDOWN_SECS`,
    /// `LLM_DAILY_BUDGET_USD`, `LLM_PRICE_INPUT_PER_MTOK`, `LLM_PRICE_OUTPUT_PER_MTOK` and
    /// `LLM_TRAINING_CUTOFF`.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut r = Reader::new(get);
        match r.raw("ADVISOR").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("rules") => return r.finish(Self::Rules),
            Some("llm") => {}
            Some(other) => {
                r.error(format!("ADVISOR={other:?} is not one of rules, llm"));
                return r.finish(Self::Rules);
            }
        }
        let base_url = r.raw("OPENAI_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.into());
        let loopback = match check_base_url(&base_url, Transport::HttpsUnlessLoopback) {
            Ok(url) => is_loopback(&url),
            Err(why) => {
                r.error(format!("OPENAI_BASE_URL={base_url:?} {why}"));
                false
            }
        };
        // A local server (vLLM, Ollama, llama.cpp, the simulator) needs no key.
        let api_key = match r.raw("OPENAI_API_KEY") {
            Some(k) => SecretString::from(k),
            None if loopback => SecretString::from("local"),
            None => {
                r.error("ADVISOR=llm needs OPENAI_API_KEY (or a loopback OPENAI_BASE_URL)");
                SecretString::from("")
            }
        };
        let model = r.raw("OPENAI_MODEL").unwrap_or_else(|| DEFAULT_MODEL.into());
        if model.len() > 100
            || !model.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'))
        {
            r.error("OPENAI_MODEL must be a model name (letters, digits, - _ . : /)");
        }
        let timeout = Duration::from_millis(r.ranged("LLM_TIMEOUT_MS", 8_000u64, 100, 60_000));
        let max_retries = r.ranged("LLM_MAX_RETRIES", 1u32, 0, 5);
        let breaker_failures = r.ranged("LLM_BREAKER_FAILURES", 3u32, 1, 100);
        let breaker_cooldown = Duration::from_secs(r.ranged("LLM_BREAKER_COOLDOWN_SECS", 300u64, 1, 86_400));
        let daily_budget_usd = decimal(&mut r, "LLM_DAILY_BUDGET_USD", DEFAULT_DAILY_BUDGET_USD);
        let known = known_prices(&model);
        let price = |r: &mut Reader<'_>, key: &str, known: Option<Decimal>| match (r.raw(key), known) {
            (Some(_), _) => Some(decimal(r, key, Decimal::ZERO)),
            (None, k) => k,
        };
        let input = price(&mut r, "LLM_PRICE_INPUT_PER_MTOK", known.map(|p| p.input_per_mtok));
        let output = price(&mut r, "LLM_PRICE_OUTPUT_PER_MTOK", known.map(|p| p.output_per_mtok));
        let prices = match (input, output) {
            (Some(i), Some(o)) => Prices { input_per_mtok: i, output_per_mtok: o },
            // Free on this machine: a local server costs no money per token.
            _ if loopback => Prices { input_per_mtok: Decimal::ZERO, output_per_mtok: Decimal::ZERO },
            _ => {
                r.error(format!(
                    "no price is known for {model}: set LLM_PRICE_INPUT_PER_MTOK and LLM_PRICE_OUTPUT_PER_MTOK (US dollars per million tokens) so the daily budget can be kept"
                ));
                Prices { input_per_mtok: Decimal::ZERO, output_per_mtok: Decimal::ZERO }
            }
        };
        let training_cutoff = match r.raw("LLM_TRAINING_CUTOFF") {
            None => known_training_cutoff(&model),
            Some(v) => {
                let day = parse_day(&v);
                if day.is_none() {
                    r.error(format!("LLM_TRAINING_CUTOFF={v:?} is not a date (YYYY-MM-DD)"));
                }
                day
            }
        };
        r.finish(Self::Llm(LlmSettings {
            api_key,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model,
            timeout,
            max_retries,
            breaker_failures,
            breaker_cooldown,
            daily_budget_usd,
            prices,
            training_cutoff,
        }))
    }
}

/// A non-negative decimal up to a million.
fn decimal(r: &mut Reader<'_>, key: &str, default: Decimal) -> Decimal {
    match r.raw(key) {
        None => default,
        Some(v) => match v.parse::<Decimal>() {
            Ok(d) if d >= Decimal::ZERO && d <= Decimal::from(1_000_000) => d,
            _ => {
                r.error(format!("{key}={v:?} is not a decimal from 0 to 1000000"));
                default
            }
        },
    }
}

/// Published list prices (US dollars per million tokens) of the models people commonly point
/// this at; anything else must be priced in the settings.
fn known_prices(model: &str) -> Option<Prices> {
    let (i, o) = match model {
        "gpt-4o-mini" => ("0.15", "0.60"),
        "gpt-4o" => ("2.50", "10.00"),
        "gpt-4.1-mini" => ("0.40", "1.60"),
        "gpt-4.1" => ("2.00", "8.00"),
        "gpt-4.1-nano" => ("0.10", "0.40"),
        _ => return None,
    };
    Some(Prices { input_per_mtok: i.parse().ok()?, output_per_mtok: o.parse().ok()? })
}

/// The knowledge cutoffs the vendor publishes for the models whose prices are built in; any
/// other model's is unknown unless set (`LLM_TRAINING_CUTOFF`).
pub fn known_training_cutoff(model: &str) -> Option<Timestamp> {
    let day = match model {
        "gpt-4o-mini" | "gpt-4o" => "2023-10-01",
        "gpt-4.1" | "gpt-4.1-mini" | "gpt-4.1-nano" => "2024-06-01",
        _ => return None,
    };
    parse_day(day)
}

/// `YYYY-MM-DD` (surrounding spaces allowed) as 00:00 UTC of that day; `None` unless it is a
/// real date.
pub fn parse_day(s: &str) -> Option<Timestamp> {
    mirai_core::time::parse_date(s.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<AdvisorSettings, Vec<String>> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        AdvisorSettings::from_lookup(&|k| map.get(k).cloned())
    }

    #[test]
    fn rules_by_default_and_llm_when_asked() {
        assert!(matches!(read(&[]), Ok(AdvisorSettings::Rules)));
        assert!(
            matches!(read(&[("OPENAI_API_KEY", "sk-x")]), Ok(AdvisorSettings::Rules)),
            "a key alone changes nothing"
        );
        let Ok(AdvisorSettings::Llm(s)) = read(&[("ADVISOR", "llm"), ("OPENAI_API_KEY", "sk-x")]) else {
            panic!()
        };
        assert_eq!((s.model.as_str(), s.base_url.as_str()), (DEFAULT_MODEL, DEFAULT_BASE_URL));
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.prices.input_per_mtok, "0.15".parse().unwrap());
        let Ok(AdvisorSettings::Llm(local)) = read(&[
            ("ADVISOR", "llm"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/"),
            ("OPENAI_MODEL", "sim-follow"),
        ]) else {
            panic!()
        };
        assert_eq!(local.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(local.prices.output_per_mtok, Decimal::ZERO, "a local server is free");
    }

    #[test]
    fn training_cutoffs_are_built_in_for_priced_models_set_for_others_and_never_guessed() {
        let cutoff = |pairs: &[(&str, &str)]| {
            let mut all = vec![("ADVISOR", "llm"), ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")];
            all.extend_from_slice(pairs);
            match read(&all) {
                Ok(AdvisorSettings::Llm(s)) => s.training_cutoff.map(|t| t.to_iso8601()),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(cutoff(&[]).as_deref(), Some("2023-10-01T00:00:00.000Z"), "gpt-4o-mini, the default");
        assert_eq!(cutoff(&[("OPENAI_MODEL", "gpt-4o")]).as_deref(), Some("2023-10-01T00:00:00.000Z"));
        for model in ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"] {
            assert_eq!(cutoff(&[("OPENAI_MODEL", model)]).as_deref(), Some("2024-06-01T00:00:00.000Z"));
        }
        // A dated snapshot or a local model is another model: unknown, not its family's date.
        assert_eq!(cutoff(&[("OPENAI_MODEL", "gpt-4o-2024-08-06")]), None);
        assert_eq!(cutoff(&[("OPENAI_MODEL", "sim-follow")]), None);
        let set = [("OPENAI_MODEL", "sim-follow"), ("LLM_TRAINING_CUTOFF", "2024-02-29")];
        assert_eq!(cutoff(&set).as_deref(), Some("2024-02-29T00:00:00.000Z"));
        let over = [("LLM_TRAINING_CUTOFF", "2025-01-31")];
        assert_eq!(cutoff(&over).as_deref(), Some("2025-01-31T00:00:00.000Z"), "the setting wins");

        for bad in ["2023-02-29", "2023-13-01", "2023-1-01", "23-10-01", "2023/10/01", "+023-10-01", "soon"] {
            let errors = read(&[
                ("ADVISOR", "llm"),
                ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
                ("LLM_TRAINING_CUTOFF", bad),
            ])
            .unwrap_err();
            assert!(errors.len() == 1 && errors[0].contains("LLM_TRAINING_CUTOFF"), "{bad}: {errors:?}");
        }
    }

    #[test]
    fn every_problem_at_once_and_never_the_key() {
        let errors = read(&[
            ("ADVISOR", "llm"),
            ("OPENAI_API_KEY", "sk-secret-value"),
            ("OPENAI_BASE_URL", "http://example.com/v1"),
            ("OPENAI_MODEL", "my model"),
            ("LLM_TIMEOUT_MS", "0"),
            ("LLM_DAILY_BUDGET_USD", "-1"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors.iter().all(|e| !e.contains("sk-secret-value")));
        assert!(read(&[("ADVISOR", "gpt")]).is_err());
        let unpriced =
            read(&[("ADVISOR", "llm"), ("OPENAI_API_KEY", "k"), ("OPENAI_MODEL", "o9-pro")]).unwrap_err();
        assert!(unpriced[0].contains("LLM_PRICE_INPUT_PER_MTOK"), "{unpriced:?}");
        assert!(read(&[("ADVISOR", "llm")]).unwrap_err()[0].contains("OPENAI_API_KEY"));
    }
}
