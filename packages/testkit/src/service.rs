//! `Service`: one local stand-in process on a free loopback port, stopped by PID.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a service may take to accept connections (they take about a second here; a cold
/// Python import can take several).
const READY_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Snowflake's protocol over DuckDB (`fakesnow -s`).
    Fakesnow,
    /// Milvus over gRPC (`milvus-lite server`).
    MilvusLite,
    /// AWS APIs, Secrets Manager among them (`moto_server`).
    Moto,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fakesnow => "fakesnow",
            Kind::MilvusLite => "milvus-lite",
            Kind::Moto => "moto",
        }
    }

    fn env_port(self) -> &'static str {
        match self {
            Kind::Fakesnow => "MIRAI_TEST_FAKESNOW_PORT",
            Kind::MilvusLite => "MIRAI_TEST_MILVUS_PORT",
            Kind::Moto => "MIRAI_TEST_MOTO_PORT",
        }
    }
}

#[derive(Debug)]
pub enum TestkitError {
    NotInstalled { program: PathBuf },
    Io(std::io::Error),
    NotReady { name: &'static str, log: String },
}

impl std::fmt::Display for TestkitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TestkitError::NotInstalled { program } => write!(
                f,
                "{} is not installed; run ./scripts/test.sh, which installs the test services into .venv",
                program.display()
            ),
            TestkitError::Io(e) => write!(f, "starting a test service: {e}"),
            TestkitError::NotReady { name, log } => write!(f, "{name} did not start; its output:\n{log}"),
        }
    }
}

impl From<std::io::Error> for TestkitError {
    fn from(e: std::io::Error) -> Self {
        TestkitError::Io(e)
    }
}

impl std::error::Error for TestkitError {}

/// A running service. Dropping it kills the process.
#[derive(Debug)]
pub struct Service {
    kind: Kind,
    port: u16,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

impl Service {
    /// Starts a fresh instance on a free port with its own temporary data directory.
    pub fn start(kind: Kind) -> Result<Self, TestkitError> {
        let dir = tempfile::tempdir()?;
        let mut s = Self::start_in(kind, dir.path())?;
        s._dir = Some(dir);
        Ok(s)
    }

    /// Starts an instance keeping its data in `data_dir` (milvus-lite's `--data-dir`). Note that
    /// fakesnow 0.12.1 ignores `--db_path` in server mode: its data lives in memory unless the client
    /// names a database path at login (store-snowflake's fakesnow adapter does that).
    pub fn start_in(kind: Kind, data_dir: &Path) -> Result<Self, TestkitError> {
        Self::start_on(kind, data_dir, free_port()?)
    }

    /// As [`Service::start_in`], on a given port (to restart a stopped service where clients
    /// expect it).
    pub fn start_on(kind: Kind, data_dir: &Path, port: u16) -> Result<Self, TestkitError> {
        let p = port.to_string();
        let d = data_dir.to_string_lossy().into_owned();
        let (program, args): (&str, Vec<&str>) = match kind {
            Kind::Fakesnow => ("fakesnow", vec!["-s", "--host", "127.0.0.1", "-p", &p, "--db_path", &d]),
            Kind::MilvusLite => {
                ("milvus-lite", vec!["server", "--data-dir", &d, "--host", "127.0.0.1", "--port", &p])
            }
            Kind::Moto => ("moto_server", vec!["-H", "127.0.0.1", "-p", &p]),
        };
        let program = venv_bin(program)?;
        let log_path = data_dir.join(format!("{}.log", kind.name()));
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new(&program)
            .args(&args)
            .current_dir(data_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        record_pid(child.id());
        let mut service = Self { kind, port, child: Some(child), _dir: None };
        service.wait_ready(&log_path)?;
        Ok(service)
    }

    fn wait_ready(&mut self, log_path: &Path) -> Result<(), TestkitError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            let exited = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()).is_some();
            if exited || Instant::now() > deadline {
                let log = std::fs::read_to_string(log_path).unwrap_or_default();
                self.stop();
                return Err(TestkitError::NotReady { name: self.kind.name(), log });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills the process (by PID) and waits for it; the port is free afterwards.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The run's shared instance of `kind`: the one the test script started (its port in
/// `MIRAI_TEST_<NAME>_PORT`), or else one started now and kept for the rest of this test binary.
pub fn shared(kind: Kind) -> Result<&'static Service, String> {
    static FAKESNOW: OnceLock<Result<Service, String>> = OnceLock::new();
    static MILVUS: OnceLock<Result<Service, String>> = OnceLock::new();
    static MOTO: OnceLock<Result<Service, String>> = OnceLock::new();
    let cell = match kind {
        Kind::Fakesnow => &FAKESNOW,
        Kind::MilvusLite => &MILVUS,
        Kind::Moto => &MOTO,
    };
    cell.get_or_init(|| {
        if let Some(port) = std::env::var(kind.env_port()).ok().and_then(|p| p.parse().ok()) {
            return Ok(Service { kind, port, child: None, _dir: None });
        }
        let service = Service::start(kind).map_err(|e| e.to_string())?;
        reap_when_we_exit(&service);
        Ok(service)
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// A `static` is never dropped, so a shared service started here would outlive the test binary.
/// A tiny shell watcher kills it once this process is gone (std has no portable parent-death
/// signal, and the workspace forbids the `unsafe` a `prctl` call would need).
fn reap_when_we_exit(service: &Service) {
    let Some(pid) = service.child.as_ref().map(Child::id) else { return };
    let script =
        format!("while kill -0 {} 2>/dev/null; do sleep 1; done; kill {pid} 2>/dev/null", std::process::id());
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

/// A program installed in the test virtualenv: `$MIRAI_TEST_VENV/bin/NAME`, else `.venv/bin/NAME`
/// at the workspace root.
pub fn venv_bin(name: &str) -> Result<PathBuf, TestkitError> {
    let venv = std::env::var_os("MIRAI_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let program = venv.join("bin").join(name);
    if program.exists() { Ok(program) } else { Err(TestkitError::NotInstalled { program }) }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

fn record_pid(pid: u32) {
    if let Some(dir) = std::env::var_os("MIRAI_TEST_PIDS_DIR") {
        let _ = std::fs::write(Path::new(&dir).join(pid.to_string()), b"");
    }
}
