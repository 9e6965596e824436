//! `dctwin` command-line entry point: see [`dctwin::cli`].

fn main() -> std::process::ExitCode {
    dctwin::cli::main()
}
