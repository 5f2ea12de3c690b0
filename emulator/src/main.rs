use clap::Parser;
use sf_emulator::config::Config;
use std::io::Write;

#[tokio::main]
async fn main() {
    let cfg = Config::parse();
    match sf_emulator::start(cfg).await {
        Ok((addr, _state)) => {
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "sf-emulator listening on http://127.0.0.1:{}",
                addr.port()
            );
            let _ = out.flush();
            // Serve until killed.
            std::future::pending::<()>().await;
        }
        Err(e) => {
            eprintln!("sf-emulator: {e}");
            std::process::exit(1);
        }
    }
}
