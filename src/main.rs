use clap::Parser;
use goldarena::cli::Cli;

/// mimalloc instead of the system allocator: the server allocates and frees a
/// request's strings on every call (see the README's throughput section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    goldarena::telemetry::init();
    match goldarena::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
