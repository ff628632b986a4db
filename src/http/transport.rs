//! The one way to the network (README "Network behaviour"): resolve → connect → CONNECT tunnel
//! (or absolute form, [`super::wire`]) → TLS → one HTTP/1.1 exchange, each step bounded by a
//! deadline and failing with a typed [`Error`]. A token request, a discovery document and an
//! ID token run the steps end to end ([`open`], [`exchange`]); `doctor` runs them one at a
//! time ([`super::probe`]), so what it checks is what a fetch does.

use std::io::{self, BufReader, Cursor, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use zeroize::Zeroizing;

use super::wire::{self, Head, MAX_HEAD, Route, parse_head};

/// The most one connection attempt to one address may take (README "Network behaviour").
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a step failed. Messages are made from these by `failure.rs` and `doctor`, never by
/// reading an error's text.
#[derive(Debug)]
pub enum Error {
    /// The name does not resolve (the resolver's words).
    Dns { host: String, detail: String },
    /// Nothing listens at `host:port` (the last address tried).
    Refused { target: String },
    /// No address of `host:port` accepted a connection within [`CONNECT_TIMEOUT`].
    ConnectTimeout { target: String },
    /// Another connect error (unreachable network, no route…).
    Connect { target: String, io: io::Error },
    /// The proxy answered CONNECT with this status.
    Proxy { status: u16 },
    /// The proxy closed the connection without answering CONNECT.
    ProxyClosed,
    /// The TLS handshake failed.
    Tls(rustls::Error),
    /// The host is not a name TLS can check a certificate for.
    ServerName(String),
    /// The deadline passed while waiting (resolving, the handshake, the answer).
    Timeout,
    /// The peer closed the connection before a complete response.
    Closed,
    /// The connection broke.
    Io(io::Error),
    /// The answer is not HTTP/1.x.
    Malformed(String),
}

impl Error {
    /// An I/O error by what it means: a TLS alert or certificate, the deadline, a close.
    pub fn from_io(e: io::Error) -> Error {
        if let Some(tls) = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Error::Tls(tls.clone());
        }
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout,
            io::ErrorKind::UnexpectedEof => Error::Closed,
            _ => Error::Io(e),
        }
    }
}

/// The addresses of `host`, resolved by `deadline`. An IP address is taken as it is; a name
/// is looked up on a thread (the system resolver has no timeout), which is left behind if it
/// hangs.
pub fn resolve(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, Error> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send((name.as_str(), port).to_socket_addrs().map(Vec::from_iter));
    });
    let dns = |detail: String| Error::Dns {
        host: host.to_string(),
        detail,
    };
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(dns("no address found".to_string())),
        Ok(Err(e)) => Err(dns(lookup_detail(&e))),
        Err(_) => Err(Error::Timeout),
    }
}

/// The resolver's own words from a failed lookup (std prefixes them).
fn lookup_detail(e: &io::Error) -> String {
    let text = e.to_string();
    match text.strip_prefix("failed to lookup address information:") {
        Some(detail) => detail.trim().to_string(),
        None => text,
    }
}

/// A connection to the first of `addrs` that accepts one, each tried for at most
/// [`CONNECT_TIMEOUT`] and all by `deadline`. `target` (`host:port`) names it in errors.
pub fn connect(addrs: &[SocketAddr], target: &str, deadline: Instant) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout);
        }
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT.min(left)) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    let target = target.to_string();
    Err(match last {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => Error::Refused { target },
        Some(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            if Instant::now() >= deadline {
                Error::Timeout
            } else {
                Error::ConnectTimeout { target }
            }
        }
        Some(io) => Error::Connect { target, io },
        None => Error::Connect {
            target,
            io: io::Error::new(io::ErrorKind::NotFound, "no address to connect to"),
        },
    })
}

/// Open a CONNECT tunnel to the route's origin through the proxy `tcp` is connected to.
pub fn tunnel(
    tcp: &mut TcpStream,
    route: &Route,
    user_agent: &str,
    deadline: Instant,
) -> Result<(), Error> {
    let mut conn = Deadlined { tcp, deadline };
    conn.write_all(&wire::connect_head(route, user_agent))
        .map_err(Error::from_io)?;
    match read_head_exactly(&mut conn) {
        Ok(head) if (200..300).contains(&head.status) => Ok(()),
        Ok(head) => Err(Error::Proxy {
            status: head.status,
        }),
        Err(Error::Closed) => Err(Error::ProxyClosed),
        Err(e) => Err(e),
    }
}

