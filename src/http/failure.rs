//! How a request failed, in words a user can act on (README "Network behaviour"): the
//! transport's typed errors mapped to retry-or-not and to messages that name the host, the
//! port, the proxy and the variable it came from.

use std::time::{Duration, Instant};

use super::transport::Error;
use super::{AttemptError, Client, MAX_BODY, Purpose};
use crate::error::Failure;
use crate::time;

impl Client {
    /// A failure that came back without any HTTP response: where to look.
    pub(super) fn unreachable(&self, why: String) -> AttemptError {
        let hint = match &self.way.via {
            Some(v) => format!(
                "the request went through the proxy in {}: check that it can reach {}",
                v.var, self.host_port
            ),
            None => format!("check that {} is reachable from here", self.host_port),
        };
        AttemptError::Transient {
            why,
            hint: Some(hint),
        }
    }

    pub(super) fn out_of_time(&self, attempts: u32, last: &str) -> Failure {
        Failure::network(format!(
            "{} to {} timed out ({attempts} attempt{}; last: {last})",
            self.purpose.request(),
            self.host,
            if attempts == 1 { "" } else { "s" }
        ))
        .hint("raise --timeout if the server is just slow")
    }

    pub(super) fn proxy_shown(&self) -> &str {
        self.way
            .via
            .as_ref()
            .map_or("the proxy", |v| v.shown.as_str())
    }

    /// A 407 (or a 401 to CONNECT): the proxy wants credentials, or refused the ones given.
    pub(super) fn proxy_auth_failure(&self, what: &str) -> Failure {
        let Some(v) = &self.way.via else {
            return Failure::network("the proxy requires authentication");
        };
        let f = Failure::network(format!(
            "the proxy requires authentication: {} refused {what} for {}",
            v.shown, self.host_port
        ));
        if v.has_credentials {
            f.hint(format!(
                "check the user name and password in {} (percent-encode @ : / and %)",
                v.var
            ))
        } else {
            f.hint(format!(
                "put the proxy's credentials in {}: http://USER:PASSWORD@HOST:PORT",
                v.var
            ))
        }
    }

    /// A CONNECT that the proxy answered with something other than 200.
    fn connect_refused(&self, status: Option<u16>) -> AttemptError {
        let shown = self.proxy_shown();
        let Some(status) = status else {
            return self.unreachable(format!(
                "{shown} closed the connection without answering CONNECT {}",
                self.host_port
            ));
        };
        match status {
            401 | 407 => AttemptError::Final(self.proxy_auth_failure("the tunnel")),
            500..=599 => AttemptError::Transient {
                why: format!(
                    "{shown} could not open a tunnel to {} (HTTP {status})",
                    self.host_port
                ),
                hint: Some(format!(
                    "the proxy could not reach {}; check the token URL's host and port",
                    self.host_port
                )),
            },
            _ => AttemptError::Final(
                Failure::network(format!(
                    "{shown} refused to open a tunnel to {} (HTTP {status})",
                    self.host_port
                ))
                .hint(format!(
                    "ask the proxy's administrators to allow {}, or add {} to NO_PROXY if it is reachable directly",
                    self.host_port, self.host
                )),
            ),
        }
    }

    /// Where a connection could not be made: the proxy when there is one, else the token host.
    fn connect_target(&self) -> String {
        match &self.way.via {
            Some(v) => v.shown.clone(),
            None => self.host_port.clone(),
        }
    }

    fn timeout(&self, why: String, deadline: Instant) -> AttemptError {
        if Instant::now() + Duration::from_millis(20) >= deadline {
            AttemptError::OutOfTime(why)
        } else {
            self.unreachable(why)
        }
    }

    /// A name that does not resolve: the proxy's when there is one, else the token host's. Never
    /// retried (README "Network behaviour").
    fn dns_failure(&self, detail: &str) -> AttemptError {
        AttemptError::Final(match &self.way.via {
            Some(v) => Failure::network(format!(
                "cannot resolve the host name of {}: {detail}",
                v.shown
            ))
            .hint(format!("check the proxy URL in {}", v.var)),
            None => Failure::network(format!(
                "cannot resolve the host name {}: {detail}",
                self.host
            ))
            .hint(format!(
                "is {} the right token URL? check the name and this machine's DNS settings",
                self.url
            )),
        })
    }

