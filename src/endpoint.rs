//! Token endpoint URLs: which ones tokfetch will send a client secret to, and which hosts are
//! loopback (never proxied, allowed over plain http).

use std::net::{IpAddr, Ipv6Addr};

use http::Uri;

/// A token URL that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub https: bool,
    /// The host without brackets (`::1`, `127.0.0.1`, `auth.example.com`).
    pub host: String,
}

impl Endpoint {
    /// `host:port` as a connection sees it (`idp.example:443`, `[::1]:8080`), for messages.
    pub fn host_port(&self) -> String {
        let port = self
            .url
            .parse::<Uri>()
            .ok()
            .and_then(|u| u.port_u16())
            .unwrap_or(if self.https { 443 } else { 80 });
        if self.host.contains(':') {
            format!("[{}]:{port}", self.host)
        } else {
            format!("{}:{port}", self.host)
        }
    }
}

/// Where a redirect's `Location` points, as an absolute URL, when that is on the same host as
/// `base` and no less secure: a URI reference resolved against the request URL (RFC 9110
/// §10.2.2, RFC 3986 §5.2). `None` for another host, a downgrade to http, dot segments, or text
/// that is not a plain URL (whitespace, quotes, backslashes, control characters).
pub fn same_host_location(base: &Endpoint, location: &str) -> Option<String> {
    let location = location.trim();
    let location = location.split('#').next().unwrap_or("");
    if location.is_empty()
        || location
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
    {
        return None;
    }
    let uri: Uri = base.url.parse().ok()?;
    let scheme = if base.https { "https" } else { "http" };
    let authority = uri.authority()?.as_str();
    // RFC 3986 §3.1: `scheme ":"` starts an absolute URI; `parse` accepts only http(s).
    let has_scheme = location.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let absolute = if has_scheme {
        location.to_string()
    } else if location.starts_with("//") {
        format!("{scheme}:{location}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else if location.starts_with('?') {
        format!("{scheme}://{authority}{}{location}", uri.path())
    } else {
        let path = uri.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{scheme}://{authority}{dir}{location}")
    };
    let path_part = absolute.split('?').next().unwrap_or("");
    if path_part.split('/').any(|seg| seg == "." || seg == "..") {
        return None;
    }
    let target = parse(&absolute, true).ok()?;
    let same = target.host.eq_ignore_ascii_case(&base.host) && (target.https || !base.https);
    same.then_some(target.url)
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

/// What crosses the network in a request, for the one rule of which URL may carry it (README
/// "Security model"): https always; plain http to a loopback host; plain http elsewhere only
/// for the token endpoint of a profile that sets `allow_insecure_http` — never for the CI
/// request token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A client secret (HTTP Basic, or in the body).
    ClientSecret,
    /// A signed or federated client assertion.
    ClientAssertion,
    /// A client certificate (only meaningful over TLS).
    ClientCertificate,
    /// A subject token (token exchange with a public client).
    SubjectToken,
    /// GitHub's `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, sent as a bearer token.
    CiRequestToken,
    /// A user's authorization code, device code or refresh token (a public client).
    UserGrant,
    /// Nothing secret (a discovery document).
    Nothing,
}

impl Credential {
    /// How a refusal names it.
    pub fn name(self) -> &'static str {
        match self {
            Credential::ClientSecret => "the client secret",
            Credential::ClientAssertion => "the client assertion",
            Credential::ClientCertificate => "the client certificate's request",
            Credential::SubjectToken => "the subject token",
            Credential::CiRequestToken => "the CI request token ($ACTIONS_ID_TOKEN_REQUEST_TOKEN)",
            Credential::UserGrant => "the user's authorization code or refresh token",
            Credential::Nothing => "the request",
        }
    }

    /// Whether `allow_insecure_http` may send it over plain http: only the token endpoint's
    /// own credentials, never the CI request token.
    fn insecure_allowed(self) -> bool {
        !matches!(self, Credential::CiRequestToken)
    }
}

/// The one place that decides whether `url` may carry `credential`: a valid absolute URL
/// without userinfo, https, or plain http to loopback, or plain http elsewhere where
/// `allow_insecure_http` covers this credential. The error is a sentence naming the credential.
pub fn may_carry(
    url: &str,
    credential: Credential,
    allow_insecure_http: bool,
) -> Result<Endpoint, String> {
    let e = parse(url, true)?;
    let allowed =
        e.https || is_loopback(&e.host) || (allow_insecure_http && credential.insecure_allowed());
    if !allowed {
        return Err(format!(
            "refusing plain http for `{url}`: {} would cross the network unencrypted",
            credential.name()
        ));
    }
    Ok(e)
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

/// What a profile's requests may do besides their URL: the CA file it trusts besides the
/// system's roots, whether plain http may carry its token request off loopback, and what that
/// request carries. It is all `http` is told of a profile (`config::Profile::trust`).
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    pub ca_file: Option<&'a std::path::Path>,
    pub allow_insecure_http: bool,
    pub carries: Credential,
}

/// `%XX` decoded (a URL's userinfo, a query value); anything else (a stray `%`, `+`) kept as it
/// is. The bytes on the way are zeroed: they may be a password.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(b.len()));
    let mut i = 0;
    while i < b.len() {
        let decoded = (b[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match decoded {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn host_port_names_the_port_a_connection_uses() {
        let at = |u: &str| parse(u, true).expect("valid").host_port();
        assert_eq!(at("https://idp.example/t"), "idp.example:443");
        assert_eq!(at("http://idp.example/t"), "idp.example:80");
        assert_eq!(at("http://127.0.0.1:9/t"), "127.0.0.1:9");
        assert_eq!(at("http://[::1]:8080/t"), "[::1]:8080");
    }

    #[test]
    fn a_location_on_the_same_host_resolves_to_an_absolute_url() {
        let base = parse("https://idp.example:8443/o/token", false).expect("valid");
        let loc = |l: &str| same_host_location(&base, l);
        assert_eq!(
            loc("/o/token/").as_deref(),
            Some("https://idp.example:8443/o/token/")
        );
        assert_eq!(
            loc("token/").as_deref(),
            Some("https://idp.example:8443/o/token/")
        );
        assert_eq!(
            loc("?x=1").as_deref(),
            Some("https://idp.example:8443/o/token?x=1")
        );
        assert_eq!(
            loc("https://IDP.example/o/token/").as_deref(),
            Some("https://IDP.example/o/token/")
        );
        assert_eq!(
            loc("//idp.example/t#frag").as_deref(),
            Some("https://idp.example/t")
        );
        for other in [
            "https://evil.example/o/token/",
            "//evil.example/t",
            "http://idp.example/o/token/",
            "../token/",
            "/o/./token",
            "/a b",
            "/a\"b",
            "/a\u{1b}[31m",
            "ftp://idp.example/t",
            "",
        ] {
            assert_eq!(loc(other), None, "{other}");
        }
        let plain = parse("http://idp.example/t", true).expect("valid");
        assert_eq!(
            same_host_location(&plain, "https://idp.example/t/").as_deref(),
            Some("https://idp.example/t/")
        );
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