/// A TLS connection to `host` over `tcp`, handshake done by `deadline`.
pub fn handshake(
    tcp: TcpStream,
    config: Arc<ClientConfig>,
    host: &str,
    deadline: Instant,
) -> Result<Conn, Error> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| Error::ServerName(format!("{host} is not a TLS server name: {e}")))?;
    let tls = ClientConnection::new(config, name).map_err(Error::Tls)?;
    let mut conn = Conn {
        stream: Stream::Tls(Box::new(StreamOwned::new(tls, tcp))),
        deadline,
    };
    if let Stream::Tls(s) = &mut conn.stream {
        let s = s.as_mut();
        while s.conn.is_handshaking() {
            set_timeouts(&s.sock, deadline).map_err(Error::from_io)?;
            s.conn.complete_io(&mut s.sock).map_err(Error::from_io)?;
        }
    }
    Ok(conn)
}

/// The steps a fetch takes, end to end: resolve, connect, tunnel through the proxy (https
/// behind one), TLS (https). `tls` is the configuration for an https route.
pub fn open(
    route: &Route,
    tls: Option<&Arc<ClientConfig>>,
    user_agent: &str,
    deadline: Instant,
) -> Result<Conn, Error> {
    let (host, port) = route.first_hop();
    let addrs = resolve(host, port, deadline)?;
    let mut tcp = connect(&addrs, &wire::join(host, port), deadline)?;
    match (route.https, tls) {
        (true, Some(config)) => {
            if route.proxy.is_some() {
                tunnel(&mut tcp, route, user_agent, deadline)?;
            }
            handshake(tcp, config.clone(), &route.host, deadline)
        }
        _ => Ok(Conn::plain(tcp, deadline)),
    }
}

/// Send `request` (head and body) on `conn` and read the response head, skipping interim 1xx
/// responses. The rest of the response is left to `wire::read_body`.
pub fn exchange(mut conn: Conn, request: &[u8]) -> Result<(Head, Rest), Error> {
    let sent = conn.write_all(request).and_then(|()| conn.flush());
    match sent {
        Err(e) if is_timeout(&e) => Err(Error::Timeout),
        // A server or proxy may answer (a 407, an error page) and close before reading the
        // body, so that the write fails: its answer is still worth reading, as curl does. The
        // write error is reported only when there is none.
        Err(e) => read_head(conn).map_err(|_| Error::from_io(e)),
        Ok(()) => read_head(conn),
    }
}

/// The rest of a response after its head.
pub type Rest = BufReader<io::Chain<Cursor<Zeroizing<Vec<u8>>>, Conn>>;

