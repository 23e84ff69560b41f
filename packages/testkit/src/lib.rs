//! Test launchers for the real local stand-ins of Mirai's services, all on 127.0.0.1:
//! fakesnow (Snowflake), milvus-lite (Milvus) and moto (AWS Secrets Manager).
//!
//! `./scripts/test.sh` installs them from PyPI into `.venv` and starts one shared instance of each
//! for the whole run, exporting `MIRAI_TEST_<NAME>_PORT`; [`shared`] returns that instance. Tests
//! that need their own (to stop and restart it, say) call [`Service::start`]; it is killed when
//! dropped. Every PID launched here is also written to `$MIRAI_TEST_PIDS_DIR`, so the test script
//! can stop anything a crashed test left behind.

mod service;

pub use service::{Kind, Service, TestkitError, shared, venv_bin};
