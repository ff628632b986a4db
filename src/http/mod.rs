//! The only module that touches the network: one request — the POST of a token request, or the
//! GET of a discovery document or an identity token — over the one transport ([`transport`]:
//! resolve, connect, CONNECT tunnel or absolute form through a proxy, TLS with the run's roots
//! and the profile's client certificate, one HTTP/1.1 exchange) with redirect and size limits,
//! and the retry loop around it (README "Network behaviour"). `doctor` runs the same steps one
//! at a time ([`probe`]).

mod attempts;
mod failure;
pub mod loopback;
pub mod probe;
mod tls;
mod transport;
mod wire;

use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::endpoint::{self, Credential, Endpoint, Trust};
use crate::error::{Failure, Result};
use crate::log::vlog;
use crate::request::{Header, TokenRequest};
use crate::{proxy, retry, time};
use attempts::{Attempts, Fresh, Outgoing, Same};

pub use failure::too_large;
pub use tls::{ClientIdentity, check_ca_file, pem_certs};

/// Response bodies larger than this are refused without being read whole.
pub const MAX_BODY: u64 = 1 << 20;

const USER_AGENT: &str = concat!("tokfetch/", env!("CARGO_PKG_VERSION"));

/// What a request is for: it names the request and its answer in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The token request itself.
    Token,
    /// An issuer's discovery document (RFC 8414, OpenID Connect Discovery).
    Discovery,
    /// GitHub Actions' ID-token service.
    IdToken,
    /// A device authorization request (RFC 8628 §3.1).
    DeviceAuthorization,
    /// A token revocation (RFC 7009).
    Revocation,
}

impl Purpose {
    /// `token request`, for "… to HOST failed".
    pub fn request(self) -> &'static str {
        match self {
            Purpose::Token => "token request",
            Purpose::Discovery => "discovery request",
            Purpose::IdToken => "GitHub Actions ID-token request",
            Purpose::DeviceAuthorization => "device authorization request",
            Purpose::Revocation => "revocation request",
        }
    }

    /// What such a request carries that must not cross the network in the clear.
    fn carries(self, trust: &Trust) -> Credential {
        match self {
            Purpose::Token | Purpose::DeviceAuthorization | Purpose::Revocation => trust.carries,
            Purpose::Discovery => Credential::Nothing,
            Purpose::IdToken => Credential::CiRequestToken,
        }
    }

    /// Whether this request may go to `endpoint` at all, as the one rule says
    /// (`endpoint::may_carry`): checked for every request before any socket is opened, so no
    /// caller can forget it. A discovered endpoint that fails it is exit 7, a CI request token
    /// exit 4 (README "Security model").
    fn may_go(self, trust: &Trust, endpoint: &Endpoint) -> Result<()> {
        let allow = trust.allow_insecure_http;
        match endpoint::may_carry(&endpoint.url, self.carries(trust), allow) {
            Ok(_) => Ok(()),
            Err(why) => Err(match self {
                Purpose::IdToken => Failure::credentials(format!(
                    "$ACTIONS_ID_TOKEN_REQUEST_URL cannot be used: {why}"
                )),
                Purpose::Token
                | Purpose::Discovery
                | Purpose::DeviceAuthorization
                | Purpose::Revocation => Failure::unusable(why),
            }),
        }
    }

    /// `the token response`, for "… is larger than 1024 KiB".
    pub fn answer(self) -> &'static str {
        match self {
            Purpose::Token => "the token response",
            Purpose::Discovery => "the discovery document",
            Purpose::IdToken => "the GitHub Actions ID-token reply",
            Purpose::DeviceAuthorization => "the device authorization response",
            Purpose::Revocation => "the revocation response",
        }
    }
}

/// What the server answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    /// `DPoP-Nonce` (RFC 9449 §8): the nonce the server wants in the next proof.
    pub dpop_nonce: Option<String>,
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

/// The way to one URL: the route (with the proxy that applies), the TLS configuration, and
/// the words messages use for the proxy. `doctor`'s probe takes the same way.
pub(crate) struct Way {
    route: wire::Route,
    tls: Option<Arc<rustls::ClientConfig>>,
    via: Option<Via>,
}

