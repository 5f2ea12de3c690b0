//! A client for a server as one user mapping's Salesforce user, once the API-limit governor
//! agrees: when the last usage this backend saw is below the server's reserve, the usage is
//! asked again (the daily window rolls) and work starts only if it is still fine. The HTTP
//! connections behind every client of a backend are shared (`client::SalesforceClient::new`).

use std::collections::HashMap;

use supabase_wrappers::prelude::ForeignServer;

use crate::error::SfResult;
use crate::options::{AuthMethod, ServerOptions};
use crate::remote::client::SalesforceClient;
use crate::remote::{governor, threads};

/// A client for `server` as the user mapping with these options.
pub fn connect(
    server: &ForeignServer,
    mapping: &HashMap<String, String>,
) -> SfResult<SalesforceClient> {
    let server_oid = server.server_oid.to_u32();
    let options = ServerOptions::from_map(&server.options)?;
    let reserve = options.api_reserve_pct;
    let auth = AuthMethod::from_options(&server.options, mapping)?;
    let mut client = SalesforceClient::new(options, auth)?.track_usage(server_oid);
    if governor::check(server_oid, &server.server_name, reserve).is_err() {
        client = threads::interruptible("Salesforce limits", move || {
            client.set_off_main_thread(true);
            client.limits()?;
            client.set_off_main_thread(false);
            Ok(client)
        })?;
        governor::check(server_oid, &server.server_name, reserve)?;
    }
    Ok(client)
}

/// (used, max) daily API requests of the server, asked from `/limits` (which also updates
/// the governor).
pub fn daily_api_usage(
    server: &ForeignServer,
    mapping: &HashMap<String, String>,
) -> SfResult<(u64, u64)> {
    let options = ServerOptions::from_map(&server.options)?;
    let auth = AuthMethod::from_options(&server.options, mapping)?;
    let mut client = SalesforceClient::new(options, auth)?.track_usage(server.server_oid.to_u32());
    let limits = threads::interruptible("Salesforce limits", move || {
        client.set_off_main_thread(true);
        client.limits()
    })?;
    let daily = &limits["DailyApiRequests"];
    let max = daily["Max"].as_u64().unwrap_or(0);
    let remaining = daily["Remaining"].as_u64().unwrap_or(0);
    Ok((max.saturating_sub(remaining), max))
}
