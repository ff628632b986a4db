//! Token endpoint URLs: which ones tokfetch will send a client secret to, and which hosts are
//! loopback (never proxied, allowed over plain http).

use std::net::{IpAddr, Ipv6Addr};

use ureq::http::Uri;

/// A token URL that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub https: bool,
    /// The host without brackets (`::1`, `127.0.0.1`, `auth.example.com`).
    pub host: String,
}

/// True for `localhost`, 127.0.0.0/8 and `::1`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6 == Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}

/// Validate a token URL: absolute http(s), a host, no credentials in it, and plain http only for
/// loopback hosts unless the profile explicitly allows it. The error is a sentence for the user.
pub fn parse(url: &str, allow_insecure_http: bool) -> Result<Endpoint, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a valid URL ({e})"))?;
    let https = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => true,
        Some(s) if s.eq_ignore_ascii_case("http") => false,
        Some(other) => {
            return Err(format!(
                "`{url}` uses scheme `{other}`; only https is supported"
            ));
        }
        None => {
            return Err(format!(
                "`{url}` is not an absolute URL (https://host/path)"
            ));
        }
    };
    let authority = uri
        .authority()
        .ok_or_else(|| format!("`{url}` has no host"))?;
    if authority.as_str().contains('@') {
        return Err(
            "the URL must not contain credentials (user:password@); secrets belong in the keyring or the environment"
                .to_string(),
        );
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    if !https && !allow_insecure_http && !is_loopback(&host) {
        return Err(format!(
            "refusing plain http for `{url}`: the client secret would cross the network unencrypted"
        ));
    }
    Ok(Endpoint {
        url: url.to_string(),
        https,
        host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "10.0.0.1",
            "example.com",
            "localhost.example.com",
            "::2",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn https_urls_are_accepted() {
        let e = parse("https://auth.andopen.co/auth/token", false).expect("valid");
        assert!(e.https);
        assert_eq!(e.host, "auth.andopen.co");
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let err = parse("http://auth.example.com/token", false).expect_err("insecure");
        assert!(err.contains("refusing plain http"), "{err}");
        assert!(parse("http://auth.example.com/token", true).is_ok());
        assert!(parse("http://127.0.0.1:8080/token", false).is_ok());
        assert!(parse("http://localhost:8080/token", false).is_ok());
        let v6 = parse("http://[::1]:8080/token", false).expect("loopback v6");
        assert_eq!(v6.host, "::1");
    }

    #[test]
    fn odd_urls_are_refused() {
        for bad in [
            "ftp://example.com/token",
            "/relative/token",
            "https://user:pw@example.com/token",
            "not a url",
            "https:///token",
        ] {
            assert!(parse(bad, false).is_err(), "{bad}");
        }
    }
}
