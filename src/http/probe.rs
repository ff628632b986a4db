//! `doctor`'s look at the way to a token endpoint, one step at a time so each can be reported
//! on its own line (README "doctor"): name resolution, the TCP connection (to the proxy when
//! one applies, then a CONNECT tunnel), the TLS handshake with the same roots a token request
//! trusts, and one `HEAD` of the endpoint for the server's `Date`. Nothing here sends a
//! credential: the `HEAD` carries no body and no `Authorization`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};
use ureq::http::Uri;

use super::{CONNECT_TIMEOUT, USER_AGENT, failure, forward, tls, wire};
use crate::endpoint::Endpoint;
use crate::error::{Failure, Result};
use crate::{proxy, x509};

/// How long a name lookup may take.
const DNS_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one read or write may take.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// What the TLS handshake showed.
#[derive(Debug, Clone)]
pub struct TlsFacts {
    pub version: String,
    /// The server certificate's notAfter, Unix seconds.
    pub not_after: Option<u64>,
}

/// The connection so far.
enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Conn {
    fn io(&mut self) -> &mut dyn ReadWrite {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.as_mut(),
        }
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// The probe of one profile's endpoint.
pub struct Probe<'p> {
    endpoint: &'p Endpoint,
    /// The profile's `ca_file`.
    ca_file: Option<&'p std::path::Path>,
    /// The endpoint's host and port.
    host: String,
    port: u16,
    /// The http proxy in front of it, if one applies.
    route: Option<wire::Route>,
    addrs: Vec<SocketAddr>,
    conn: Option<Conn>,
}

impl<'p> Probe<'p> {
    /// The probe, or why the way cannot be probed (a proxy that is not `http://`).
    pub fn new(
        endpoint: &'p Endpoint,
        ca_file: Option<&'p std::path::Path>,
    ) -> std::result::Result<Probe<'p>, String> {
        let uri: Uri = endpoint.url.parse().map_err(|e| format!("{e}"))?;
        let port = uri
            .port_u16()
            .unwrap_or(if endpoint.https { 443 } else { 80 });
        let route = match proxy::select(endpoint, |k| std::env::var(k).ok()) {
            None => None,
            Some((url, var)) => {
                let shown = proxy::redacted(&url);
                if let Some(pw) = proxy::password(&url) {
                    crate::redact::register(&pw);
                }
                match wire::route(&url, &endpoint.url) {
                    Ok(Some(r)) => Some(r),
                    Ok(None) => {
                        return Err(format!(
                            "the proxy {shown} (from {var}) is not an http:// proxy; only a token request (--fetch) can go through it"
                        ));
                    }
                    Err(e) => return Err(format!("{var} is not a usable proxy URL: {e}")),
                }
            }
        };
        Ok(Probe {
            endpoint,
            ca_file,
            host: endpoint.host.clone(),
            port,
            route,
            addrs: Vec::new(),
            conn: None,
        })
    }

    /// `host:port` the TCP connection goes to, and whether it is a proxy.
    pub fn target(&self) -> (String, bool) {
        match &self.route {
            Some(r) => (join(&r.proxy_host, r.proxy_port), true),
            None => (join(&self.host, self.port), false),
        }
    }

    /// Resolve the host the connection goes to; the addresses found, for the report.
    pub fn dns(&mut self) -> Result<String> {
        let (host, port) = match &self.route {
            Some(r) => (r.proxy_host.clone(), r.proxy_port),
            None => (self.host.clone(), self.port),
        };
        let (tx, rx) = mpsc::channel();
        let name = host.clone();
        std::thread::spawn(move || {
            let _ = tx.send((name.as_str(), port).to_socket_addrs().map(Vec::from_iter));
        });
        let addrs = match rx.recv_timeout(DNS_TIMEOUT) {
            Ok(Ok(a)) if !a.is_empty() => a,
            Ok(Ok(_)) => return Err(Failure::network(format!("{host} has no address"))),
            Ok(Err(e)) => {
                return Err(Failure::network(format!(
                    "cannot resolve {host}: {}",
                    forward::lookup_detail(&e)
                )));
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
        let mut last = None;
        for addr in &self.addrs {
            let started = Instant::now();
            match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
                Ok(s) => {
                    s.set_read_timeout(Some(IO_TIMEOUT))
                        .and_then(|()| s.set_write_timeout(Some(IO_TIMEOUT)))
                        .map_err(|e| Failure::network(format!("{target}: {e}")))?;
                    self.conn = Some(Conn::Plain(s));
                    return Ok(started.elapsed());
                }
                Err(e) => last = Some(e),
            }
        }
        let why = last.map_or_else(|| "no address".to_string(), |e| connect_words(&e));
        Err(Failure::network(format!(
            "cannot connect to {target}: {why}"
        )))
    }

    /// The TLS handshake (through a CONNECT tunnel when a proxy applies); `None` for a plain
    /// http endpoint.
    pub fn tls(&mut self) -> Result<Option<TlsFacts>> {
        if !self.endpoint.https {
            return Ok(None);
        }
        let Some(Conn::Plain(mut tcp)) = self.conn.take() else {
            return Err(Failure::internal("TLS probe without a TCP connection"));
        };
        if let Some(route) = &self.route {
            tunnel(&mut tcp, route, &join(&self.host, self.port))?;
        }
        let config = Arc::new(tls::rustls_config(self.ca_file)?);
        let name = ServerName::try_from(self.host.clone())
            .map_err(|e| Failure::config(format!("{} is not a TLS server name: {e}", self.host)))?;
        let conn = ClientConnection::new(config, name)
            .map_err(|e| Failure::internal(format!("TLS set-up: {e}")))?;
        let mut stream = StreamOwned::new(conn, tcp);
        while stream.conn.is_handshaking() {
            if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
                return Err(self.tls_failure(&e));
            }
        }
        let facts = TlsFacts {
            version: stream
                .conn
                .protocol_version()
                .and_then(|v| v.as_str())
                .unwrap_or("TLS")
                .replace('_', ".")
                .replace("TLSv", "TLS "),
            not_after: stream
                .conn
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|leaf| x509::not_after(leaf.as_ref())),
        };
        self.conn = Some(Conn::Tls(Box::new(stream)));
        Ok(Some(facts))
    }

    fn tls_failure(&self, e: &io::Error) -> Failure {
        let reason = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map_or_else(|| e.to_string(), |r| failure::tls_reason(&self.host, r));
        let f = Failure::network(format!("TLS handshake with {} failed: {reason}", self.host));
        if reason.contains("not signed by a trusted root") {
            f.hint(format!(
                "if {} uses a private CA, set ca_file = \"/path/to/ca.pem\" in the profile (or TOKFETCH_CA_FILE)",
                self.host
            ))
        } else {
            f
        }
    }

    /// One `HEAD` of the endpoint, without credentials: the server's `Date`, if it sent one.
    pub fn date(&mut self) -> Result<Option<u64>> {
        let endpoint = self.endpoint;
        let uri: Uri = endpoint
            .url
            .parse()
            .map_err(|e| Failure::internal(format!("{e}")))?;
        let authority = uri.authority().map_or(self.host.clone(), |a| a.to_string());
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let (target, proxy_auth) = match (&self.route, endpoint.https) {
            // Plain http through a proxy: absolute form, as a token request would go.
            (Some(r), false) => (r.target.clone(), r.proxy_authorization.clone()),
            _ => (path.to_string(), None),
        };
        let mut head = format!(
            "HEAD {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\n"
        );
        if let Some(auth) = proxy_auth {
            head.push_str(&format!("Proxy-Authorization: {}\r\n", auth.as_str()));
        }
        head.push_str("Connection: close\r\n\r\n");
        let Some(conn) = self.conn.as_mut() else {
            return Err(Failure::internal("HEAD without a connection"));
        };
        let io = conn.io();
        io.write_all(head.as_bytes())
            .and_then(|()| io.flush())
            .map_err(|e| Failure::network(format!("sending HEAD to {authority}: {e}")))?;
        let reply = read_head(io)
            .map_err(|e| Failure::network(format!("no HTTP answer from {authority}: {e}")))?;
        Ok(reply.get("date").and_then(crate::time::parse_http_date))
    }
}

