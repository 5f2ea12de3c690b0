//! OAuth 2.0 flows against the token endpoint, and a per-backend session cache.
//! Nothing here formats a secret into an error: errors carry Salesforce's error code and
//! description (which never echo credentials) and the login URL.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use serde::Deserialize;

use crate::error::{SfError, SfResult};
use crate::options::AuthMethod;
use crate::remote::token_store;

/// A logged-in session: where to call the API and with which token.
#[derive(Clone)]
pub struct Session {
    pub access_token: String,
    pub instance_url: String,
    /// The Salesforce user id, from the token response's identity URL (`.../id/<org>/<user>`),
    /// when the flow gives one.
    pub user_id: Option<String>,
}

/// Sessions of this backend, keyed by login URL + credentials, so each user mapping keeps its
/// own Salesforce identity and a token is reused across queries.
static SESSIONS: Mutex<Option<HashMap<u64, Session>>> = Mutex::new(None);

pub fn cache_key(login_url: &str, method: &AuthMethod) -> u64 {
    let mut hasher = DefaultHasher::new();
    login_url.hash(&mut hasher);
    match method {
        AuthMethod::RefreshToken {
            client_id,
            client_secret,
            refresh_token,
        } => ("refresh_token", client_id, client_secret, refresh_token).hash(&mut hasher),
        AuthMethod::ClientCredentials {
            client_id,
            client_secret,
        } => ("client_credentials", client_id, client_secret).hash(&mut hasher),
        AuthMethod::JwtBearer {
            client_id,
            username,
            private_key,
        } => ("jwt_bearer", client_id, username, private_key).hash(&mut hasher),
        AuthMethod::AccessToken {
            access_token,
            instance_url,
        } => ("access_token", access_token, instance_url).hash(&mut hasher),
    }
    hasher.finish()
}

pub fn cached_session(key: u64) -> Option<Session> {
    SESSIONS.lock().ok()?.as_ref()?.get(&key).cloned()
}

pub fn store_session(key: u64, session: &Session) {
    if let Ok(mut guard) = SESSIONS.lock() {
        guard
            .get_or_insert_with(HashMap::new)
            .insert(key, session.clone());
    }
}

pub fn forget_session(key: u64) {
    if let Ok(mut guard) = SESSIONS.lock() {
        if let Some(map) = guard.as_mut() {
            map.remove(&key);
        }
    }
}

/// Forgets every session of this backend (a server or user mapping changed).
pub fn forget_all_sessions() {
    if let Ok(mut guard) = SESSIONS.lock() {
        *guard = None;
    }
}

const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[derive(serde::Serialize)]
struct JwtClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: String,
    exp: u64,
}

fn is_generic_login_host(login_url: &str) -> bool {
    let host = login_url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .to_ascii_lowercase();
    host == "login.salesforce.com" || host == "test.salesforce.com"
}

/// The `aud` claim: Salesforce expects the production or sandbox login host, even when the
/// token is requested from a My Domain URL; other hosts (a community, the emulator) are their
/// own audience.
pub fn jwt_audience(login_url: &str) -> String {
    let host = login_url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .to_ascii_lowercase();
    if host == "test.salesforce.com" || host.ends_with(".sandbox.my.salesforce.com") {
        "https://test.salesforce.com".into()
    } else if host == "login.salesforce.com" || host.ends_with(".my.salesforce.com") {
        "https://login.salesforce.com".into()
    } else {
        login_url.to_string()
    }
}