/// Read a response head from `conn`, skipping interim 1xx responses. The head buffer may hold
/// the start of the body (a token): it is zeroed when dropped, and never reallocated.
fn read_head(mut conn: Conn) -> Result<(Head, Rest), Error> {
    let mut chunk = Zeroizing::new([0u8; 4096]);
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_HEAD + chunk.len()));
    loop {
        match parse_head(&buf).map_err(Error::Malformed)? {
            Some((h, used)) if (100..200).contains(&h.status) && h.status != 101 => {
                buf.drain(..used);
                continue;
            }
            Some((h, _)) if h.status == 101 => {
                return Err(Error::Malformed(
                    "unexpected 101 Switching Protocols".into(),
                ));
            }
            Some((h, used)) => {
                let rest = Zeroizing::new(buf[used..].to_vec());
                return Ok((h, BufReader::new(Cursor::new(rest).chain(conn))));
            }
            None if buf.len() > MAX_HEAD => {
                return Err(Error::Malformed(format!(
                    "a response head over {} KiB",
                    MAX_HEAD / 1024
                )));
            }
            None => {}
        }
        let n = conn.read(&mut chunk[..]).map_err(Error::from_io)?;
        if n == 0 {
            return Err(Error::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Read a response head byte by byte, so that nothing after it is consumed (the answer to
/// CONNECT is followed by the tunnel; `doctor`'s `HEAD` has no body).
pub fn read_head_exactly(io: &mut impl Read) -> Result<Head, Error> {
    let mut buf = Vec::with_capacity(1024);
    let mut byte = [0u8; 1];
    loop {
        match io.read(&mut byte) {
            Ok(0) => return Err(Error::Closed),
            Ok(_) => buf.push(byte[0]),
            Err(e) => return Err(Error::from_io(e)),
        }
        if buf.ends_with(b"\n\r\n") || buf.ends_with(b"\n\n") {
            match parse_head(&buf).map_err(Error::Malformed)? {
                Some((h, _)) if (100..200).contains(&h.status) => buf.clear(),
                Some((h, _)) => return Ok(h),
                None => {}
            }
        }
        if buf.len() > MAX_HEAD {
            return Err(Error::Malformed("a response head that never ends".into()));
        }
    }
}

/// A read or write that ran into the deadline.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

fn left(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(io::ErrorKind::TimedOut.into())
    } else {
        Ok(left)
    }
}

fn set_timeouts(tcp: &TcpStream, deadline: Instant) -> io::Result<()> {
    let left = left(deadline)?;
    tcp.set_read_timeout(Some(left))?;
    tcp.set_write_timeout(Some(left))
}

/// A socket whose every read and write ends by the deadline.
struct Deadlined<'a> {
    tcp: &'a mut TcpStream,
    deadline: Instant,
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        set_timeouts(self.tcp, self.deadline)?;
        self.tcp.read(buf)
    }
}

impl Write for Deadlined<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        set_timeouts(self.tcp, self.deadline)?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

/// An open connection (plain or TLS) whose every read and write ends by its deadline.
pub struct Conn {
    stream: Stream,
    deadline: Instant,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.stream {
            Stream::Plain(_) => "Conn(plain)",
            Stream::Tls(_) => "Conn(tls)",
        })
    }
}

/// What the TLS handshake showed (`doctor`).
#[derive(Debug, Clone)]
pub struct TlsFacts {
    /// `TLS 1.3`.
    pub version: String,
    /// The server certificate, leaf first, DER.
    pub leaf: Option<Vec<u8>>,
}

impl Conn {
    pub fn plain(tcp: TcpStream, deadline: Instant) -> Conn {
        Conn {
            stream: Stream::Plain(tcp),
            deadline,
        }
    }

    /// A later bound for what follows (`doctor` gives each step its own).
    pub fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }

    /// The negotiated version and the server's certificate; `None` on a plain connection.
    pub fn tls_facts(&self) -> Option<TlsFacts> {
        let Stream::Tls(s) = &self.stream else {
            return None;
        };
        Some(TlsFacts {
            version: s
                .conn
                .protocol_version()
                .and_then(|v| v.as_str())
                .unwrap_or("TLS")
                .replace('_', ".")
                .replace("TLSv", "TLS "),
            leaf: s
                .conn
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec()),
        })
    }

    fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        set_timeouts(self.tcp(), self.deadline)?;
        match &mut self.stream {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        set_timeouts(self.tcp(), self.deadline)?;
        match &mut self.stream {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        set_timeouts(self.tcp(), self.deadline)?;
        match &mut self.stream {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_errors_keep_the_resolvers_words() {
        let e = io::Error::other("failed to lookup address information: Name or service not known");
        assert_eq!(lookup_detail(&e), "Name or service not known");
    }

    #[test]
    fn ip_addresses_are_not_looked_up() {
        let far = Instant::now() + Duration::from_secs(5);
        let addrs = resolve("::1", 443, far).expect("an address");
        assert_eq!(addrs, ["[::1]:443".parse::<SocketAddr>().expect("addr")]);
    }

    #[test]
    fn a_refused_connection_names_host_and_port() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let addrs = resolve("127.0.0.1", port, Instant::now() + Duration::from_secs(5))
            .expect("an address");
        let target = wire::join("127.0.0.1", port);
        match connect(&addrs, &target, Instant::now() + Duration::from_secs(5)) {
            Err(Error::Refused { target: t }) => assert_eq!(t, target),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_silent_server_is_a_timeout_by_the_deadline() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let deadline = Instant::now() + Duration::from_millis(300);
        let addrs = resolve("127.0.0.1", port, deadline).expect("an address");
        let tcp = connect(&addrs, "x", deadline).expect("the kernel accepts");
        let started = Instant::now();
        let r = exchange(Conn::plain(tcp, deadline), b"GET / HTTP/1.1\r\n\r\n");
        assert!(matches!(r, Err(Error::Timeout)), "{:?}", r.err());
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
