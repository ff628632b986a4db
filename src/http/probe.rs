//! `doctor`'s look at the way to an endpoint: the steps of the one transport
//! ([`super::transport`]) a fetch takes, run one at a time so that each is reported on its own
//! line with its timing (README "doctor"): name resolution, the TCP connection (to the proxy
//! when one applies), the CONNECT tunnel and TLS handshake with the same roots, client
//! certificate set-up and proxy rules as a token request, and one `HEAD` of the endpoint for
//! the server's `Date`. Nothing here sends a credential: the `HEAD` carries no body and no
//! `Authorization`.

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::transport::{self, CONNECT_TIMEOUT, Conn, Error};
use super::{AttemptError, Client, Purpose, USER_AGENT, wire};
use crate::config::Profile;
use crate::endpoint::Endpoint;
use crate::error::{Failure, Result};
use crate::x509;

/// How long a name lookup may take.
const DNS_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the tunnel and the TLS handshake, and the answer to `HEAD`, may each take.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// What the TLS handshake showed.
#[derive(Debug, Clone)]
pub struct TlsFacts {
    pub version: String,
    /// The server certificate's notAfter, Unix seconds.
    pub not_after: Option<u64>,
}

/// How the `HEAD` went when no `Date` came of it.
#[derive(Debug)]
pub enum NoAnswer {
    /// The server accepted the request and said nothing within [`ANSWER_TIMEOUT`].
    Silent(Failure),
    /// It closed the connection or answered something that is not HTTP.
    Other(Failure),
}

/// The probe of one endpoint.
pub struct Probe {
    /// The same client a token request to this endpoint would use, for its way and its words.
    client: Client,
    addrs: Vec<SocketAddr>,
    tcp: Option<TcpStream>,
    conn: Option<Conn>,
}

impl Probe {
    /// The probe of `endpoint` (the token endpoint; for an `issuer` profile the one discovery
    /// names), or why the way cannot be taken (a proxy URL that is not usable).
    pub fn new(profile: &Profile, endpoint: &Endpoint) -> Result<Probe> {
        Ok(Probe {
            client: Client::to(profile, endpoint, Purpose::Token, None)?,
            addrs: Vec::new(),
            tcp: None,
            conn: None,
        })
    }

    fn route(&self) -> &wire::Route {
        &self.client.way.route
    }

    /// `host:port` the TCP connection goes to, and whether it is a proxy.
    pub fn target(&self) -> (String, bool) {
        let (host, port) = self.route().first_hop();
        (wire::join(host, port), self.route().proxy.is_some())
    }

    /// Resolve the host the connection goes to; the addresses found, for the report.
    pub fn dns(&mut self) -> Result<String> {
        let (host, port) = self.route().first_hop();
        let host = host.to_string();
        let addrs = match transport::resolve(&host, port, Instant::now() + DNS_TIMEOUT) {
            Ok(a) => a,
            Err(Error::Dns { host, detail }) => {
                return Err(Failure::network(format!("cannot resolve {host}: {detail}")));
            }
            Err(_) => {
                return Err(Failure::network(format!(
                    "resolving {host} took more than {} s",
                    DNS_TIMEOUT.as_secs()
                )));
            }
        };
        let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
        self.addrs = addrs;
        Ok(shown.join(", "))
    }

    /// Connect to the first address that answers; how long it took.
    pub fn tcp(&mut self) -> Result<Duration> {
        let (target, _) = self.target();
        let started = Instant::now();
        match transport::connect(&self.addrs, &target, started + CONNECT_TIMEOUT) {
            Ok(s) => {
                self.tcp = Some(s);
                Ok(started.elapsed())
            }
            Err(e) => Err(Failure::network(match e {
                Error::Refused { target } => {
                    format!(
                        "cannot connect to {target}: connection refused (nothing listens there)"
                    )
                }
                Error::ConnectTimeout { target } => format!(
                    "cannot connect to {target}: no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ),
                Error::Connect { target, io } => format!("cannot connect to {target}: {io}"),
                other => format!("cannot connect to {target}: {other:?}"),
            })),
        }
    }

    /// The CONNECT tunnel (https behind a proxy) and the TLS handshake, as a token request
    /// makes them; `None` for a plain http endpoint. Failures in the words a fetch uses.
    pub fn tls(&mut self) -> Result<Option<TlsFacts>> {
        let Some(mut tcp) = self.tcp.take() else {
            return Err(Failure::internal("TLS probe without a TCP connection"));
        };
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        let Some(config) = self.client.way.tls.clone().filter(|_| self.route().https) else {
            self.conn = Some(Conn::plain(tcp, deadline));
            return Ok(None);
        };
        let steps = || -> std::result::Result<Conn, Error> {
            if self.route().proxy.is_some() {
                transport::tunnel(&mut tcp, self.route(), USER_AGENT, deadline)?;
            }
            transport::handshake(tcp, config, &self.route().host, deadline)
        };
        let conn = match steps() {
            Ok(c) => c,
            Err(Error::Timeout) => {
                return Err(Failure::network(format!(
                    "{} accepted the connection but did not complete a TLS handshake within {} s",
                    self.target().0,
                    ANSWER_TIMEOUT.as_secs()
                )));
            }
            Err(e) => return Err(self.failure(e)),
        };
        let facts = conn.tls_facts().map(|f| TlsFacts {
            version: f.version,
            not_after: f.leaf.as_deref().and_then(x509::not_after),
        });
        self.conn = Some(conn);
        Ok(facts)
    }

    /// One `HEAD` of the endpoint, without credentials: the server's `Date`, if it sent one.
    pub fn date(&mut self) -> std::result::Result<Option<u64>, NoAnswer> {
        let head = wire::request_head(self.route(), "HEAD", &[], USER_AGENT, None)
            .map_err(|e| NoAnswer::Other(Failure::internal(e)))?;
        let Some(conn) = self.conn.as_mut() else {
            return Err(NoAnswer::Other(Failure::internal(
                "HEAD without a connection",
            )));
        };
        conn.set_deadline(Instant::now() + ANSWER_TIMEOUT);
        let answer = std::io::Write::write_all(conn, &head)
            .map_err(Error::from_io)
            .and_then(|()| transport::read_head_exactly(conn));
        let authority = self.route().authority.clone();
        match answer {
            Ok(reply) => Ok(reply.get("date").and_then(crate::time::parse_http_date)),
            Err(Error::Timeout) => Err(NoAnswer::Silent(Failure::network(format!(
                "{authority} accepted the connection but sent no answer to HEAD within {} s",
                ANSWER_TIMEOUT.as_secs()
            )))),
            Err(Error::Closed) => Err(NoAnswer::Other(Failure::network(format!(
                "{authority} closed the connection without answering HEAD"
            )))),
            Err(e) => Err(NoAnswer::Other(self.failure(e))),
        }
    }

    /// A step's error as the token request would word it.
    fn failure(&self, e: Error) -> Failure {
        let far = Instant::now() + Duration::from_secs(3600);
        match self.client.classify(e, far) {
            AttemptError::Final(f) => f,
            AttemptError::Transient { why, hint } => {
                let f = Failure::network(why);
                match hint {
                    Some(h) => f.hint(h),
                    None => f,
                }
            }
            AttemptError::OutOfTime(why) => Failure::network(why),
        }
    }
}