impl Way {
    /// The way to `endpoint` for `profile`: the proxy that applies, the profile's roots, and
    /// `identity` presented in the handshake.
    fn to(trust: &Trust, endpoint: &Endpoint, identity: Option<&ClientIdentity>) -> Result<Way> {
        let mut route = wire::route(&endpoint.url).map_err(Failure::config)?;
        let proxy = proxy::select(endpoint, |k| std::env::var(k).ok());
        let via = match &proxy {
            None => None,
            Some((url, var)) => {
                let hop = wire::hop(url).map_err(|e| {
                    Failure::config(format!("{var} is not a usable proxy URL: {e}"))
                })?;
                // `proxy::select` registered the password and its Basic forms; the value made
                // here (the user name percent-decoded) is registered as it is sent.
                if let Some(auth) = &hop.authorization {
                    crate::redact::register(auth.trim_start_matches("Basic "));
                }
                route.proxy = Some(hop);
                Some(Via {
                    shown: format!("proxy {} (from {var})", proxy::redacted(url)),
                    var: var.clone(),
                    has_credentials: proxy::redacted(url) != *url,
                })
            }
        };
        let tls = if endpoint.https {
            Some(tls::config(trust.ca_file, identity)?)
        } else if identity.is_some() {
            return Err(Failure::config(format!(
                "tls_client_auth needs https, and {} is plain http",
                endpoint.url
            )));
        } else {
            None
        };
        Ok(Way { route, tls, via })
    }
}

/// An HTTP client for one URL of a profile: its token endpoint, or a URL the request needs first.
pub struct Client {
    way: Way,
    purpose: Purpose,
    url: String,
    host: String,
    /// `host:port` of the URL.
    host_port: String,
}

impl Client {
    /// A client for `endpoint`, with the profile's TLS roots and proxy rules, presenting
    /// `identity` in the TLS handshake when given.
    pub fn to(
        trust: &Trust,
        endpoint: &Endpoint,
        purpose: Purpose,
        identity: Option<&ClientIdentity>,
    ) -> Result<Client> {
        purpose.may_go(trust, endpoint)?;
        let way = Way::to(trust, endpoint, identity)?;
        if let Some(v) = &way.via {
            vlog!(
                "using {}: {}",
                v.shown,
                if way.route.absolute_form() {
                    "POST in absolute form"
                } else {
                    "CONNECT tunnel"
                }
            );
        }
        Ok(Client {
            host_port: way.route.origin(),
            way,
            purpose,
            url: endpoint.url.clone(),
            host: endpoint.host.clone(),
        })
    }

    /// POST the request made by `build`, retrying as README "Network behaviour" says until a
    /// final answer or `deadline`, with the request made again for every retry; returns the
    /// reply and the request that got it. A retryable status that is still failing after the
    /// last attempt becomes a network error whose text ends with `describe(reply)`.
    pub fn send(
        &self,
        build: &mut dyn FnMut() -> Result<TokenRequest>,
        deadline: Instant,
        describe: &dyn Fn(&Reply) -> String,
    ) -> Result<(Reply, TokenRequest)> {
        let current = build()?;
        let mut fresh = Fresh {
            label: format!("{} grant", current.grant),
            build,
            current,
        };
        let reply = self.exchange(&mut fresh, deadline, describe)?;
        Ok((reply, fresh.current))
    }

    /// GET the client's URL with `headers`, with the same retries and limits as [`Client::send`]
    /// (the same request each time).
    pub fn get(
        &self,
        headers: &[Header],
        deadline: Instant,
        describe: &dyn Fn(&Reply) -> String,
    ) -> Result<Reply> {
        let mut same = Same {
            method: "GET",
            headers,
            body: &[],
            label: self.purpose.request().to_string(),
        };
        self.exchange(&mut same, deadline, describe)
    }

