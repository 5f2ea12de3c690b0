//! Fault injection for `/services/data/...` requests: latency, limited bandwidth, random
//! 503s, dropped connections, periodic session expiry, one-shot scheduled failures, and Bulk
//! results bodies that break off partway.
//! Settable at startup (flags) and at runtime (`/__emulator/faults`).

use crate::error::ApiError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, VecDeque};

/// The replaceable fault settings (`PUT /__emulator/faults` body, same field names).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Sleep this long before answering each faultable request.
    pub latency_ms: u64,
    /// Fraction (0..1) of faultable requests answered 503 SERVER_UNAVAILABLE.
    pub error_rate: f64,
    /// Fraction (0..1) of faultable requests whose connection is closed without a response.
    pub drop_rate: f64,
    /// Every Nth authenticated faultable request first invalidates all tokens (0 = off).
    pub expire_every: u64,
    /// Fraction (0..1) answered 420 with an edge HTML body (transient).
    pub rate_420: f64,
    /// Fraction (0..1) answered 406 with an edge HTML body (transient).
    pub rate_406: f64,
    /// Seed of the random fault sequence.
    pub seed: u64,
    /// An aggregate query that scans more rows than this answers QUERY_TIMEOUT (0 = off).
    pub aggregate_timeout_rows: u64,
    /// Each response body is sent at most this many bytes per second (per response, i.e.
    /// per connection; after gzip; after the latency sleep). 0 = unlimited.
    pub bandwidth_bytes_per_sec: u64,
    /// A Bulk results page (`GET .../jobs/query/{id}/results`, status 200) whose body is
    /// longer than this many bytes (as sent: after gzip) is cut off there: status, headers and
    /// that many body bytes go out, then the connection is closed (0 = off).
    pub drop_results_body_after_bytes: u64,
    /// How many results bodies are cut off (then the fault is spent); absent or null: every
    /// one.
    pub drop_results_body_count: Option<u64>,
}

impl FaultSettings {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("rate_420", self.rate_420),
            ("rate_406", self.rate_406),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if self.error_rate + self.drop_rate + self.rate_420 + self.rate_406 > 1.0 {
            return Err("the rates must add up to at most 1".into());
        }
        Ok(())
    }
}

/// A one-shot scheduled fault: after `after` more requests pass, the next `count` fail
/// with `status` (0 = dropped connection).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheduled {
    #[serde(default)]
    pub after: u64,
    pub status: u16,
    #[serde(default = "one")]
    pub count: u64,
    /// `"concurrent"` with status 403: the concurrent-request limit variant of
    /// REQUEST_LIMIT_EXCEEDED. `"lost_answer"` with status 0: the request is carried out,
    /// then the connection is closed before the answer (the client cannot know it happened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

fn one() -> u64 {
    1
}

/// What to do with one faultable request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Pass,
    /// Answer with this status and its Salesforce-like error body (HTML for edge statuses).
    Fail(u16),
    /// 403 REQUEST_LIMIT_EXCEEDED for the concurrent long-running request limit.
    Concurrent,
    /// Close the connection without any response.
    Drop,
    /// Carry the request out, then close the connection without its response.
    LoseAnswer,
}

#[derive(Default, Clone, Debug, Serialize)]
pub struct Injected {
    /// Requests delayed by `latency_ms`.
    pub latency: u64,
    /// Random 503s (`error_rate`).
    pub error_503: u64,
    /// Random dropped connections (`drop_rate`).
    pub drop: u64,
    /// Random 420s (`rate_420`).
    pub error_420: u64,
    /// Random 406s (`rate_406`).
    pub error_406: u64,
    /// Session expiries triggered by `expire_every`.
    pub expire_sessions: u64,
    /// Scheduled faults served, by status ("0" = dropped).
    pub scheduled: BTreeMap<String, u64>,
    /// Bulk results bodies cut off (`drop_results_body_after_bytes`).
    pub results_body_drop: u64,
}

