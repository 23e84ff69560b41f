//! The CLI's subcommands other than `run` (issue 3).
