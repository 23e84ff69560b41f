//! The `mirai` binary. Everything lives in the library; this only hands over the arguments.

fn main() -> std::process::ExitCode {
    mirai_worker::cli::main()
}
