//! The only module that touches the network: one request — the POST of a token request, or the
//! GET of a discovery document or an identity token — with TLS roots (and a client certificate
//! where the profile has one), proxy, redirect and size limits set, and the retry loop around it
//! (README "Network behaviour"). A plain-http URL behind an HTTP proxy goes to the proxy in
//! absolute form instead ([`forward`]).

mod failure;
mod forward;
pub mod probe;
mod tls;
mod wire;

use std::time::{Duration, Instant};

use ureq::Agent;
use zeroize::Zeroizing;

use crate::endpoint::Endpoint;
use crate::error::{Failure, Result};
use crate::log::vlog;
use crate::request::{Header, TokenRequest};
use crate::{proxy, retry, time};

pub use failure::too_large;
pub use tls::{ClientIdentity, check_ca_file, pem_certs};

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

/// One request: its method, headers and body, and what it is for `-v`.
struct Outgoing<'a> {
    method: &'static str,
    headers: &'a [Header],
    body: &'a [u8],
    label: String,
}

/// An HTTP client for one URL of a profile: its token endpoint, or a URL the request needs first.
pub struct Client {
    agent: Agent,
    /// `token request`, `discovery request`…, for messages.
    what: &'static str,
    url: String,
    host: String,
    /// `host:port` of the token URL.
    host_port: String,
    via: Option<Via>,
    /// Set for a plain-http token URL behind an `http://` proxy: absolute form, not CONNECT.
    forward: Option<wire::Route>,
}