/// An RS256-signed JWT for the bearer flow, valid for three minutes.
fn jwt_assertion(
    login_url: &str,
    client_id: &str,
    username: &str,
    private_key: &str,
) -> SfResult<String> {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_key.as_bytes()).map_err(|_| {
        SfError::invalid_option(
            "private_key",
            "is not an RSA private key in PEM form (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
        )
    })?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let claims = JwtClaims {
        iss: client_id,
        sub: username,
        aud: jwt_audience(login_url),
        exp: now + 180,
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .map_err(|e| SfError::invalid_option("private_key", format!("cannot sign the JWT: {e}")))
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    instance_url: String,
    /// The identity URL, `https://login.salesforce.com/id/<org id>/<user id>`.
    #[serde(default)]
    id: Option<String>,
    /// Only with refresh-token rotation: the token to use next time.
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Logs in with the given method at the login URL's token endpoint. The refresh-token flow
/// goes through the cluster's token store (`token_store`): under its lock it takes a session
/// another backend got since `failed_access_token` stopped working, or spends the newest
/// refresh token and keeps the one Salesforce returns. `while_waiting` runs while another
/// backend holds the lock.
pub fn login(
    http: &reqwest::Client,
    login_url: &str,
    method: &AuthMethod,
    failed_access_token: Option<&str>,
    while_waiting: &dyn Fn(),
) -> SfResult<Session> {
    let AuthMethod::RefreshToken {
        client_id,
        client_secret,
        refresh_token,
    } = method
    else {
        return grant(http, login_url, method, None).map(|(session, _)| session);
    };
    let dir = std::path::Path::new(token_store::DEFAULT_DIR);
    let name = token_store::chain_name(login_url, client_id, refresh_token);
    let store_error = |e: std::io::Error| SfError::Protocol {
        url: format!(
            "the token store ({}/ in the data directory)",
            token_store::DEFAULT_DIR
        ),
        reason: e.to_string(),
    };
    let mut chain =
        token_store::LockedChain::lock(dir, &name, while_waiting).map_err(store_error)?;
    let stored = chain.read().map_err(store_error)?;
    let credentials = token_store::credentials_digest(client_secret.as_deref());
    if let (Some(access_token), Some(instance_url)) = (&stored.access_token, &stored.instance_url) {
        if failed_access_token != Some(access_token.as_str())
            && stored.access_credentials.as_deref() == Some(credentials.as_str())
        {
            return Ok(Session {
                access_token: access_token.clone(),
                instance_url: instance_url.clone(),
                user_id: stored.user_id.clone(),
            });
        }
    }
    let (session, rotated) = grant(http, login_url, method, stored.refresh_token.as_deref())?;
    // Saved before anything else can fail: with rotation the old token is dead already.
    chain
        .save(&token_store::StoredTokens {
            refresh_token: rotated.or(stored.refresh_token),
            access_token: Some(session.access_token.clone()),
            instance_url: Some(session.instance_url.clone()),
            access_credentials: Some(credentials),
            user_id: session.user_id.clone(),
        })
        .map_err(store_error)?;
    Ok(session)
}

/// One token request; `newest_refresh_token` replaces the mapping's refresh token when the
/// store has a newer one. Returns the session and a rotated refresh token, if any.
fn grant(
    http: &reqwest::Client,
    login_url: &str,
    method: &AuthMethod,
    newest_refresh_token: Option<&str>,
) -> SfResult<(Session, Option<String>)> {
    let form: Vec<(&str, String)> = match method {
        AuthMethod::AccessToken {
            access_token,
            instance_url,
        } => {
            let session = Session {
                access_token: access_token.clone(),
                instance_url: instance_url
                    .clone()
                    .unwrap_or_else(|| login_url.to_string()),
                user_id: None,
            };
            return Ok((session, None));
        }
        AuthMethod::RefreshToken {
            client_id,
            client_secret,
            refresh_token,
        } => {
            let mut form = vec![
                ("grant_type", "refresh_token".to_string()),
                ("client_id", client_id.clone()),
                (
                    "refresh_token",
                    newest_refresh_token.unwrap_or(refresh_token).to_string(),
                ),
            ];
            if let Some(secret) = client_secret {
                form.push(("client_secret", secret.clone()));
            }
            form
        }
        AuthMethod::ClientCredentials { .. } if is_generic_login_host(login_url) => {
            return Err(SfError::invalid_option(
                "login_url",
                format!("the client credentials flow needs the org's My Domain URL (https://<mydomain>.my.salesforce.com), not {login_url}"),
            ));
        }
        AuthMethod::ClientCredentials {
            client_id,
            client_secret,
        } => vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", client_id.clone()),
            ("client_secret", client_secret.clone()),
        ],
        AuthMethod::JwtBearer {
            client_id,
            username,
            private_key,
        } => vec![
            ("grant_type", JWT_BEARER_GRANT.to_string()),
            (
                "assertion",
                jwt_assertion(login_url, client_id, username, private_key)?,
            ),
        ],
    };
    // Credentials never travel over plain http to another machine.
    crate::options::check_transport("login_url", login_url)?;
    let url = format!("{login_url}/services/oauth2/token");
    let request = http
        .post(&url)
        .header("Accept", "application/json")
        .form(&form);
    // Never abandoned halfway: a grant can rotate the refresh token, and losing its answer
    // would lose the only token that still works.
    let reply = crate::remote::transport::send(request, crate::remote::transport::OnAbort::Finish)
        .map_err(|e| SfError::Unreachable {
            url: url.clone(),
            reason: e.describe(),
        })?;
    let status =
        reqwest::StatusCode::from_u16(reply.status).unwrap_or(reqwest::StatusCode::BAD_GATEWAY);
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    token_answer(login_url, &url, status, &body)
}

