//! `tinyae`: train, inspect, evaluate and plot autoencoder model files.

fn main() -> std::process::ExitCode {
    tinyae_trainer::cli::main(std::env::args_os())
}