/// Open a CONNECT tunnel to `target` through the proxy `tcp` is connected to.
fn tunnel(tcp: &mut TcpStream, route: &wire::Route, target: &str) -> Result<()> {
    let mut req =
        format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {USER_AGENT}\r\n");
    if let Some(auth) = &route.proxy_authorization {
        req.push_str(&format!("Proxy-Authorization: {}\r\n", auth.as_str()));
    }
    req.push_str("\r\n");
    let proxy = join(&route.proxy_host, route.proxy_port);
    tcp.write_all(req.as_bytes())
        .map_err(|e| Failure::network(format!("proxy {proxy}: {e}")))?;
    let head = read_head(tcp).map_err(|e| Failure::network(format!("proxy {proxy}: {e}")))?;
    match head.status {
        200..=299 => Ok(()),
        407 => Err(Failure::network(format!(
            "the proxy {proxy} requires authentication (407)"
        ))
        .hint("put the proxy credentials in the proxy URL: https_proxy=http://user:password@host:port")),
        s => Err(Failure::network(format!(
            "the proxy {proxy} refused to open a tunnel to {target} (HTTP {s})"
        ))),
    }
}

/// Read a response head byte by byte (a CONNECT reply must not eat what follows it), skipping
/// interim 1xx answers.
fn read_head(io: &mut (impl Read + ?Sized)) -> std::result::Result<wire::Head, String> {
    let mut buf = Vec::with_capacity(1024);
    let mut byte = [0u8; 1];
    loop {
        match io.read(&mut byte) {
            Ok(0) => return Err("the connection closed before an answer".into()),
            Ok(_) => buf.push(byte[0]),
            Err(e) => return Err(e.to_string()),
        }
        if buf.ends_with(b"\r\n\r\n") {
            match wire::parse_head(&buf)? {
                Some((h, _)) if (100..200).contains(&h.status) => buf.clear(),
                Some((h, _)) => return Ok(h),
                None => {}
            }
        }
        if buf.len() > wire::MAX_HEAD {
            return Err("a response head that never ends".into());
        }
    }
}

fn join(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn connect_words(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused (nothing listens there)".into(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())
        }
        _ => e.to_string(),
    }
}
