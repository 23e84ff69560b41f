//! The signals that stop the worker: SIGTERM (what `docker stop`, systemd and Kubernetes send)
//! and SIGINT (Ctrl-C). Only these two: SIGHUP and the rest are someone else's business.
//!
//! The handlers are installed before the worker starts, so a signal that arrives during start-up
//! is not lost (nor does it kill the process half-way through writing the store): the stop
//! follows as soon as the start is done.

/// Both stop signals, listened to for the life of the process.
#[derive(Debug)]
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers; must be called inside the Tokio runtime.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self { term: signal(SignalKind::terminate())?, int: signal(SignalKind::interrupt())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the next stop signal and returns its name.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            // Ctrl-C is the only stop a console process gets elsewhere; if it cannot be listened
            // to, never stopping is the wrong answer, so stop now.
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
