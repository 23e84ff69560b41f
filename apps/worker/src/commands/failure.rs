//! `Failure`: why a subcommand stopped, and the exit code it means: 2 for input the user can fix
//! (settings, data, grids), 1 for the system (files that cannot be written).

use std::process::ExitCode;

use mirai_backtest::BacktestError;

#[derive(Debug)]
pub enum Failure {
    Usage(String),
    System(String),
}

impl Failure {
    /// What went wrong, in words.
    pub fn message(&self) -> &str {
        match self {
            Failure::Usage(m) | Failure::System(m) => m,
        }
    }

    /// Prints the error on stderr and gives the exit code.
    pub fn report(self) -> ExitCode {
        let (msg, code) = match self {
            Failure::Usage(m) => (m, 2),
            Failure::System(m) => (m, 1),
        };
        eprintln!("error: {msg}");
        ExitCode::from(code)
    }
}

impl From<BacktestError> for Failure {
    fn from(e: BacktestError) -> Self {
        match e {
            BacktestError::Write { .. } => Failure::System(e.to_string()),
            BacktestError::Data(mirai_backtest::data::DataError::Io { .. }) => Failure::System(e.to_string()),
            other => Failure::Usage(other.to_string()),
        }
    }
}

/// Writes `bytes` to `path`, naming the file on failure.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::System(format!("cannot write {}: {e}", path.display())))
}

/// Writes `text` to stdout. A reader that went away (`| head`) ends the output quietly rather
/// than with the panic `print!` would raise.
pub fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::System(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