    fn io_failure(&self, io: std::io::Error, deadline: Instant) -> AttemptError {
        use std::io::ErrorKind as K;
        let to = self.connect_target();
        match io.kind() {
            K::UnexpectedEof => self.closed(),
            K::TimedOut | K::WouldBlock => self.timeout("response timeout".to_string(), deadline),
            K::InvalidData => self.unreachable(format!("malformed HTTP from {to}: {io}")),
            _ => self.unreachable(format!("connection to {to} failed: {io}")),
        }
    }

    fn closed(&self) -> AttemptError {
        self.unreachable(format!(
            "{} closed the connection before a complete response",
            self.connect_target()
        ))
    }

    /// What a failed step means: retry or not, and the message. Decided from the step's typed
    /// error, never from an error's text.
    pub(super) fn classify(&self, e: Error, deadline: Instant) -> AttemptError {
        match e {
            Error::Dns { detail, .. } => self.dns_failure(&detail),
            Error::Refused { .. } => {
                let to = self.connect_target();
                match &self.way.via {
                    Some(v) => AttemptError::Transient {
                        why: format!("connection to {to} refused"),
                        hint: Some(format!(
                            "check that the proxy is running, or correct {}",
                            v.var
                        )),
                    },
                    None => self.unreachable(format!("connection to {to} refused")),
                }
            }
            Error::ConnectTimeout { .. } => self.timeout("connect timeout".to_string(), deadline),
            Error::Connect { io, .. } => {
                self.unreachable(format!("cannot connect to {}: {io}", self.connect_target()))
            }
            Error::Proxy { status } => self.connect_refused(Some(status)),
            Error::ProxyClosed => self.connect_refused(None),
            Error::Tls(err) => AttemptError::Final(self.tls_failure(&err)),
            Error::ServerName(why) => AttemptError::Final(Failure::config(why)),
            Error::Timeout => self.timeout("response timeout".to_string(), deadline),
            Error::Closed => self.closed(),
            Error::Io(io) => self.io_failure(io, deadline),
            Error::Malformed(p) => self.unreachable(format!(
                "malformed HTTP from {}: {p}",
                self.connect_target()
            )),
        }
    }

    /// A TLS failure (exit 6, never retried), in words, with the `ca_file` hint for an unknown
    /// issuer. Through a proxy, an unknown issuer is most often the proxy's own CA.
    fn tls_failure(&self, err: &rustls::Error) -> Failure {
        let host = &self.host;
        let unknown_issuer = matches!(
            err,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
        );
        let reason = tls_reason(host, err);
        let f = match &self.way.via {
            Some(v) => Failure::network(format!(
                "TLS handshake with {host} through {} failed: {reason}",
                v.shown
            )),
            None => Failure::network(format!("TLS handshake with {host} failed: {reason}")),
        };
        match (&self.way.via, unknown_issuer) {
            (Some(_), true) => f.hint(
                "a proxy that inspects TLS presents certificates signed by its own CA: if this one does, add that CA with ca_file = \"/path/to/proxy-ca.pem\" in the profile (or TOKFETCH_CA_FILE)",
            ),
            (None, true) => f.hint(format!(
                "if {host} uses a private CA, set ca_file = \"/path/to/ca.pem\" in the profile (or TOKFETCH_CA_FILE)"
            )),
            (_, false) => f,
        }
    }
}