/// The session a token endpoint's answer (`status`, `body`, from `url`) grants, with the new
/// refresh token of a rotating app, or the authentication error it reports.
pub(crate) fn token_answer(
    login_url: &str,
    url: &str,
    status: reqwest::StatusCode,
    body: &str,
) -> SfResult<(Session, Option<String>)> {
    if status.is_success() {
        let token: TokenResponse = serde_json::from_str(body).map_err(|_| SfError::Protocol {
            url: url.to_string(),
            reason: "the token response has no access_token/instance_url".into(),
        })?;
        let session = Session {
            access_token: token.access_token,
            instance_url: token.instance_url.trim_end_matches('/').to_string(),
            user_id: token
                .id
                .as_deref()
                .and_then(|id| id.trim_end_matches('/').rsplit('/').next())
                .filter(|user| !user.is_empty())
                .map(str::to_string),
        };
        Ok((session, token.refresh_token.filter(|t| !t.is_empty())))
    } else {
        let parsed: Option<TokenError> = serde_json::from_str(body).ok();
        let (error, description) = match parsed {
            Some(e) => (e.error, e.error_description),
            None => (
                format!("HTTP {}", status.as_u16()),
                "the token endpoint refused the request".to_string(),
            ),
        };
        Err(SfError::Auth {
            login_url: login_url.to_string(),
            error,
            description,
        })
    }
}

/// A transport error in words, without the request body (which may hold credentials).
pub fn describe_transport_error(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "could not read the response"
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        detail = inner.to_string();
        source = inner.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_audience_follows_the_environment() {
        assert_eq!(
            jwt_audience("https://login.salesforce.com"),
            "https://login.salesforce.com"
        );
        assert_eq!(
            jwt_audience("https://test.salesforce.com"),
            "https://test.salesforce.com"
        );
        assert_eq!(
            jwt_audience("https://acme--uat.sandbox.my.salesforce.com"),
            "https://test.salesforce.com"
        );
        assert_eq!(
            jwt_audience("https://acme.my.salesforce.com"),
            "https://login.salesforce.com"
        );
        assert_eq!(
            jwt_audience("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn a_bad_private_key_is_named_without_its_value() {
        let err = jwt_assertion(
            "https://login.salesforce.com",
            "cid",
            "u@x",
            "not-a-key-SECRET",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"private_key\""), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn sessions_are_cached_per_credentials() {
        let a = AuthMethod::AccessToken {
            access_token: "t1".into(),
            instance_url: None,
        };
        let b = AuthMethod::AccessToken {
            access_token: "t2".into(),
            instance_url: None,
        };
        assert_ne!(cache_key("https://x", &a), cache_key("https://x", &b));
        assert_ne!(cache_key("https://x", &a), cache_key("https://y", &a));
        store_session(
            cache_key("https://x", &a),
            &Session {
                access_token: "t1".into(),
                instance_url: "https://i".into(),
                user_id: None,
            },
        );
        assert!(cached_session(cache_key("https://x", &a)).is_some());
        forget_session(cache_key("https://x", &a));
        assert!(cached_session(cache_key("https://x", &a)).is_none());
    }
}
