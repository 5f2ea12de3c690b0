//! sf-emulator: a local, fast, deterministic emulator of the Salesforce REST API.
#![recursion_limit = "256"]

pub mod bulk;
pub mod config;
pub mod error;
pub mod faults;
pub mod generator;
pub mod http;
pub mod ids;
pub mod query;
pub mod render;
pub mod schema;
pub mod soql;
pub mod state;
pub mod store;
pub mod timeutil;
pub mod value;
pub mod writes;

use std::net::SocketAddr;
use std::sync::Arc;

/// Builds the org, binds 127.0.0.1:`cfg.port` and serves in a background task.
/// Returns the bound address and the shared state (tests use both).
pub async fn start(cfg: config::Config) -> Result<(SocketAddr, Arc<state::AppState>), String> {
    let port = cfg.port;
    let state = Arc::new(state::AppState::new(cfg)?);
    let _ = state.self_ref.set(Arc::downgrade(&state));
    let (listener, addr) = http::bind(&state, port)
        .await
        .map_err(|e| format!("cannot bind port {port}: {e}"))?;
    tokio::spawn(http::serve(listener, state.clone()));
    Ok((addr, state))
}
