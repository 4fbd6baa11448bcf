//! The rdslink demo (`make demo`). Placeholder until the demo is written.

fn main() -> std::process::ExitCode {
    eprintln!("demo not written yet");
    std::process::ExitCode::FAILURE
}
