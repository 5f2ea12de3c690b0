//! The API-limit governor: every response's `Sforce-Limit-Info: api-usage=USED/MAX` updates
//! what this backend last saw per server, and work refuses to start when the remaining daily
//! requests fall below the server's `api_reserve_pct`, so an org is never drained by us.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use crate::error::{SfError, SfResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub used: u64,
    pub max: u64,
    pub seen_at: SystemTime,
}

static USAGE: Mutex<Option<HashMap<u32, Usage>>> = Mutex::new(None);

/// `api-usage=18/5000` out of a `Sforce-Limit-Info` header (other entries ignored).
pub fn parse_limit_info(header: &str) -> Option<(u64, u64)> {
    header.split(';').find_map(|part| {
        let value = part.trim().strip_prefix("api-usage=")?;
        let (used, max) = value.split_once('/')?;
        Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
    })
}

pub fn record(server_oid: u32, header: &str) {
    if let Some((used, max)) = parse_limit_info(header) {
        store(server_oid, used, max);
    }
}

/// What `/limits` says (`DailyApiRequests: {Max, Remaining}`), which is fresher than the
/// header of the request that fetched it.
pub fn record_limits(server_oid: u32, limits: &serde_json::Value) {
    let daily = &limits["DailyApiRequests"];
    if let (Some(max), Some(remaining)) = (daily["Max"].as_u64(), daily["Remaining"].as_u64()) {
        store(server_oid, max.saturating_sub(remaining), max);
    }
}

fn store(server_oid: u32, used: u64, max: u64) {
    if let Ok(mut guard) = USAGE.lock() {
        guard.get_or_insert_with(HashMap::new).insert(
            server_oid,
            Usage {
                used,
                max,
                seen_at: SystemTime::now(),
            },
        );
    }
}

pub fn last_seen(server_oid: u32) -> Option<Usage> {
    USAGE.lock().ok()?.as_ref()?.get(&server_oid).copied()
}

/// Refuses to start work when the last known remaining requests are below the reserve.
pub fn check(server_oid: u32, server_name: &str, reserve_pct: u32) -> SfResult<()> {
    match last_seen(server_oid) {
        Some(usage) => check_usage(&usage, server_name, reserve_pct),
        None => Ok(()),
    }
}

fn check_usage(usage: &Usage, server_name: &str, reserve_pct: u32) -> SfResult<()> {
    if usage.max == 0 {
        return Ok(());
    }
    let remaining = usage.max.saturating_sub(usage.used);
    // remaining / max < reserve_pct / 100, in integers.
    if remaining * 100 < usage.max * reserve_pct as u64 {
        return Err(SfError::ApiReserve {
            server: server_name.to_string(),
            used: usage.used,
            max: usage.max,
            reserve_pct,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_info_headers_parse() {
        assert_eq!(parse_limit_info("api-usage=18/5000"), Some((18, 5000)));
        assert_eq!(
            parse_limit_info("api-usage=10018/100000; api-bursts=1/750"),
            Some((10018, 100000))
        );
        assert_eq!(
            parse_limit_info("per-app-api-usage=17/250(appName=x); api-usage=25/5000"),
            Some((25, 5000))
        );
        assert_eq!(parse_limit_info("nonsense"), None);
    }

    #[test]
    fn work_stops_below_the_reserve() {
        let usage = |used| Usage {
            used,
            max: 1000,
            seen_at: SystemTime::now(),
        };
        assert!(check_usage(&usage(899), "sf", 10).is_ok());
        assert!(check_usage(&usage(900), "sf", 10).is_ok());
        let err = check_usage(&usage(901), "sf", 10).unwrap_err().to_string();
        assert!(err.contains("901 of 1000"), "{err}");
        assert!(check_usage(&usage(1000), "sf", 0).is_ok());
    }
}
