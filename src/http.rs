//! The only module that touches ureq: one POST of a token request with TLS roots, proxy, redirect
//! and size limits set, and the retry loop around it (README "Network behaviour"). A plain-http
//! token URL behind an HTTP proxy goes to the proxy in absolute form instead ([`forward`]).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use zeroize::Zeroizing;

use crate::config::Profile;
use crate::error::{Failure, Result};
use crate::forward;
use crate::provider::TokenRequest;
use crate::{proxy, retry, time, vlog};

/// Token responses larger than this are refused without being read whole.
pub const MAX_BODY: u64 = 1 << 20;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const USER_AGENT: &str = concat!("tokfetch/", env!("CARGO_PKG_VERSION"));

/// What the server answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: Zeroizing<Vec<u8>>,
    /// The body was over the limit and was not read.
    pub body_too_large: bool,
}

/// How one attempt failed.
enum AttemptError {
    /// Worth another attempt: connect errors, resets, a single attempt's timeout. `hint` goes
    /// with the message if this was the last attempt.
    Transient { why: String, hint: Option<String> },
    /// The whole `--timeout` ran out.
    OutOfTime(String),
    /// Retrying cannot help (DNS, TLS, protocol, limits, configuration, proxy refusals).
    Final(Failure),
}

/// The proxy a request goes through, for messages: never its credentials.
struct Via {
    /// `proxy http://[redacted]@host:port (from HTTPS_PROXY)`.
    shown: String,
    var: String,
    has_credentials: bool,
}

/// An HTTP client for one profile's token endpoint.
pub struct Client {
    agent: Agent,
    url: String,
    host: String,
    /// `host:port` of the token URL.
    host_port: String,
    via: Option<Via>,
    /// Set for a plain-http token URL behind an `http://` proxy: absolute form, not CONNECT.
    forward: Option<forward::Route>,
}

impl Client {
    pub fn new(profile: &Profile) -> Result<Client> {
        let endpoint = profile.endpoint();
        let proxy = proxy::select(endpoint, |k| std::env::var(k).ok());
        if let Some(pw) = proxy.as_ref().and_then(|(url, _)| proxy::password(url)) {
            crate::redact::register(&pw);
        }
        let via = proxy.as_ref().map(|(url, var)| Via {
            shown: format!("proxy {} (from {var})", proxy::redacted(url)),
            var: var.clone(),
            has_credentials: proxy::redacted(url) != *url,
        });
        let forward = match &proxy {
            Some((url, var)) if !endpoint.https => forward::route(url, &endpoint.url)
                .map_err(|e| Failure::config(format!("{var} is not a usable proxy URL: {e}")))?,
            _ => None,
        };
        if let Some(auth) = forward
            .as_ref()
            .and_then(|r| r.proxy_authorization.as_ref())
        {
            crate::redact::register(auth.trim_start_matches("Basic "));
        }
        let proxy = match proxy {
            Some((url, var)) if forward.is_none() => {
                Some(ureq::Proxy::new(&url).map_err(|e| {
                    Failure::config(format!("{var} is not a usable proxy URL: {e}"))
                })?)
            }
            _ => None,
        };
        let mut cfg = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(USER_AGENT)
            .proxy(proxy)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .max_idle_connections(0);
        if endpoint.https {
            cfg = cfg.tls_config(tls_config(profile)?);
        }
        if let Some(v) = &via {
            vlog!(
                "using {}: {}",
                v.shown,
                if forward.is_some() {
                    "POST in absolute form"
                } else {
                    "CONNECT tunnel"
                }
            );
        }
        Ok(Client {
            agent: cfg.build().into(),
            url: endpoint.url.clone(),
            host: endpoint.host.clone(),
            host_port: endpoint.host_port(),
            via,
            forward,
        })
    }

