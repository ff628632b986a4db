//! The device authorization grant (RFC 8628): ask for a device code and a user code, tell the
//! user where to enter it, and poll the token endpoint at the server's pace until the user has
//! decided or the code expired. The reply parsing and the classification of each poll's answer
//! are pure; [`run`] does the waiting.

use std::time::{Duration, Instant};

use serde_json::Value;
use zeroize::Zeroizing;

use super::Session;
use crate::error::{Failure, Result};
use crate::http::Purpose;
use crate::log::vlog;
use crate::oauth::{self, TokenResponse};
use crate::provider::Grant;
use crate::redact;

/// RFC 8628 §3.2: the interval when the server names none, and §3.5: what `slow_down` adds.
const DEFAULT_INTERVAL: u64 = 5;
const SLOW_DOWN: u64 = 5;

/// A device authorization response (RFC 8628 §3.2).
#[derive(Debug, PartialEq, Eq)]
pub struct DeviceAuthorization {
    pub device_code: Zeroizing<String>,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    /// Seconds.
    pub expires_in: Option<u64>,
    pub interval: u64,
}

/// Parse a 200 reply to the device authorization request; the error names what is missing.
pub fn parse(body: &[u8]) -> std::result::Result<DeviceAuthorization, String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err("it is not a JSON object".to_string());
    };
    let text = |k: &str| match map.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let number = |k: &str| match map.get(k) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let device_code = text("device_code").ok_or("it has no device_code")?;
    let user_code = text("user_code").ok_or("it has no user_code")?;
    // Google answers `verification_url`, before RFC 8628 named it.
    let verification_uri = text("verification_uri")
        .or_else(|| text("verification_url"))
        .ok_or("it has no verification_uri")?;
    Ok(DeviceAuthorization {
        device_code: Zeroizing::new(device_code),
        user_code,
        verification_uri,
        verification_uri_complete: text("verification_uri_complete"),
        expires_in: number("expires_in"),
        interval: number("interval")
            .filter(|i| *i > 0)
            .unwrap_or(DEFAULT_INTERVAL)
            .min(60),
    })
}

/// What one poll's answer means (RFC 8628 §3.5).
#[derive(Debug, PartialEq, Eq)]
pub enum Poll {
    /// 200: the token reply, for `response` to read.
    Done,
    /// `authorization_pending`: ask again after the interval.
    Pending,
    /// `slow_down`: ask again, 5 s slower from now on.
    SlowDown,
    /// `access_denied` or `expired_token`: the login is over (exit 5).
    Over(String),
    /// Anything else: the ordinary error of a token request.
    Failed,
}

/// Classify the answer to a poll.
pub fn classify(status: u16, body: &[u8]) -> Poll {
    if status == 200 {
        return Poll::Done;
    }
    match oauth::parse_error(body).map(|e| e.error) {
        Some(e) if status == 400 && e == "authorization_pending" => Poll::Pending,
        Some(e) if status == 400 && e == "slow_down" => Poll::SlowDown,
        Some(e) if e == "access_denied" || e == "expired_token" => Poll::Over(e),
        _ => Poll::Failed,
    }
}

