//! The checks on the way to the token endpoint: DNS, TCP, TLS (and the certificate's days
//! left), the clock against the server's `Date`, discovery; and `--fetch`'s one token request.

use std::time::Duration;

use super::{Check, Report};
use crate::config::Profile;
use crate::credentials::Credentials;
use crate::error::{Failure, Kind};
use crate::http::probe::Probe;
use crate::time;
use crate::token::{self, Options};

/// Clock skew beyond which a warning, and a failure, is reported (README "doctor"): token
/// lifetimes and signed assertions are checked against the clock, usually with a few minutes
/// of leeway.
const SKEW_WARN: u64 = 30;
const SKEW_FAIL: u64 = 300;
/// A certificate closer than this to its expiry is a warning.
const CERT_WARN_DAYS: u64 = 14;

/// DNS, TCP, TLS and the clock, each skipped when the one before it failed.
pub fn reach(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    let mut probe = match Probe::new(profile.endpoint(), profile.ca_file.as_deref()) {
        Ok(p) => p,
        Err(why) => {
            report.add(Check::warn(
                "network",
                format!("not checked: {why}"),
                "doctor --fetch makes a real token request through it",
            ))?;
            return Ok(());
        }
    };
    let (target, proxied) = probe.target();
    let via = if proxied { " (the proxy)" } else { "" };
    let dns = match probe.dns() {
        Ok(addrs) => Check::ok("dns", format!("{target}{via} → {addrs}")),
        Err(f) => Check::fail(
            "dns",
            f.hint("check the host name in the profile, and your network"),
        ),
    };
    if !report.add(dns)? {
        return Ok(());
    }
    let tcp = match probe.tcp() {
        Ok(took) => Check::ok(
            "tcp",
            format!("connected to {target}{via} in {} ms", took.as_millis()),
        ),
        Err(f) => Check::fail(
            "tcp",
            f.hint("is the server up, and the port right? A firewall or a missing proxy setting?"),
        ),
    };
    if !report.add(tcp)? {
        return Ok(());
    }
    let tls = match probe.tls() {
        Ok(None) => Check::ok(
            "tls",
            "plain http (loopback or allow_insecure_http): no TLS",
        ),
        Ok(Some(facts)) => certificate(&facts.version, facts.not_after, time::now_unix()),
        Err(f) => Check::fail("tls", f),
    };
    if !report.add(tls)? {
        return Ok(());
    }
    let now = time::now_unix();
    // A server that answers no HEAD is odd, but it says nothing about the set-up: the clock
    // is then simply not checked.
    let skew = match probe.date() {
        Ok(date) => clock(date, now),
        Err(f) => Check::warn(
            "clock",
            format!("not checked: {}", f.message),
            "compare your clock with a time server (timedatectl, chronyc tracking)",
        ),
    };
    report.add(skew)?;
    Ok(())
}

/// The TLS line: version and the certificate's days to expiry.
fn certificate(version: &str, not_after: Option<u64>, now: u64) -> Check {
    let Some(not_after) = not_after else {
        return Check::ok(
            "tls",
            format!("{version}, certificate trusted (expiry unreadable)"),
        );
    };
    let days = not_after.saturating_sub(now) / 86_400;
    let detail = format!(
        "{version}, certificate trusted, expires {} ({days} days left)",
        time::rfc3339(not_after)
    );
    if days < CERT_WARN_DAYS {
        Check::warn(
            "tls",
            detail,
            "the server's certificate must be renewed soon",
        )
    } else {
        Check::ok("tls", detail)
    }
}

/// The clock line: the server's `Date` against ours.
fn clock(date: Option<u64>, now: u64) -> Check {
    let Some(date) = date else {
        return Check::warn(
            "clock",
            "the server sent no Date header; skew not checked",
            "compare your clock with a time server (timedatectl, chronyc tracking)",
        );
    };
    let skew = date.abs_diff(now);
    let direction = if date > now { "behind" } else { "ahead of" };
    let detail = format!("this machine's clock is {skew} s {direction} the server's");
    let hint = "token lifetimes and signed assertions depend on the clock: synchronise it (timedatectl set-ntp true)";
    match skew {
        s if s > SKEW_FAIL => Check::fail("clock", Failure::network(detail).hint(hint)),
        s if s > SKEW_WARN => Check::warn("clock", detail, hint),
        0 => Check::ok("clock", "in step with the server's Date"),
        _ => Check::ok("clock", format!("{detail} (fine)")),
    }
}

/// The discovery document, for a profile that names an `issuer` (README "Discovery"): fetched
/// (or taken from the cache, as a fetch would), its issuer and method checked, the token
/// endpoint it names.
pub fn discovery(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let check = match crate::gather::discovered_endpoint(profile, deadline) {
        Ok(None) => return Ok(()),
        Ok(Some(endpoint)) => Check::ok(
            "discovery",
            format!(
                "{} names the token endpoint {}",
                profile.endpoint().url,
                endpoint.url
            ),
        ),
        Err(f) => Check::fail("discovery", f),
    };
    report.add(check)?;
    Ok(())
}

/// One real token request, not cached; the token is never printed.
pub fn fetch(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    if report.any_failed() {
        report.add(Check::warn(
            "fetch",
            "not tried: fix the failures above first",
            "then run doctor --fetch again",
        ))?;
        return Ok(());
    }
    let opts = Options {
        no_cache: true,
        refresh: false,
        min_ttl: 0,
        timeout: Duration::from_secs(30),
    };
    let check = match token::obtain(profile, &opts, &mut Credentials::new(profile)) {
        Ok(t) => {
            let expiry = t.expires_at.map_or_else(
                || "no expiry given".to_string(),
                |at| {
                    format!(
                        "valid for {}",
                        time::duration(at.saturating_sub(time::now_unix()))
                    )
                },
            );
            let scope = t
                .scope
                .as_deref()
                .map(|s| format!(", scope {s}"))
                .unwrap_or_default();
            Check::ok(
                "fetch",
                format!("got a Bearer token (not shown), {expiry}{scope}"),
            )
        }
        Err(f) => {
            let hint = match f.kind {
                Kind::Rejected => {
                    Some("the server refused the client: check client_id, the secret and the scope")
                }
                _ => None,
            };
            let check = Check::fail("fetch", f);
            match hint {
                Some(h) => check.with_hint(h),
                None => check,
            }
        }
    };
    report.add(check)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::doctor::Status;

    #[test]
    fn skew_thresholds() {
        let now = 1_800_000_000;
        assert_eq!(clock(Some(now), now).status, Status::Ok);
        assert_eq!(clock(Some(now + 30), now).status, Status::Ok);
        assert_eq!(clock(Some(now - 31), now).status, Status::Warn);
        assert_eq!(clock(Some(now + 300), now).status, Status::Warn);
        assert_eq!(
            clock(Some(now + 301), now).status,
            Status::Fail(Kind::Network)
        );
        assert_eq!(
            clock(Some(now - 600), now).status,
            Status::Fail(Kind::Network)
        );
        assert!(
            clock(Some(now - 600), now)
                .detail
                .contains("600 s ahead of")
        );
        assert_eq!(clock(None, now).status, Status::Warn);
    }

    #[test]
    fn certificate_days() {
        let now = 1_800_000_000;
        let c = certificate("TLS 1.3", Some(now + 90 * 86_400), now);
        assert_eq!(c.status, Status::Ok);
        assert!(c.detail.contains("90 days left"), "{}", c.detail);
        assert_eq!(
            certificate("TLS 1.3", Some(now + 86_400), now).status,
            Status::Warn
        );
    }
}