    /// Send `req`, retrying as README "Network behaviour" says, until a final answer or
    /// `deadline`. A retryable status that is still failing after the last attempt becomes a
    /// network error whose text ends with `describe(reply)`.
    pub fn send(
        &self,
        req: &TokenRequest,
        deadline: Instant,
        describe: &dyn Fn(&Reply) -> String,
    ) -> Result<Reply> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.out_of_time(attempt - 1, "no time left"));
            }
            let started = Instant::now();
            let (last, hint, wait) = match self.attempt(req, remaining, deadline) {
                Ok(reply) => {
                    vlog!(
                        "POST {} ({} grant, attempt {attempt}/{}) -> HTTP {} in {} ms",
                        self.url,
                        req.grant,
                        retry::MAX_ATTEMPTS,
                        reply.status,
                        started.elapsed().as_millis()
                    );
                    if !retry::retryable_status(reply.status) {
                        return Ok(reply);
                    }
                    let last = describe(&reply);
                    let asked = reply
                        .retry_after
                        .as_deref()
                        .and_then(|v| retry::retry_after(v, time::now_unix()));
                    if let Some(wait) = asked {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if wait >= left && attempt < retry::MAX_ATTEMPTS {
                            return Err(Failure::network(format!(
                                "token request to {} failed: {last}; the server asked to retry after {} s, more than the {} s left",
                                self.host,
                                wait.as_secs(),
                                left.as_secs()
                            ))
                            .hint("raise --timeout to wait longer"));
                        }
                    }
                    // An HTTP answer came back, so the host is reachable: no hint about that.
                    // Through a proxy, the answer may be the proxy's own.
                    let hint = self.via.as_ref().map(|v| {
                        format!(
                            "the request went through {}; the answer may come from the proxy",
                            v.shown
                        )
                    });
                    (last, hint, asked)
                }
                Err(AttemptError::Transient { why, hint }) => {
                    vlog!(
                        "POST {} ({} grant, attempt {attempt}/{}) failed after {} ms: {why}",
                        self.url,
                        req.grant,
                        retry::MAX_ATTEMPTS,
                        started.elapsed().as_millis()
                    );
                    (why, hint, None)
                }
                Err(AttemptError::OutOfTime(why)) => return Err(self.out_of_time(attempt, &why)),
                Err(AttemptError::Final(f)) => {
                    vlog!(
                        "POST {} ({} grant, attempt {attempt}/{}) failed after {} ms: {}; not retrying",
                        self.url,
                        req.grant,
                        retry::MAX_ATTEMPTS,
                        started.elapsed().as_millis(),
                        f.message
                    );
                    return Err(f);
                }
            };
            if attempt >= retry::MAX_ATTEMPTS {
                let f = Failure::network(format!(
                    "token request to {} failed after {attempt} attempts: {last}",
                    self.host
                ));
                return Err(match hint {
                    Some(h) => f.hint(h),
                    None => f,
                });
            }
            let wait = wait.unwrap_or_else(|| retry::backoff(attempt + 1, retry::jitter_unit()));
            if Instant::now() + wait >= deadline {
                return Err(self.out_of_time(attempt, &last));
            }
            vlog!("retrying in {} ms", wait.as_millis());
            std::thread::sleep(wait);
        }
    }

    /// A failure that came back without any HTTP response: where to look.
    fn unreachable(&self, why: String) -> AttemptError {
        let hint = match &self.via {
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

    fn out_of_time(&self, attempts: u32, last: &str) -> Failure {
        Failure::network(format!(
            "token request to {} timed out ({attempts} attempt{}; last: {last})",
            self.host,
            if attempts == 1 { "" } else { "s" }
        ))
        .hint("raise --timeout if the server is just slow")
    }

    fn attempt(
        &self,
        req: &TokenRequest,
        remaining: Duration,
        deadline: Instant,
    ) -> std::result::Result<Reply, AttemptError> {
        if let Some(route) = &self.forward {
            return self.attempt_forward(route, req, deadline);
        }
        let mut builder = self
            .agent
            .post(&self.url)
            .config()
            .timeout_global(Some(remaining))
            .timeout_connect(Some(CONNECT_TIMEOUT.min(remaining)))
            .build();
        for h in &req.headers {
            builder = builder.header(h.name, h.value.as_str());
        }
        let mut response = builder
            .send(req.body.as_slice())
            .map_err(|e| self.classify(e, deadline))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        reply(status, &header, || {
            match response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
            {
                Ok(body) => Ok(Some(Zeroizing::new(body))),
                Err(ureq::Error::BodyExceedsLimit(_)) => Ok(None),
                Err(e) => Err(self.classify(e, deadline)),
            }
        })
    }

    /// One attempt in absolute form through an HTTP proxy (README "Network behaviour").
    fn attempt_forward(
        &self,
        route: &forward::Route,
        req: &TokenRequest,
        deadline: Instant,
    ) -> std::result::Result<Reply, AttemptError> {
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|h| (h.name, h.value.as_str()))
            .collect();
        let head = forward::request_head(route, &headers, USER_AGENT, req.body.len())
            .map_err(|e| AttemptError::Final(Failure::internal(e)))?;
        let (head, mut rest) = forward::send(route, &head, &req.body, CONNECT_TIMEOUT, deadline)
            .map_err(|e| self.classify_forward(e, deadline))?;
        if head.status == 407 {
            return Err(AttemptError::Final(self.proxy_auth_failure("the request")));
        }
        let framing = forward::framing(&head).map_err(|e| {
            self.unreachable(format!("malformed HTTP from {}: {e}", self.proxy_shown()))
        })?;
        let header = |name: &str| head.get(name).map(str::to_string);
        let status = head.status;
        reply(status, &header, || {
            let mut body = Zeroizing::new(Vec::new());
            match forward::read_body(&mut rest, framing, MAX_BODY, &mut body) {
                Ok(forward::Body::Complete) => Ok(Some(body)),
                Ok(forward::Body::TooLarge) => Ok(None),
                // A proxy that answers an error and closes without reading the request body
                // gets the connection reset by its kernel (RFC 9112 §9.6; tinyproxy does this
                // for its 401 and 5xx pages). The page, cut short, still says more than
                // "connection reset"; a success body is never used incomplete.
                Err(e)
                    if e.kind() == std::io::ErrorKind::ConnectionReset
                        && !(200..300).contains(&status) =>
                {
                    Ok(Some(body))
                }
                Err(e) => Err(self.classify_forward(forward::Error::Io(e), deadline)),
            }
        })
    }

    fn proxy_shown(&self) -> &str {
        self.via.as_ref().map_or("the proxy", |v| v.shown.as_str())
    }

    /// A 407 (or a 401 to CONNECT): the proxy wants credentials, or refused the ones given.
    fn proxy_auth_failure(&self, what: &str) -> Failure {
        let Some(v) = &self.via else {
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
    fn connect_refused(&self, reason: &str) -> AttemptError {
        let shown = self.proxy_shown();
        let Some(status) = connect_status(reason) else {
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
        match &self.via {
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
        AttemptError::Final(match &self.via {
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
            K::ConnectionRefused => match &self.via {
                Some(v) => AttemptError::Transient {
                    why: format!("connection to {to} refused"),
                    hint: Some(format!(
                        "check that the proxy is running, or correct {}",
                        v.var
                    )),
                },
                None => self.unreachable(format!("connection to {to} refused")),
            },
            K::UnexpectedEof => self.unreachable(format!(
                "{to} closed the connection before a complete response"
            )),
            K::TimedOut | K::WouldBlock => self.timeout("response timeout".to_string(), deadline),
            K::InvalidData => self.unreachable(format!("malformed HTTP from {to}: {io}")),
            _ if io.to_string().starts_with(forward::LOOKUP_PREFIX) => {
                self.dns_failure(&forward::lookup_detail(&io))
            }
            _ => self.unreachable(format!("connection to {to} failed: {io}")),
        }
    }

    fn classify_forward(&self, e: forward::Error, deadline: Instant) -> AttemptError {
        match e {
            forward::Error::Resolve(detail) => self.dns_failure(&detail),
            forward::Error::Connect(io) | forward::Error::Io(io) => self.io_failure(io, deadline),
            forward::Error::Timeout(which) => self.timeout(format!("{which} timeout"), deadline),
            forward::Error::Protocol(p) => {
                self.unreachable(format!("malformed HTTP from {}: {p}", self.proxy_shown()))
            }
        }
    }

    fn classify(&self, e: ureq::Error, deadline: Instant) -> AttemptError {
        use ureq::Error as E;
        let host = &self.host;
        match e {
            E::Timeout(which) => self.timeout(format!("{which} timeout"), deadline),
            E::HostNotFound => self.dns_failure("no address found"),
            E::ConnectionFailed => {
                self.unreachable(format!("cannot connect to {}", self.connect_target()))
            }
            E::ConnectProxyFailed(reason) => self.connect_refused(&reason),
            // rustls reports handshake failures through the socket's io::Error.
            E::Io(io)
                if io
                    .get_ref()
                    .is_some_and(|e| e.downcast_ref::<rustls::Error>().is_some()) =>
            {
                let tls = io
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
                    .cloned();
                match tls {
                    Some(err) => AttemptError::Final(self.tls_failure(&err)),
                    None => self.io_failure(io, deadline),
                }
            }
            E::Io(io) => self.io_failure(io, deadline),
            E::Protocol(p) => self.unreachable(format!(
                "malformed HTTP from {}: {p}",
                self.connect_target()
            )),
            E::BodyExceedsLimit(_) => AttemptError::Final(too_large()),
            E::Rustls(err) => AttemptError::Final(self.tls_failure(&err)),
            E::Tls(msg) => {
                AttemptError::Final(Failure::network(format!("TLS with {host} failed: {msg}")))
            }
            E::InvalidProxyUrl => AttemptError::Final(Failure::config(match &self.via {
                Some(v) => format!("{} is not a usable proxy URL", v.var),
                None => "the proxy URL in the environment is invalid".to_string(),
            })),
            E::BadUri(u) => AttemptError::Final(Failure::config(format!("bad token URL: {u}"))),
            E::TooManyRedirects | E::RedirectFailed => AttemptError::Final(Failure::unusable(
                format!("the token endpoint at {host} redirected; redirects are never followed"),
            )),
            other => AttemptError::Final(Failure::network(format!(
                "token request to {host} failed: {other}"
            ))),
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
        let f = match &self.via {
            Some(v) => Failure::network(format!(
                "TLS handshake with {host} through {} failed: {reason}",
                v.shown
            )),
            None => Failure::network(format!("TLS handshake with {host} failed: {reason}")),
        };
        match (&self.via, unknown_issuer) {
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

/// A reply from a status, its headers and a way to read its body (`None`: over the limit). The
/// body is not read for a redirect (never followed) or when its declared length is too large.
fn reply(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    read_body: impl FnOnce() -> std::result::Result<Option<Zeroizing<Vec<u8>>>, AttemptError>,
) -> std::result::Result<Reply, AttemptError> {
    let declared = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let mut reply = Reply {
        status,
        content_type: header("content-type"),
        location: header("location"),
        retry_after: header("retry-after"),
        body: Zeroizing::new(Vec::new()),
        body_too_large: false,
    };
    if (300..400).contains(&status) {
        return Ok(reply);
    }
    if declared.is_some_and(|n| n > MAX_BODY) {
        reply.body_too_large = true;
        return Ok(reply);
    }
    match read_body()? {
        Some(body) => reply.body = body,
        None => reply.body_too_large = true,
    }
    Ok(reply)
}

/// The status in ureq's text for a refused CONNECT ("proxy server responded 407/407").
fn connect_status(reason: &str) -> Option<u16> {
    let rest = reason.strip_prefix("proxy server responded ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|s| (100..=999).contains(s))
}

/// A rustls error in words, without Rust syntax (`DnsName("…")`, `UnknownIssuer`).
fn tls_reason(host: &str, err: &rustls::Error) -> String {
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

pub fn too_large() -> Failure {
    Failure::unusable(format!(
        "the token response is larger than {} KiB; refusing it",
        MAX_BODY / 1024
    ))
}

/// The trusted roots: the system's (or Mozilla's bundled ones where the system has none), plus
/// the PEM bundle of `ca_file` / `$TOKFETCH_CA_FILE`.
fn tls_config(profile: &Profile) -> Result<TlsConfig> {
    let ca_file = profile.ca_file.clone().or_else(|| {
        std::env::var_os("TOKFETCH_CA_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let extra = match &ca_file {
        Some(path) => read_pem_certs(path)?,
        None => Vec::new(),
    };
    let native = rustls_native_certs::load_native_certs();
    let mut roots: Vec<Certificate<'static>> = native
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    vlog!(
        "trusting {} system root certificates{}",
        roots.len(),
        match &ca_file {
            Some(p) => format!(" and {} from {}", extra.len(), p.display()),
            None => String::new(),
        }
    );
    let root_certs = if roots.is_empty() && extra.is_empty() {
        RootCerts::WebPki
    } else {
        roots.extend(extra);
        RootCerts::new_with_certs(&roots)
    };
    Ok(TlsConfig::builder().root_certs(root_certs).build())
}

fn read_pem_certs(path: &std::path::Path) -> Result<Vec<Certificate<'static>>> {
    let pem = std::fs::read(path)
        .map_err(|e| Failure::config(format!("cannot read ca_file {}: {e}", path.display())))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c.to_owned()),
            Ok(_) => {}
            Err(e) => {
                return Err(Failure::config(format!(
                    "ca_file {} is not a valid PEM bundle: {e}",
                    path.display()
                )));
            }
        }
    }
    if certs.is_empty() {
        return Err(Failure::config(format!(
            "ca_file {} contains no PEM certificates",
            path.display()
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::ServerName;

    use super::*;

    #[test]
    fn connect_refusals_are_read_from_ureqs_text() {
        assert_eq!(connect_status("proxy server responded 407/407"), Some(407));
        assert_eq!(connect_status("proxy server responded 502/502"), Some(502));
        assert_eq!(connect_status("proxy server did not respond"), None);
        assert_eq!(connect_status("proxy server responded x"), None);
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
