//! Which data directory an operator's command works on: `--data-dir`, else `DATA_DIR`, else
//! `./data` — the worker's own rule, so a command run beside it finds its store.

use std::path::{Path, PathBuf};

pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os("DATA_DIR").filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("./data"))
}