pub struct Faults {
    pub settings: FaultSettings,
    rng: ChaCha8Rng,
    auth_counter: u64,
    pub scheduled: VecDeque<Scheduled>,
    pub injected: Injected,
    /// Results bodies still to be cut off (None: every one).
    results_cuts_left: Option<u64>,
}

impl Faults {
    pub fn new(settings: FaultSettings) -> Faults {
        Faults {
            rng: ChaCha8Rng::seed_from_u64(settings.seed),
            results_cuts_left: settings.drop_results_body_count,
            settings,
            auth_counter: 0,
            scheduled: VecDeque::new(),
            injected: Injected::default(),
        }
    }

    /// Replaces the settings; restarts the random sequence, the expiry counter and the count
    /// of results bodies to cut off.
    pub fn replace(&mut self, settings: FaultSettings) {
        self.rng = ChaCha8Rng::seed_from_u64(settings.seed);
        self.results_cuts_left = settings.drop_results_body_count;
        self.settings = settings;
        self.auth_counter = 0;
    }

    /// Back to no faults at all (settings, schedule and counters).
    pub fn reset(&mut self) {
        *self = Faults::new(FaultSettings::default());
    }

    /// Decides the fate of one faultable request. Scheduled faults take precedence; a
    /// request counts towards a schedule's `after` only if it is not faulted.
    pub fn decide(&mut self) -> Decision {
        if let Some(s) = self.scheduled.front_mut() {
            if s.after == 0 && s.count > 0 {
                s.count -= 1;
                let status = s.status;
                let concurrent = status == 403 && s.kind.as_deref() == Some("concurrent");
                let lose_answer = status == 0 && s.kind.as_deref() == Some("lost_answer");
                if s.count == 0 {
                    self.scheduled.pop_front();
                }
                *self
                    .injected
                    .scheduled
                    .entry(status.to_string())
                    .or_default() += 1;
                return if lose_answer {
                    Decision::LoseAnswer
                } else if status == 0 {
                    Decision::Drop
                } else if concurrent {
                    Decision::Concurrent
                } else {
                    Decision::Fail(status)
                };
            }
        }
        let st = &self.settings;
        let d = if st.drop_rate > 0.0
            || st.error_rate > 0.0
            || st.rate_420 > 0.0
            || st.rate_406 > 0.0
        {
            let r: f64 = self.rng.random();
            let (c503, c420) = (
                st.drop_rate + st.error_rate,
                st.drop_rate + st.error_rate + st.rate_420,
            );
            if r < st.drop_rate {
                self.injected.drop += 1;
                Decision::Drop
            } else if r < c503 {
                self.injected.error_503 += 1;
                Decision::Fail(503)
            } else if r < c420 {
                self.injected.error_420 += 1;
                Decision::Fail(420)
            } else if r < c420 + st.rate_406 {
                self.injected.error_406 += 1;
                Decision::Fail(406)
            } else {
                Decision::Pass
            }
        } else {
            Decision::Pass
        };
        if d == Decision::Pass {
            if let Some(s) = self.scheduled.front_mut() {
                s.after = s.after.saturating_sub(1);
            }
        }
        d
    }

    /// Counts one authenticated request that passed; true when it must expire all sessions.
    pub fn tick_expire(&mut self) -> bool {
        let n = self.settings.expire_every;
        if n == 0 {
            return false;
        }
        self.auth_counter += 1;
        if self.auth_counter.is_multiple_of(n) {
            self.injected.expire_sessions += 1;
            return true;
        }
        false
    }

    /// For a Bulk results page answered 200 with a body of `body_len` bytes: where to cut it
    /// off (counted as injected), or None to send it whole. A body no longer than the cut
    /// passes whole and does not spend the fault.
    pub fn results_body_cut(&mut self, body_len: usize) -> Option<u64> {
        let at = self.settings.drop_results_body_after_bytes;
        if at == 0 || body_len as u64 <= at || self.results_cuts_left == Some(0) {
            return None;
        }
        if let Some(left) = &mut self.results_cuts_left {
            *left -= 1;
        }
        self.injected.results_body_drop += 1;
        Some(at)
    }