/// A rustls error in words, without Rust syntax (`DnsName("…")`, `UnknownIssuer`).
pub(super) fn tls_reason(host: &str, err: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(cert) = err else {
        return err.to_string();
    };
    match cert {
        C::UnknownIssuer => format!("the certificate of {host} is not signed by a trusted root"),
        C::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<String> = presented.iter().filter_map(|n| plain_name(n)).collect();
            let valid_for = match names.as_slice() {
                [] => "no host name".to_string(),
                many if many.len() > 5 => {
                    format!("{} and {} more", many[..5].join(", "), many.len() - 5)
                }
                many => many.join(", "),
            };
            format!(
                "the certificate of {host} is valid for {valid_for}, not for {}",
                expected.to_str()
            )
        }
        C::NotValidForName => format!("the certificate of {host} is not valid for {host}"),
        C::Expired => format!("the certificate of {host} has expired"),
        C::ExpiredContext { not_after, .. } => format!(
            "the certificate of {host} expired at {}",
            time::rfc3339(not_after.as_secs())
        ),
        C::NotValidYet => format!("the certificate of {host} is not valid yet"),
        C::NotValidYetContext { not_before, .. } => format!(
            "the certificate of {host} is not valid before {}",
            time::rfc3339(not_before.as_secs())
        ),
        other => format!("the certificate of {host} is invalid: {other}"),
    }
}

/// A subject name as rustls' verifier reports it (`DnsName("a.example")`, `IpAddress(10.0.0.1)`),
/// as plain text; `None` for names that are not host names.
fn plain_name(presented: &str) -> Option<String> {
    let inner = |prefix: &str| {
        presented
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(')'))
            .map(|r| r.trim_matches('"').to_string())
    };
    inner("DnsName(")
        .or_else(|| inner("IpAddress("))
        // Should a later rustls report bare names, they are host names or IP addresses.
        .or_else(|| {
            (presented.contains(['.', ':']) && !presented.contains(['(', ')', '"', ' ']))
                .then(|| presented.to_string())
        })
        .filter(|n| !n.is_empty())
}

/// An answer over the size limit, named by what it is (exit 7).
pub fn too_large(purpose: Purpose) -> Failure {
    Failure::unusable(format!(
        "{} is larger than {} KiB; refusing it",
        purpose.answer(),
        MAX_BODY / 1024
    ))
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::ServerName;

    use super::*;

    #[test]
    fn oversized_answers_are_named_by_what_they_are() {
        assert!(
            too_large(Purpose::Discovery)
                .message
                .starts_with("the discovery document is larger than 1024 KiB")
        );
        assert!(
            too_large(Purpose::Token)
                .message
                .starts_with("the token response is larger than")
        );
    }

    #[test]
    fn certificate_names_are_shown_without_rust_syntax() {
        assert_eq!(
            plain_name("DnsName(\"a.example\")").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            plain_name("IpAddress(10.0.0.1)").as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(plain_name("IpAddress(::1)").as_deref(), Some("::1"));
        assert_eq!(plain_name("b.example").as_deref(), Some("b.example"));
        assert_eq!(plain_name("DirectoryName"), None);
        assert_eq!(plain_name("Unsupported(0x86)"), None);
        assert_eq!(
            plain_name("UniformResourceIdentifier(\"spiffe://x\")"),
            None
        );
    }

    #[test]
    fn tls_reasons_are_sentences() {
        let mismatch = |presented: Vec<String>| {
            tls_reason(
                "idp.example",
                &rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForNameContext {
                        expected: ServerName::try_from("idp.example")
                            .expect("name")
                            .to_owned(),
                        presented,
                    },
                ),
            )
        };
        assert_eq!(
            mismatch(vec![
                "DnsName(\"other.example\")".into(),
                "IpAddress(10.0.0.1)".into()
            ]),
            "the certificate of idp.example is valid for other.example, 10.0.0.1, not for idp.example"
        );
        assert_eq!(
            mismatch(vec![]),
            "the certificate of idp.example is valid for no host name, not for idp.example"
        );
        let many: Vec<String> = (0..8)
            .map(|i| format!("DnsName(\"n{i}.example\")"))
            .collect();
        assert!(mismatch(many).contains("n4.example and 3 more, not for idp.example"));
        assert_eq!(
            tls_reason(
                "idp.example",
                &rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
            ),
            "the certificate of idp.example is not signed by a trusted root"
        );
    }
}
