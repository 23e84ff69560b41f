//! Progress bars on stderr (indicatif), drawn only when stderr is a terminal, so piped and
//! captured output stays clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar counting to `total` (`bytes` formats it as a file size).
pub fn bar(total: u64, what: &str, bytes: bool) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let counter = if bytes { "{bytes}/{total_bytes}" } else { "{pos}/{len}" };
    let template = format!("{{msg}} [{{bar:40}}] {counter} {{elapsed}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_owned());
    pb
}
