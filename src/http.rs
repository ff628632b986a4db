//! The only module that touches ureq: one POST of a token request with TLS roots, proxy, redirect
//! and size limits set, and the retry loop around it (SPEC §6).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use zeroize::Zeroizing;

use crate::config::Profile;
use crate::error::{Failure, Result};
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
    /// Worth another attempt: connect errors, resets, a single attempt's timeout.
    Transient(String),
    /// The whole `--timeout` ran out.
    OutOfTime(String),
    /// Retrying cannot help (TLS, protocol, limits, configuration).
    Final(Failure),
}

/// An HTTP client for one profile's token endpoint.
pub struct Client {
    agent: Agent,
    url: String,
    host: String,
    via: Option<String>,
}

impl Client {
    pub fn new(profile: &Profile) -> Result<Client> {
        let endpoint = &profile.endpoint;
        let proxy = proxy::select(endpoint, |k| std::env::var(k).ok());
        if let Some(pw) = proxy.as_ref().and_then(|(url, _)| proxy::password(url)) {
            crate::redact::register(&pw);
        }
        let via = proxy
            .as_ref()
            .map(|(url, var)| format!("{} (from {var})", proxy::redacted(url)));
        let proxy =
            match proxy {
                None => None,
                Some((url, var)) => Some(ureq::Proxy::new(&url).map_err(|e| {
                    Failure::config(format!("{var} is not a usable proxy URL: {e}"))
                })?),
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
            vlog!("using proxy {v}");
        }
        Ok(Client {
            agent: cfg.build().into(),
            url: endpoint.url.clone(),
            host: endpoint.host.clone(),
            via,
        })
    }

    /// Send `req`, retrying as SPEC §6 says, until a final answer or `deadline`. A retryable
    /// status that is still failing after the last attempt becomes a network error whose text
    /// ends with `describe(reply)`.
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
            let (last, wait) = match self.attempt(req, remaining, deadline) {
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
                    (last, asked)
                }
                Err(AttemptError::Transient(why)) => {
                    vlog!(
                        "POST {} ({} grant, attempt {attempt}/{}) failed after {} ms: {why}",
                        self.url,
                        req.grant,
                        retry::MAX_ATTEMPTS,
                        started.elapsed().as_millis()
                    );
                    (why, None)
                }
                Err(AttemptError::OutOfTime(why)) => return Err(self.out_of_time(attempt, &why)),
                Err(AttemptError::Final(f)) => return Err(f),
            };
            if attempt >= retry::MAX_ATTEMPTS {
                return Err(Failure::network(format!(
                    "token request to {} failed after {attempt} attempts: {last}",
                    self.host
                ))
                .hint(self.via_hint()));
            }
            let wait = wait.unwrap_or_else(|| retry::backoff(attempt + 1, retry::jitter_unit()));
            if Instant::now() + wait >= deadline {
                return Err(self.out_of_time(attempt, &last));
            }
            vlog!("retrying in {} ms", wait.as_millis());
            std::thread::sleep(wait);
        }
    }

    fn via_hint(&self) -> String {
        match &self.via {
            Some(v) => format!("the request went through proxy {v}"),
            None => format!("check that {} is reachable from here", self.host),
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

        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let status = response.status().as_u16();
        let content_type = header("content-type");
        let location = header("location");
        let retry_after = header("retry-after");
        let declared = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());

        let mut reply = Reply {
            status,
            content_type,
            location,
            retry_after,
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
        match response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
        {
            Ok(body) => reply.body = Zeroizing::new(body),
            Err(ureq::Error::BodyExceedsLimit(_)) => reply.body_too_large = true,
            Err(e) => return Err(self.classify(e, deadline)),
        }
        Ok(reply)
    }

    fn classify(&self, e: ureq::Error, deadline: Instant) -> AttemptError {
        use ureq::Error as E;
        let host = &self.host;
        match e {
            E::Timeout(which) => {
                let why = format!("{which} timeout");
                if Instant::now() + Duration::from_millis(20) >= deadline {
                    AttemptError::OutOfTime(why)
                } else {
                    AttemptError::Transient(why)
                }
            }
            E::HostNotFound => AttemptError::Transient(format!("cannot resolve host {host}")),
            E::ConnectionFailed => AttemptError::Transient(format!("cannot connect to {host}")),
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
                    Some(err) => AttemptError::Final(tls_failure(host, &err)),
                    None => AttemptError::Transient(io.to_string()),
                }
            }
            E::Io(io) => AttemptError::Transient(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => format!("connection to {host} refused"),
                std::io::ErrorKind::UnexpectedEof => {
                    format!("{host} closed the connection before a complete response")
                }
                _ => format!("{io}"),
            }),
            E::Protocol(p) => AttemptError::Transient(format!("malformed HTTP from {host}: {p}")),
            E::BodyExceedsLimit(_) => AttemptError::Final(too_large()),
            E::Rustls(err) => AttemptError::Final(tls_failure(host, &err)),
            E::Tls(msg) => {
                AttemptError::Final(Failure::network(format!("TLS with {host} failed: {msg}")))
            }
            E::InvalidProxyUrl => AttemptError::Final(Failure::config(
                "the proxy URL in the environment is invalid",
            )),
            E::BadUri(u) => AttemptError::Final(Failure::config(format!("bad token URL: {u}"))),
            E::TooManyRedirects | E::RedirectFailed => AttemptError::Final(Failure::unusable(
                format!("the token endpoint at {host} redirected; redirects are never followed"),
            )),
            other => AttemptError::Final(Failure::network(format!(
                "token request to {host} failed: {other}"
            ))),
        }
    }
}

/// A TLS failure (exit 6, never retried), with the `ca_file` hint for an unknown issuer.
fn tls_failure(host: &str, err: &rustls::Error) -> Failure {
    let unknown_issuer = matches!(
        err,
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
    );
    let f = Failure::network(format!("TLS handshake with {host} failed: {err}"));
    if unknown_issuer {
        f.hint(format!(
            "{host}'s certificate is not signed by a trusted root; if it uses a private CA, set ca_file = \"/path/to/ca.pem\" in the profile (or TOKFETCH_CA_FILE)"
        ))
    } else {
        f
    }
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
    let (system, from) = crate::roots::system();
    let mut roots: Vec<Certificate<'static>> = system
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    vlog!(
        "trusting {} system root certificates ({from}){}",
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
