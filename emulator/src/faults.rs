//! Fault injection for `/services/data/...` requests: latency, random 503s, dropped
//! connections, periodic session expiry, and one-shot scheduled failures.
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
    /// Seed of the random fault sequence.
    pub seed: u64,
}

impl FaultSettings {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} must be between 0 and 1"));
            }
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
}

fn one() -> u64 {
    1
}

/// What to do with one faultable request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Pass,
    /// Answer with this status and its Salesforce-like error body.
    Fail(u16),
    /// Close the connection without any response.
    Drop,
}

#[derive(Default, Clone, Debug, Serialize)]
pub struct Injected {
    /// Requests delayed by `latency_ms`.
    pub latency: u64,
    /// Random 503s (`error_rate`).
    pub error_503: u64,
    /// Random dropped connections (`drop_rate`).
    pub drop: u64,
    /// Session expiries triggered by `expire_every`.
    pub expire_sessions: u64,
    /// Scheduled faults served, by status ("0" = dropped).
    pub scheduled: BTreeMap<String, u64>,
}

pub struct Faults {
    pub settings: FaultSettings,
    rng: ChaCha8Rng,
    auth_counter: u64,
    pub scheduled: VecDeque<Scheduled>,
    pub injected: Injected,
}

impl Faults {
    pub fn new(settings: FaultSettings) -> Faults {
        Faults {
            rng: ChaCha8Rng::seed_from_u64(settings.seed),
            settings,
            auth_counter: 0,
            scheduled: VecDeque::new(),
            injected: Injected::default(),
        }
    }

    /// Replaces the settings; restarts the random sequence and the expiry counter.
    pub fn replace(&mut self, settings: FaultSettings) {
        self.rng = ChaCha8Rng::seed_from_u64(settings.seed);
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
                if s.count == 0 {
                    self.scheduled.pop_front();
                }
                *self
                    .injected
                    .scheduled
                    .entry(status.to_string())
                    .or_default() += 1;
                return if status == 0 {
                    Decision::Drop
                } else {
                    Decision::Fail(status)
                };
            }
        }
        let d = if self.settings.drop_rate > 0.0 || self.settings.error_rate > 0.0 {
            let r: f64 = self.rng.random();
            if r < self.settings.drop_rate {
                self.injected.drop += 1;
                Decision::Drop
            } else if r < self.settings.drop_rate + self.settings.error_rate {
                self.injected.error_503 += 1;
                Decision::Fail(503)
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

    pub fn to_json(&self) -> Json {
        let mut v = serde_json::to_value(&self.settings).unwrap_or(Json::Null);
        v["scheduled"] = json!(self.scheduled);
        v["injected"] = json!(self.injected);
        v
    }
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
        });
        f.scheduled.push_back(Scheduled {
            after: 1,
            status: 0,
            count: 1,
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
