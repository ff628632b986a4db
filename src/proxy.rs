//! Which proxy a token request goes through: `HTTPS_PROXY` for https, `HTTP_PROXY` for http
//! (lowercase forms too, lowercase first as curl does), `ALL_PROXY` as a fallback, and
//! `NO_PROXY` (names, domain suffixes, IPs, CIDR ranges, `*`). Loopback is never proxied.
//! The rules are curl's, not those of any HTTP library (which commonly pick ALL_PROXY first
//! whatever the target's scheme, and match NO_PROXY without IPs or CIDR ranges).

use std::net::IpAddr;

use crate::endpoint::{Endpoint, is_loopback};

/// The proxy URL to use for `endpoint`, and the variable it came from. `env` reads a variable.
pub fn select(
    endpoint: &Endpoint,
    env: impl Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    if is_loopback(&endpoint.host) {
        return None;
    }
    let first = |names: &[&str]| {
        names.iter().find_map(|n| {
            env(n)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (v.trim().to_string(), n.to_string()))
        })
    };
    if let Some((list, _)) = first(&["no_proxy", "NO_PROXY"])
        && bypassed(&endpoint.host, &list)
    {
        return None;
    }
    let scheme_vars: &[&str] = if endpoint.https {
        &["https_proxy", "HTTPS_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY"]
    };
    let (url, var) = first(scheme_vars).or_else(|| first(&["all_proxy", "ALL_PROXY"]))?;
    let url = if url.contains("://") {
        url
    } else {
        format!("http://{url}")
    };
    // Proxy credentials are secrets from the moment a proxy is chosen (README "Security
    // model"): registered here, so no caller (fetch, doctor, -v) can forget them.
    register_credentials(&url);
    Some((url, var))
}

/// Register a proxy URL's password, and its `user:password` pair (the base64 of which is the
/// `Proxy-Authorization: Basic` value), with the redactor.
fn register_credentials(url: &str) {
    if let Some(pw) = password(url) {
        crate::redact::register(&pw);
        if let Some(user) = url
            .split_once("://")
            .and_then(|(_, rest)| rest.rsplit_once('@'))
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .map(|(user, _)| user)
        {
            crate::redact::register_basic(user, &pw);
        }
    }
}

/// True when `host` matches an entry of a NO_PROXY list.
fn bypassed(host: &str, list: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Some(ip), Some((net, bits))) = (host_ip, entry.split_once('/')) {
                return in_cidr(ip, net, bits);
            }
            // Drop a port (`example.com:8443`) and brackets (`[::1]`).
            let name = match entry.rsplit_once(':') {
                Some((n, port)) if !n.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
                    n
                }
                _ => entry.as_str(),
            };
            let name = name.trim_start_matches('[').trim_end_matches(']');
            let suffix = name.trim_start_matches("*.").trim_start_matches('.');
            host == suffix || host.ends_with(&format!(".{suffix}"))
        })
}

fn in_cidr(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The password of a `scheme://user:password@host` proxy URL, percent-decoded.
pub fn password(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.rfind('@')?];
    let (_, pw) = userinfo.split_once(':')?;
    Some(crate::endpoint::percent_decode(pw))
}

/// A proxy URL with any `user:password@` replaced, for `-v`.
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}[redacted]@{}", &url[..s + 3], &url[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::endpoint;

    fn pick(url: &str, vars: &[(&str, &str)]) -> Option<String> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let ep = endpoint::parse(url, true).expect("url");
        select(&ep, |k| env.get(k).cloned()).map(|(u, _)| u)
    }

    #[test]
    fn the_scheme_decides_the_variable() {
        let vars = [("HTTPS_PROXY", "http://s:1"), ("HTTP_PROXY", "http://p:2")];
        assert_eq!(
            pick("https://idp.example/t", &vars).as_deref(),
            Some("http://s:1")
        );
        assert_eq!(
            pick("http://idp.example/t", &vars).as_deref(),
            Some("http://p:2")
        );
        assert_eq!(
            pick("https://idp.example/t", &[("ALL_PROXY", "proxy:3")]).as_deref(),
            Some("http://proxy:3")
        );
        assert_eq!(
            pick(
                "https://idp.example/t",
                &[
                    ("https_proxy", "http://low:1"),
                    ("HTTPS_PROXY", "http://up:1")
                ]
            )
            .as_deref(),
            Some("http://low:1")
        );
        assert_eq!(pick("https://idp.example/t", &[]), None);
    }

    #[test]
    fn loopback_is_never_proxied() {
        let vars = [("HTTPS_PROXY", "http://s:1"), ("HTTP_PROXY", "http://p:2")];
        assert_eq!(pick("http://127.0.0.1:8/t", &vars), None);
        assert_eq!(pick("http://localhost:8/t", &vars), None);
        assert_eq!(pick("http://[::1]:8/t", &vars), None);
    }

    #[test]
    fn no_proxy_matches_names_suffixes_ips_and_ranges() {
        let p = [("HTTPS_PROXY", "http://s:1")];
        let with = |no: &str, url: &str| {
            let mut v = p.to_vec();
            v.push(("NO_PROXY", no));
            pick(url, &v)
        };
        assert_eq!(with("idp.example", "https://idp.example/t"), None);
        assert_eq!(with(".example", "https://idp.example/t"), None);
        assert_eq!(with("*.example", "https://a.idp.example/t"), None);
        assert_eq!(with("example:443", "https://idp.example/t"), None);
        assert_eq!(with("10.0.0.0/8", "https://10.1.2.3/t"), None);
        assert_eq!(with("10.1.2.3", "https://10.1.2.3/t"), None);
        assert_eq!(with("*", "https://idp.example/t"), None);
        assert!(with("other.example", "https://idp.example/t").is_some());
        assert!(with("ample", "https://idp.example/t").is_some());
        assert!(with("10.0.0.0/8", "https://11.1.2.3/t").is_some());
    }

    #[test]
    fn proxy_credentials_are_redacted() {
        assert_eq!(
            redacted("http://u:pw@proxy:3128"),
            "http://[redacted]@proxy:3128"
        );
        assert_eq!(redacted("http://proxy:3128"), "http://proxy:3128");
        assert_eq!(
            password("http://u:p%40ss@proxy:3128").as_deref(),
            Some("p@ss")
        );
        assert_eq!(password("http://u@proxy:3128"), None);
        assert_eq!(password("http://proxy:3128"), None);
    }
}
