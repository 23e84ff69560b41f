//! `mirai audit verify`: walks the audit log's hash chain in DATA_DIR's store and exits 0 with
//! the number of entries checked, or 1 naming the first entry that fails and how. The worker runs
//! the same check at every start and refuses to trade on a broken chain.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use mirai_store_local::{DB_FILE, StoreError};

use super::data_dir::{data_dir, open_existing};
use super::{Failure, failure::print};

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// The data directory whose store to check (default: DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditAction {
    /// Check every entry's hash and its link to the one before; exit 1 at the first bad one.
    Verify,
}

pub fn audit(args: &AuditArgs) -> Result<(), Failure> {
    let dir = data_dir(args.data_dir.as_deref());
    let db = dir.join(DB_FILE);
    let store = open_existing(&dir)?;
    match &args.action {
        AuditAction::Verify => match store.verify_audit() {
            Ok(n) => print(&format!("audit log intact: {n} entries verified in {}\n", db.display())),
            Err(StoreError::AuditBroken { seq, why }) => {
                Err(Failure::System(format!("audit log broken at entry seq {seq}: {why} ({})", db.display())))
            }
            Err(e) => Err(Failure::System(format!("reading the audit log in {}: {e}", db.display()))),
        },
    }
}
