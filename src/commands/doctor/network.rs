//! The checks on the way to the token endpoint, made with the steps of the transport a fetch
//! uses: discovery (for an `issuer` profile, first: it names the endpoint the rest probe), DNS,
//! TCP, TLS (and the certificate's days left), the clock against the server's `Date`; and
//! `--fetch`'s one token request. A check whose prerequisite failed is `skip`.

use std::time::{Duration, Instant};

use super::{Check, Report};
use crate::config::Profile;
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::{Failure, Kind};
use crate::http::probe::{NoAnswer, Probe};
use crate::time;
use crate::token::{self, Options};

/// Clock skew beyond which a warning, and a failure, is reported (README "doctor"): token
/// lifetimes and signed assertions are checked against the clock, usually with a few minutes
/// of leeway.
const SKEW_WARN: u64 = 30;
const SKEW_FAIL: u64 = 300;
/// A certificate closer than this to its expiry is a warning.
const CERT_WARN_DAYS: u64 = 14;
/// The most the discovery check may take (all attempts).
const DISCOVERY_BOUND: Duration = Duration::from_secs(15);

/// The checks that follow `from` on the way to the endpoint, in order.
const WAY: [&str; 4] = ["dns", "tcp", "tls", "clock"];

/// Discovery (for an `issuer` profile), then the way to the token endpoint.
pub fn run(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    match discovery(report, profile)? {
        Some(endpoint) => reach(report, profile, &endpoint),
        None => skip_from(
            report,
            "dns",
            "discovery failed, so the token endpoint is unknown",
        ),
    }
}

/// `skip` lines for `first` and every check after it on the way.
fn skip_from(report: &mut Report, first: &str, because: &str) -> anyhow::Result<()> {
    for name in WAY.iter().skip_while(|n| **n != first) {
        report.add(Check::skip(name, because))?;
    }
    Ok(())
}

/// DNS, TCP, TLS and the clock for `endpoint`, each skipped when one before it failed.
fn reach(report: &mut Report, profile: &Profile, endpoint: &Endpoint) -> anyhow::Result<()> {
    let mut probe = match Probe::new(&profile.trust(), endpoint) {
        Ok(p) => p,
        Err(f) => {
            report.add(Check::fail("dns", f))?;
            return skip_from(report, "tcp", "the proxy URL is not usable");
        }
    };
    let (target, proxied) = probe.target();
    let via = if proxied { " (the proxy)" } else { "" };
    let started = Instant::now();
    let dns = match probe.dns() {
        Ok(addrs) => Check::ok(
            "dns",
            format!(
                "{target}{via} → {addrs} ({} ms)",
                started.elapsed().as_millis()
            ),
        ),
        Err(f) => Check::fail(
            "dns",
            f.hint("check the host name in the profile, and your network"),
        ),
    };
    if !report.add(dns)? {
        return skip_from(report, "tcp", "dns failed");
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
        return skip_from(report, "tls", "tcp failed");
    }
    let started = Instant::now();
    let tls = match probe.tls() {
        Ok(None) => Check::ok(
            "tls",
            "plain http (loopback or allow_insecure_http): no TLS",
        ),
        Ok(Some(facts)) => certificate(
            &facts.version,
            facts.not_after,
            time::now_unix(),
            started.elapsed(),
        ),
        Err(f) => Check::fail("tls", f),
    };
    if !report.add(tls)? {
        return skip_from(report, "clock", "tls failed");
    }
    let now = time::now_unix();
    let started = Instant::now();
    let skew = match probe.date() {
        Ok(date) => {
            let mut c = clock(date, now);
            c.detail.push_str(&format!(
                " (HEAD answered in {} ms)",
                started.elapsed().as_millis()
            ));
            c
        }
        // A server that accepts the connection and never answers would hang every fetch
        // until --timeout.
        Err(NoAnswer::Silent(f)) => Check::fail(
            "clock",
            f.hint("the server does not answer HTTP: is it the right host and port, and is it healthy?"),
        ),
        // A server that answers no HEAD is odd, but it says nothing about the set-up: the
        // clock is then simply not checked.
        Err(NoAnswer::Other(f)) => Check::warn(
            "clock",
            format!("not checked: {}", f.message),
            "compare your clock with a time server (timedatectl, chronyc tracking)",
        ),
    };
    report.add(skew)?;
    Ok(())
}

/// The TLS line: version and the certificate's days to expiry.
fn certificate(version: &str, not_after: Option<u64>, now: u64, took: Duration) -> Check {
    let ms = took.as_millis();
    let Some(not_after) = not_after else {
        return Check::ok(
            "tls",
            format!("{version}, certificate trusted (expiry unreadable), {ms} ms"),
        );
    };
    let days = not_after.saturating_sub(now) / 86_400;
    let detail = format!(
        "{version}, certificate trusted, expires {} ({days} days left), {ms} ms",
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
/// endpoint it names. The endpoint the rest of the checks probe: the discovered one, the
/// profile's own without an issuer; `None` when discovery failed.
fn discovery(report: &mut Report, profile: &Profile) -> anyhow::Result<Option<Endpoint>> {
    let deadline = Instant::now() + DISCOVERY_BOUND;
    match crate::gather::discovered_endpoint(profile, deadline) {
        Ok(None) => Ok(Some(profile.endpoint().clone())),
        Ok(Some(endpoint)) => {
            report.add(Check::ok(
                "discovery",
                format!(
                    "{} names the token endpoint {}",
                    profile.endpoint().url,
                    endpoint.url
                ),
            ))?;
            Ok(Some(endpoint))
        }
        Err(f) => {
            report.add(Check::fail("discovery", f))?;
            Ok(None)
        }
    }
}

/// One real token request, not cached; the token is never printed.
pub fn fetch(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    if report.any_failed() {
        report.add(Check::skip(
            "fetch",
            "a check above failed; fix it, then run doctor --fetch again",
        ))?;
        return Ok(());
    }
    let opts = Options {
        no_cache: true,
        refresh: false,
        min_ttl: 0,
        timeout: Duration::from_secs(30),
        withhold: Default::default(),
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
        let ms = Duration::from_millis(3);
        let c = certificate("TLS 1.3", Some(now + 90 * 86_400), now, ms);
        assert_eq!(c.status, Status::Ok);
        assert!(c.detail.contains("90 days left"), "{}", c.detail);
        assert_eq!(
            certificate("TLS 1.3", Some(now + 86_400), now, ms).status,
            Status::Warn
        );
    }
}