impl Client {
    /// A client for `endpoint`, trusting the profile's `ca_file` besides the system's roots,
    /// with the proxy rules, presenting `identity` in the TLS handshake when given.
    pub fn to(
        ca_file: Option<&std::path::Path>,
        endpoint: &Endpoint,
        what: &'static str,
        identity: Option<&ClientIdentity>,
    ) -> Result<Client> {
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
            Some((url, var)) if !endpoint.https => wire::route(url, &endpoint.url)
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
            cfg = cfg.tls_config(tls::tls_config(ca_file, identity)?);
        } else if identity.is_some() {
            return Err(Failure::config(format!(
                "tls_client_auth needs https, and {} is plain http",
                endpoint.url
            )));
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
            what,
            url: endpoint.url.clone(),
            host: endpoint.host.clone(),
            host_port: endpoint.host_port(),
            via,
            forward,
        })
    }

    /// POST `req`, retrying as README "Network behaviour" says, until a final answer or
    /// `deadline`. A retryable status that is still failing after the last attempt becomes a
    /// network error whose text ends with `describe(reply)`.
    pub fn send(
        &self,
        req: &TokenRequest,
        deadline: Instant,
        describe: &dyn Fn(&Reply) -> String,
    ) -> Result<Reply> {
        let out = Outgoing {
            method: "POST",
            headers: &req.headers,
            body: &req.body,
            label: format!("{} grant", req.grant),
        };
        self.exchange(&out, deadline, describe)
    }

    /// GET the client's URL with `headers`, with the same retries and limits as [`Client::send`].
    pub fn get(
        &self,
        headers: &[Header],
        deadline: Instant,
        describe: &dyn Fn(&Reply) -> String,
    ) -> Result<Reply> {
        let out = Outgoing {
            method: "GET",
            headers,
            body: &[],
            label: self.what.to_string(),
        };
        self.exchange(&out, deadline, describe)
    }

    fn exchange(
        &self,
        req: &Outgoing,
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
            // `-v`: one line per attempt, what came of it and how long it took.
            let log = |outcome: &dyn Fn(u128) -> String| {
                vlog!(
                    "{} {} ({}, attempt {attempt}/{}) {}",
                    req.method,
                    self.url,
                    req.label,
                    retry::MAX_ATTEMPTS,
                    outcome(started.elapsed().as_millis())
                )
            };
            let (last, hint, wait) = match self.attempt(req, remaining, deadline) {
                Ok(reply) => {
                    log(&|ms| format!("-> HTTP {} in {ms} ms", reply.status));
                    if !retry::retryable_status(reply.status) {
                        return Ok(reply);
                    }
                    self.again(&reply, attempt, deadline, describe)?
                }
                Err(AttemptError::Transient { why, hint }) => {
                    log(&|ms| format!("failed after {ms} ms: {why}"));
                    (why, hint, None)
                }
                Err(AttemptError::OutOfTime(why)) => return Err(self.out_of_time(attempt, &why)),
                Err(AttemptError::Final(f)) => {
                    log(&|ms| format!("failed after {ms} ms: {}; not retrying", f.message));
                    return Err(f);
                }
            };
            if attempt >= retry::MAX_ATTEMPTS {
                let f = Failure::network(format!(
                    "{} to {} failed after {attempt} attempts: {last}",
                    self.what, self.host
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

    /// A retryable answer (429, 5xx): what to say if it stays so, the hint, and the wait the
    /// server asked for. A `Retry-After` beyond the time left fails at once.
    fn again(
        &self,
        reply: &Reply,
        attempt: u32,
        deadline: Instant,
        describe: &dyn Fn(&Reply) -> String,
    ) -> Result<(String, Option<String>, Option<Duration>)> {
        let last = describe(reply);
        let asked = reply
            .retry_after
            .as_deref()
            .and_then(|v| retry::retry_after(v, time::now_unix()));
        if let Some(wait) = asked {
            let left = deadline.saturating_duration_since(Instant::now());
            if wait >= left && attempt < retry::MAX_ATTEMPTS {
                return Err(Failure::network(format!(
                    "{} to {} failed: {last}; the server asked to retry after {} s, more than the {} s left",
                    self.what,
                    self.host,
                    wait.as_secs(),
                    left.as_secs()
                ))
                .hint("raise --timeout to wait longer"));
            }
        }
        // An HTTP answer came back, so the host is reachable: no hint about that. Through a
        // proxy, the answer may be the proxy's own.
        let hint = self.via.as_ref().map(|v| {
            format!(
                "the request went through {}; the answer may come from the proxy",
                v.shown
            )
        });
        Ok((last, hint, asked))
    }

    fn attempt(
        &self,
        req: &Outgoing,
        remaining: Duration,
        deadline: Instant,
    ) -> std::result::Result<Reply, AttemptError> {
        if let Some(route) = &self.forward {
            return self.attempt_forward(route, req, deadline);
        }
        fn prepare<B>(
            builder: ureq::RequestBuilder<B>,
            req: &Outgoing,
            remaining: Duration,
        ) -> ureq::RequestBuilder<B> {
            let mut builder = builder
                .config()
                .timeout_global(Some(remaining))
                .timeout_connect(Some(CONNECT_TIMEOUT.min(remaining)))
                .build();
            for h in req.headers {
                builder = builder.header(h.name, h.value.as_str());
            }
            builder
        }
        let sent = if req.method == "GET" {
            prepare(self.agent.get(&self.url), req, remaining).call()
        } else {
            prepare(self.agent.post(&self.url), req, remaining).send(req.body)
        };
        let mut response = sent.map_err(|e| self.classify(e, deadline))?;
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
        route: &wire::Route,
        req: &Outgoing,
        deadline: Instant,
    ) -> std::result::Result<Reply, AttemptError> {
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|h| (h.name, h.value.as_str()))
            .collect();
        let length = (req.method == "POST").then_some(req.body.len());
        let head = wire::request_head(route, req.method, &headers, USER_AGENT, length)
            .map_err(|e| AttemptError::Final(Failure::internal(e)))?;
        let (head, mut rest) = forward::send(route, &head, req.body, CONNECT_TIMEOUT, deadline)
            .map_err(|e| self.classify_forward(e, deadline))?;
        if head.status == 407 {
            return Err(AttemptError::Final(self.proxy_auth_failure("the request")));
        }
        let framing = wire::framing(&head).map_err(|e| {
            self.unreachable(format!("malformed HTTP from {}: {e}", self.proxy_shown()))
        })?;
        let header = |name: &str| head.get(name).map(str::to_string);
        let status = head.status;
        reply(status, &header, || {
            let mut body = Zeroizing::new(Vec::new());
            match wire::read_body(&mut rest, framing, MAX_BODY, &mut body) {
                Ok(wire::Body::Complete) => Ok(Some(body)),
                Ok(wire::Body::TooLarge) => Ok(None),
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
