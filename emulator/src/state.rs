//! Shared server state: the org behind a RwLock, sessions, cursors, request log, counters.

use crate::config::Config;
use crate::generator::{self, Sizes};
use crate::query::Cursors;
use crate::schema::{describe, standard::standard_schema, Schema};
use crate::store::Org;
use crate::value::RecordRef;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, OnceLock, RwLock, Weak};

#[derive(Serialize, Clone, Debug)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub soql: Option<String>,
    pub status: u16,
    pub records: Option<usize>,
    /// The `locator` parameter (Bulk results pages, `resultPages`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// The answer's body was cut off after this many bytes (`drop_results_body_after_bytes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_cut_after: Option<u64>,
}

pub struct Session {
    pub user: RecordRef,
}

/// Refresh tokens the org accepts (more than one only with rotation: the configured one is
/// the first) and how many refresh grants succeeded.
#[derive(Default)]
pub struct RefreshTokens {
    pub valid: std::collections::HashSet<String>,
    pub grants: u64,
}

pub struct AppState {
    pub cfg: Config,
    pub org: RwLock<Org>,
    pub sessions: Mutex<HashMap<String, Session>>,
    pub cursors: Mutex<Cursors>,
    pub log: Mutex<Vec<LogEntry>>,
    pub api_used: AtomicU64,
    pub base_url: RwLock<String>,
    pub jwt_key: Option<jsonwebtoken::DecodingKey>,
    pub token_rng: Mutex<ChaCha8Rng>,
    pub faults: Mutex<crate::faults::Faults>,
    pub bulk: Mutex<crate::bulk::Jobs>,
    pub refresh_tokens: Mutex<RefreshTokens>,
    /// TCP connections accepted so far (clients that keep connections alive open few).
    pub connections_accepted: AtomicU64,
    /// `/services/data/...` and `/services/oauth2/...` requests being handled (until the last
    /// body byte is handed to the connection).
    pub requests_in_flight: AtomicU64,
    /// Such requests whose client closed the connection before the whole answer was sent.
    pub requests_abandoned: AtomicU64,
    /// Set by `start`: lets request handlers hand the state to background work.
    pub self_ref: OnceLock<Weak<AppState>>,
}

/// Standard objects plus any objects loaded from `--describe-dir` (same-named ones replace
/// the built-in definition).
pub fn build_schema(cfg: &Config) -> Result<Schema, String> {
    let mut objects = standard_schema().objects;
    if cfg.no_address_codes {
        for o in &mut objects {
            o.retain_fields(|f| {
                f.compound_field_name.is_none()
                    || !(f.name.ends_with("StateCode") || f.name.ends_with("CountryCode"))
            });
        }
    }
    if cfg.no_formula_fields {
        for o in &mut objects {
            o.retain_fields(|f| f.calculated_formula.is_none());
        }
    }
    if cfg.wide_object_fields > 0 {
        objects.push(crate::schema::standard::wide_object(cfg.wide_object_fields));
    }
    if let Some(dir) = &cfg.describe_dir {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            let o = describe::object_from_describe(&json)
                .ok_or_else(|| format!("{}: not an sObject describe", p.display()))?;
            match objects
                .iter()
                .position(|x| x.name.eq_ignore_ascii_case(&o.name))
            {
                Some(i) => objects[i] = o,
                None => objects.push(o),
            }
        }
    }
    Ok(Schema::new(objects))
}

impl AppState {
    pub fn new(cfg: Config) -> Result<AppState, String> {
        let schema = build_schema(&cfg)?;
        let org = generator::generate(schema, cfg.seed, Sizes { scale: cfg.scale });
        let jwt_key = match &cfg.jwt_public_key {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                Some(
                    jsonwebtoken::DecodingKey::from_rsa_pem(&pem)
                        .map_err(|e| format!("bad RSA public key: {e}"))?,
                )
            }
            None => None,
        };
        let first_refresh = cfg.refresh_token.clone();
        let faults = cfg.fault_settings();
        faults.validate()?;
        let seed = crate::timeutil::wall_clock_ms() as u64 ^ std::process::id() as u64;
        Ok(AppState {
            cfg,
            org: RwLock::new(org),
            sessions: Mutex::new(HashMap::new()),
            cursors: Mutex::new(Cursors::default()),
            log: Mutex::new(Vec::new()),
            api_used: AtomicU64::new(0),
            base_url: RwLock::new(String::new()),
            jwt_key,
            token_rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            faults: Mutex::new(crate::faults::Faults::new(faults)),
            bulk: Mutex::new(crate::bulk::Jobs::default()),
            refresh_tokens: Mutex::new(RefreshTokens {
                valid: [first_refresh].into_iter().collect(),
                grants: 0,
            }),
            connections_accepted: AtomicU64::new(0),
            requests_in_flight: AtomicU64::new(0),
            requests_abandoned: AtomicU64::new(0),
            self_ref: OnceLock::new(),
        })
    }

    pub fn base_url(&self) -> String {
        self.base_url.read().map(|s| s.clone()).unwrap_or_default()
    }
}
