//! `POST /services/oauth2/token`: refresh_token, client_credentials and JWT-bearer grants,
//! with Salesforce's error bodies.

use super::{lock, read, Req, Resp};
use crate::generator::ADMIN_USERNAME;
use crate::state::{AppState, Session};
use crate::store::Org;
use crate::value::RecordRef;
use rand::Rng;
use serde_json::json;

fn oauth_error(error: &str, description: &str) -> Resp {
    Resp::value(
        400,
        &json!({"error": error, "error_description": description}),
    )
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn find_user(org: &Org, username: &str) -> Option<RecordRef> {
    let obj = org.schema.object_index("User")?;
    let f = org.schema.objects[obj].field_index("Username")?;
    org.tables[obj]
        .rows
        .iter()
        .position(|r| {
            r.values[f]
                .as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(username))
        })
        .map(|row| RecordRef {
            obj: obj as u16,
            row: row as u32,
        })
}

#[derive(serde::Deserialize)]
struct JwtClaims {
    iss: String,
    sub: String,
}

fn jwt_user(state: &AppState, assertion: &str) -> Result<RecordRef, Resp> {
    use jsonwebtoken::{decode, errors::ErrorKind, Algorithm, Validation};
    let key = state
        .jwt_key
        .as_ref()
        .ok_or_else(|| oauth_error("invalid_grant", "invalid assertion"))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.leeway = 180;
    let base = state.base_url();
    v.set_audience(&[
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        base.as_str(),
    ]);
    v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let data = decode::<JwtClaims>(assertion, key, &v).map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => oauth_error("invalid_grant", "expired authorization code"),
        ErrorKind::InvalidAudience => oauth_error("invalid_grant", "audience is invalid"),
        _ => oauth_error("invalid_grant", "invalid assertion"),
    })?;
    if data.claims.iss != state.cfg.client_id {
        return Err(oauth_error(
            "invalid_client_id",
            "client identifier invalid",
        ));
    }
    let org = read(&state.org);
    find_user(&org, &data.claims.sub)
        .ok_or_else(|| oauth_error("invalid_grant", "user hasn't approved this consumer"))
}

/// A random token: `prefix` then 96 characters.
fn random_token(state: &AppState, prefix: &str) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
    let mut rng = lock(&state.token_rng);
    let tail: String = (0..96)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

pub fn token(state: &AppState, req: &Req) -> Resp {
    if req.method != "POST" {
        return Resp::error(&crate::error::ApiError::new(
            405,
            "METHOD_NOT_ALLOWED",
            "HTTP Method 'GET' not allowed. Allowed are POST",
        ));
    }
    let form: std::collections::HashMap<String, String> =
        form_urlencoded::parse(&req.body).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str);
    let cfg = &state.cfg;
    let grant = get("grant_type").unwrap_or("");
    let mut rotated: Option<String> = None;
    let user = match grant {
        "refresh_token" | "client_credentials" => {
            if get("client_id") == Some(cfg.uninstalled_client_id.as_str()) {
                return oauth_error(
                    "OAUTH_APPROVAL_ERROR_GENERIC",
                    "app must be installed into org",
                );
            }
            if get("client_id") != Some(cfg.client_id.as_str()) {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            let secret = get("client_secret");
            let secret_required = grant == "client_credentials" || secret.is_some();
            if secret_required && secret != Some(cfg.client_secret.as_str()) {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            if grant == "refresh_token" {
                let used = get("refresh_token").unwrap_or("");
                let mut rt = lock(&state.refresh_tokens);
                if !rt.valid.contains(used) {
                    return oauth_error("invalid_grant", "expired access/refresh token");
                }
                rt.grants += 1;
                if cfg.rotate_refresh_tokens {
                    rt.valid.remove(used);
                    let next = random_token(state, "5Aep861");
                    rt.valid.insert(next.clone());
                    rotated = Some(next);
                }
            }
            match read(&state.org).default_user() {
                Some(u) => u,
                None => return oauth_error("invalid_grant", "authentication failure"),
            }
        }
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
            match jwt_user(state, get("assertion").unwrap_or("")) {
                Ok(u) => u,
                Err(resp) => return resp,
            }
        }
        "password" => return oauth_error("invalid_grant", "authentication failure"),
        _ => return oauth_error("unsupported_grant_type", "grant type not supported"),
    };
    let (org_id, user_id) = {
        let org = read(&state.org);
        (org.org_id.clone(), org.id_string(user))
    };
    let token = random_token(state, &format!("{}!AQ", &org_id[..15]));
    lock(&state.sessions).insert(token.clone(), Session { user });
    let base = state.base_url();
    let id_url = format!("{base}/id/{org_id}/{user_id}");
    let issued_at = crate::timeutil::wall_clock_ms().to_string();
    let sig_src: Vec<u8> = id_url.bytes().chain(issued_at.bytes()).collect();
    let mut digest = [0u8; 32];
    for (i, b) in sig_src.iter().enumerate() {
        digest[i % 32] = digest[i % 32].wrapping_mul(31).wrapping_add(*b);
    }
    let scope = if grant == "refresh_token" {
        "api refresh_token offline_access"
    } else {
        "api"
    };
    let mut body = json!({
        "access_token": token,
        "signature": base64(&digest),
        "scope": scope,
        "instance_url": base,
        "id": id_url,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if grant == "client_credentials" {
        body["token_format"] = json!("opaque");
    }
    if let Some(rt) = rotated {
        body["refresh_token"] = json!(rt);
    }
    Resp::value(200, &body)
}

/// `GET /id/{org}/{user}`: minimal identity response (needs a valid token).
pub fn identity(state: &AppState, req: &Req, rest: &str) -> Resp {
    if super::api::session_user(state, req).is_none() {
        return Resp::error(&crate::error::ApiError::new(
            403,
            "Bad_OAuth_Token",
            "Bad_OAuth_Token",
        ));
    }
    let org = read(&state.org);
    let mut parts = rest.split('/');
    let (Some(org_id), Some(user_id)) = (parts.next(), parts.next()) else {
        return Resp::error(&crate::error::ApiError::not_found());
    };
    let Some(user) = org.resolve_id(user_id) else {
        return Resp::error(&crate::error::ApiError::not_found());
    };
    let obj = &org.schema.objects[user.obj as usize];
    let text = |n: &str| {
        obj.field_index(n)
            .and_then(|i| org.value(user, i).as_str())
            .map(str::to_string)
    };
    Resp::value(
        200,
        &json!({
            "id": format!("{}/id/{org_id}/{user_id}", state.base_url()),
            "organization_id": org_id,
            "user_id": user_id,
            "username": text("Username").unwrap_or_else(|| ADMIN_USERNAME.to_string()),
            "display_name": text("Name"),
            "email": text("Email"),
            "active": true,
            "user_type": "STANDARD",
            "urls": {"rest": format!("{}/services/data/v{{version}}/", state.base_url())},
        }),
    )
}