/// The whole device flow, bounded by the session's deadline and the code's lifetime.
pub fn run(session: &mut Session) -> Result<TokenResponse> {
    let endpoint = session.endpoints.device.clone().ok_or_else(|| {
        Failure::config(format!(
            "profile `{}` has no device authorization endpoint",
            session.profile.name
        ))
        .hint("set device_authorization_url, or issuer (its discovery document names device_authorization_endpoint)")
    })?;
    let (reply, _) = session.post(
        &endpoint,
        Purpose::DeviceAuthorization,
        Grant::DeviceAuthorization,
    )?;
    if reply.status != 200 {
        return Err(session.refused(&reply, "device authorization request", &endpoint));
    }
    let auth = parse(&reply.body).map_err(|why| {
        Failure::unusable(format!(
            "unusable device authorization response from {}: {why}",
            endpoint.host
        ))
    })?;
    redact::register(&auth.device_code);
    let name = &session.profile.name;
    crate::stderr::line(
        "tokfetch: ",
        &format!(
            "to log in as profile `{name}`, open {} and enter the code {}",
            auth.verification_uri, auth.user_code
        ),
    );
    if let Some(complete) = &auth.verification_uri_complete {
        crate::stderr::line("tokfetch: ", &format!("or open {complete}"));
    }
    let expires = auth
        .expires_in
        .map(|s| Instant::now() + Duration::from_secs(s));
    let mut interval = auth.interval;
    loop {
        let wake = Instant::now() + Duration::from_secs(interval);
        if wake >= session.deadline {
            return Err(session.timed_out());
        }
        std::thread::sleep(Duration::from_secs(interval));
        if expires.is_some_and(|e| Instant::now() >= e) {
            return Err(Failure::rejected(format!(
                "the device code for profile `{name}` expired before the login was completed (expired_token)"
            ))
            .hint(format!("run tokfetch login {name} again")));
        }
        let (reply, req) = session.post(
            &session.endpoints.token.clone(),
            Purpose::Token,
            Grant::DeviceCode(&auth.device_code),
        )?;
        match classify(reply.status, &reply.body) {
            Poll::Done => return session.token(&reply, &req),
            Poll::Pending => vlog!("device flow: authorization pending"),
            Poll::SlowDown => {
                interval += SLOW_DOWN;
                vlog!("device flow: slow_down; polling every {interval} s");
            }
            Poll::Over(error) => {
                let what = if error == "access_denied" {
                    "the login was refused"
                } else {
                    "the device code expired before the login was completed"
                };
                return Err(
                    Failure::rejected(format!("{what} for profile `{name}` ({error})"))
                        .hint(format!("run tokfetch login {name} again")),
                );
            }
            // The token endpoint's own error, worded as for any token request.
            Poll::Failed => return session.token(&reply, &req),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_authorization_responses() {
        let d = parse(br#"{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"https://i/device","verification_uri_complete":"https://i/device?user_code=ABCD-EFGH","expires_in":600}"#).expect("ok");
        assert_eq!(d.interval, 5);
        assert_eq!(d.expires_in, Some(600));
        assert_eq!(d.user_code, "ABCD-EFGH");
        let g = parse(br#"{"device_code":"dc","user_code":"U","verification_url":"https://g/device","interval":"7"}"#).expect("google");
        assert_eq!(g.verification_uri, "https://g/device");
        assert_eq!(g.interval, 7);
        assert_eq!(g.verification_uri_complete, None);
        for (bad, why) in [
            (
                &br#"{"user_code":"U","verification_uri":"v"}"#[..],
                "device_code",
            ),
            (
                br#"{"device_code":"d","verification_uri":"v"}"#,
                "user_code",
            ),
            (
                br#"{"device_code":"d","user_code":"U"}"#,
                "verification_uri",
            ),
            (b"<html>", "JSON"),
        ] {
            assert!(parse(bad).expect_err("bad").contains(why));
        }
    }

    #[test]
    fn polls_are_classified() {
        assert_eq!(classify(200, b"{}"), Poll::Done);
        assert_eq!(
            classify(400, br#"{"error":"authorization_pending"}"#),
            Poll::Pending
        );
        assert_eq!(classify(400, br#"{"error":"slow_down"}"#), Poll::SlowDown);
        assert_eq!(
            classify(400, br#"{"error":"access_denied"}"#),
            Poll::Over("access_denied".into())
        );
        assert_eq!(
            classify(400, br#"{"error":"expired_token"}"#),
            Poll::Over("expired_token".into())
        );
        assert_eq!(
            classify(401, br#"{"error":"invalid_client"}"#),
            Poll::Failed
        );
        assert_eq!(classify(400, b"nope"), Poll::Failed);
    }
}