    pub fn to_json(&self) -> Json {
        let mut v = serde_json::to_value(&self.settings).unwrap_or(Json::Null);
        v["drop_results_body_left"] = json!(self.results_cuts_left);
        v["scheduled"] = json!(self.scheduled);
        v["injected"] = json!(self.injected);
        v
    }
}

/// Statuses a CDN edge answers with an HTML page rather than a Salesforce JSON error.
pub fn is_edge_status(status: u16) -> bool {
    matches!(status, 406 | 414 | 420 | 431)
}

/// The concurrent long-running request limit (SALESFORCE.md 5).
pub fn concurrent_error() -> ApiError {
    ApiError::new(
        403,
        "REQUEST_LIMIT_EXCEEDED",
        "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
    )
}

/// The error a failed request gets for a given status.
pub fn fault_error(status: u16) -> ApiError {
    match status {
        401 => ApiError::invalid_session(),
        403 => ApiError::new(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        ),
        400 => ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator"),
        404 => ApiError::not_found(),
        429 => ApiError::new(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests"),
        503 => ApiError::new(503, "SERVER_UNAVAILABLE", "Service Unavailable"),
        s => ApiError::new(s, "UNKNOWN_EXCEPTION", "An unexpected error occurred"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_faults_fire_after_k_passes() {
        let mut f = Faults::new(FaultSettings::default());
        f.scheduled.push_back(Scheduled {
            after: 2,
            status: 503,
            count: 2,
            kind: None,
        });
        f.scheduled.push_back(Scheduled {
            after: 1,
            status: 0,
            count: 1,
            kind: None,
        });
        let seq: Vec<Decision> = (0..7).map(|_| f.decide()).collect();
        use Decision::*;
        assert_eq!(seq, [Pass, Pass, Fail(503), Fail(503), Pass, Drop, Pass]);
        assert_eq!(f.injected.scheduled["503"], 2);
        assert_eq!(f.injected.scheduled["0"], 1);
    }

    #[test]
    fn random_faults_are_deterministic_per_seed() {
        let s = FaultSettings {
            error_rate: 0.3,
            drop_rate: 0.2,
            seed: 7,
            ..Default::default()
        };
        let run = || {
            let mut f = Faults::new(s.clone());
            (0..200).map(|_| f.decide()).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let drops = a.iter().filter(|d| **d == Decision::Drop).count();
        let errs = a.iter().filter(|d| **d == Decision::Fail(503)).count();
        assert!((20..60).contains(&drops), "{drops}");
        assert!((35..90).contains(&errs), "{errs}");
    }

    #[test]
    fn results_bodies_cut_off_count_down() {
        let mut f = Faults::new(FaultSettings::default());
        assert_eq!(f.results_body_cut(10_000), None, "off by default");
        f.replace(FaultSettings {
            drop_results_body_after_bytes: 100,
            drop_results_body_count: Some(2),
            ..Default::default()
        });
        // A body no longer than the cut passes and does not spend the fault.
        assert_eq!(f.results_body_cut(100), None);
        assert_eq!(f.results_body_cut(101), Some(100));
        assert_eq!(f.results_body_cut(5_000), Some(100));
        assert_eq!(f.results_body_cut(5_000), None, "spent");
        assert_eq!(f.injected.results_body_drop, 2);
        assert_eq!(f.to_json()["drop_results_body_left"], 0);
        // Without a count: every one.
        f.replace(FaultSettings {
            drop_results_body_after_bytes: 100,
            ..Default::default()
        });
        assert!((0..50).all(|_| f.results_body_cut(200) == Some(100)));
        assert_eq!(f.injected.results_body_drop, 52);
        assert!(f.to_json()["drop_results_body_left"].is_null());
    }

    #[test]
    fn expire_every_n() {
        let mut f = Faults::new(FaultSettings {
            expire_every: 3,
            ..Default::default()
        });
        let v: Vec<bool> = (0..7).map(|_| f.tick_expire()).collect();
        assert_eq!(v, [false, false, true, false, false, true, false]);
        assert!(FaultSettings {
            error_rate: 1.5,
            ..Default::default()
        }
        .validate()
        .is_err());
    }
}