    fn exchange(
        &self,
        attempts: &mut dyn Attempts,
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
            let req = attempts.request(attempt)?;
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
            let (last, hint, wait) = match self.attempt(&req, deadline) {
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
                    self.purpose.request(),
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
                    self.purpose.request(),
                    self.host,
                    wait.as_secs(),
                    left.as_secs()
                ))
                .hint("raise --timeout to wait longer"));
            }
        }
        // An HTTP answer came back, so the host is reachable: no hint about that. Through a
        // proxy, the answer may be the proxy's own.
        let hint = self.way.via.as_ref().map(|v| {
            format!(
                "the request went through {}; the answer may come from the proxy",
                v.shown
            )
        });
        Ok((last, hint, asked))
    }

    /// One attempt over the transport: open the way, send the request, read the answer
    /// within the limits.
    fn attempt(
        &self,
        req: &Outgoing,
        deadline: Instant,
    ) -> std::result::Result<Reply, AttemptError> {
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|h| (h.name, h.value.as_str()))
            .collect();
        let length = (req.method == "POST").then_some(req.body.len());
        let head = wire::request_head(&self.way.route, req.method, &headers, USER_AGENT, length)
            .map_err(|e| AttemptError::Final(Failure::internal(e)))?;
        let conn = transport::open(&self.way.route, self.way.tls.as_ref(), USER_AGENT, deadline)
            .map_err(|e| self.classify(e, deadline))?;
        let mut request = Zeroizing::new(Vec::with_capacity(head.len() + req.body.len()));
        request.extend_from_slice(&head);
        request.extend_from_slice(req.body);
        let (head, mut rest) =
            transport::exchange(conn, &request).map_err(|e| self.classify(e, deadline))?;
        if head.status == 407 && self.way.route.absolute_form() {
            return Err(AttemptError::Final(self.proxy_auth_failure("the request")));
        }
        let framing = wire::framing(&head)
            .map_err(|e| self.classify(transport::Error::Malformed(e), deadline))?;
        let header = |name: &str| head.get(name).map(str::to_string);
        let status = head.status;
        reply(status, &header, || {
            let mut body = Zeroizing::new(Vec::new());
            match wire::read_body(&mut rest, framing, MAX_BODY, &mut body) {
                Ok(wire::Body::Complete) => Ok(Some(body)),
                Ok(wire::Body::TooLarge) => Ok(None),
                // A TLS peer that ends a body framed by the close without close_notify: the
                // body is complete as far as HTTP can tell (and must still parse).
                Err(e)
                    if framing == wire::Framing::UntilClose
                        && e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    Ok(Some(body))
                }
                // A server or proxy that answers an error and closes without reading the
                // request body gets the connection reset by its kernel (RFC 9112 §9.6;
                // tinyproxy does this for its 401 and 5xx pages). The page, cut short, still
                // says more than "connection reset"; a success body is never used incomplete.
                Err(e)
                    if e.kind() == std::io::ErrorKind::ConnectionReset
                        && !(200..300).contains(&status) =>
                {
                    Ok(Some(body))
                }
                Err(e) => Err(self.classify(transport::Error::from_io(e), deadline)),
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
        dpop_nonce: header("dpop-nonce"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::testing::profile;

    fn plain(url: &str) -> Endpoint {
        endpoint::parse(url, true).expect("url")
    }

    /// Every client asks `endpoint::may_carry` before a socket opens, with what its request
    /// carries: a URL that slipped past the callers' own checks is still refused.
    #[test]
    fn a_client_is_refused_where_its_credential_may_not_go() {
        let p = profile(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/t\"\nclient_id = \"c\"\n",
        );
        let off_loopback = plain("http://idp.example/t");
        let refused = |purpose| {
            Client::to(&p.trust(), &off_loopback, purpose, None)
                .err()
                .map(|f| (f.kind, f.message))
        };
        let (kind, message) = refused(Purpose::Token).expect("refused");
        assert_eq!(kind, crate::error::Kind::Unusable);
        assert!(message.contains("the client secret"), "{message}");
        let (kind, message) = refused(Purpose::IdToken).expect("refused");
        assert_eq!(kind, crate::error::Kind::Credentials);
        assert!(message.contains("CI request token"), "{message}");
        // Loopback, and https, are fine for every purpose.
        for url in ["http://127.0.0.1:9/t", "https://idp.example/t"] {
            for purpose in [Purpose::Token, Purpose::Discovery, Purpose::IdToken] {
                assert!(
                    Client::to(&p.trust(), &plain(url), purpose, None).is_ok(),
                    "{url}"
                );
            }
        }
        // allow_insecure_http covers the token endpoint's own credential, never the CI token.
        let lax = profile(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"http://idp.example/t\"\nclient_id = \"c\"\nallow_insecure_http = true\n",
        );
        assert!(Client::to(&lax.trust(), &off_loopback, Purpose::Token, None).is_ok());
        assert!(Client::to(&lax.trust(), &off_loopback, Purpose::IdToken, None).is_err());
    }
}
