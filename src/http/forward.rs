//! Plain-http token requests through an HTTP proxy, sent in absolute form: `POST
//! http://host:port/path HTTP/1.1` to the proxy itself, as curl does. ureq always opens a
//! CONNECT tunnel instead, and proxies commonly refuse CONNECT to ports other than 443 (README
//! "Network behaviour"). https token URLs keep going through CONNECT, with ureq. The bytes are
//! [`super::wire`]'s; this is the I/O, within the connect timeout and the deadline.

use std::io::{self, BufReader, Cursor, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::wire::{Head, MAX_HEAD, Route, parse_head};

/// How sending through the proxy failed.
#[derive(Debug)]
pub enum Error {
    /// The proxy's host name does not resolve (the resolver's words).
    Resolve(String),
    /// No connection to the proxy could be made; the last address's error.
    Connect(io::Error),
    /// The connect timeout (`"connect"`) or the deadline (`"response"`) passed.
    Timeout(&'static str),
    /// The connection broke or closed before a complete response head.
    Io(io::Error),
    /// The answer is not an HTTP/1.x response.
    Protocol(String),
}

/// The rest of a response after its head.
pub type Rest = BufReader<io::Chain<Cursor<Zeroizing<Vec<u8>>>, Deadlined>>;

/// Send `head` and `body` to the route's proxy and read the response head (skipping interim
/// 1xx responses). The rest of the response is left to [`read_body`].
pub fn send(
    route: &Route,
    head: &[u8],
    body: &[u8],
    connect_timeout: Duration,
    deadline: Instant,
) -> Result<(Head, Rest), Error> {
    let addrs = resolve(&route.proxy_host, route.proxy_port, deadline)?;
    let mut tcp = None;
    let mut last = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout("response"));
        }
        match TcpStream::connect_timeout(&addr, connect_timeout.min(left)) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(Error::Timeout("connect")),
            Err(e) => last = Some(e),
        }
    }
    let Some(tcp) = tcp else {
        return Err(Error::Connect(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "no address to connect to")
        })));
    };
    let _ = tcp.set_nodelay(true);
    let mut conn = Deadlined { tcp, deadline };
    let mut request = Zeroizing::new(Vec::with_capacity(head.len() + body.len()));
    request.extend_from_slice(head);
    request.extend_from_slice(body);
    let sent = conn.write_all(&request).and_then(|()| conn.flush());
    match sent {
        Err(e) if is_timeout(&e) => Err(Error::Timeout("response")),
        // A proxy may answer (a 407, an error page) and close before reading the body, so that
        // the write fails: its answer is still worth reading, as curl does. The write error is
        // reported only when there is none.
        Err(e) => read_head(conn).map_err(|_| Error::Io(e)),
        Ok(()) => read_head(conn),
    }
}

/// Read a response head from `conn`, skipping interim 1xx responses. The head buffer may hold
/// the start of the body (a token): it is zeroed when dropped, and never reallocated.
fn read_head(mut conn: Deadlined) -> Result<(Head, Rest), Error> {
    let mut chunk = Zeroizing::new([0u8; 4096]);
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_HEAD + chunk.len()));
    loop {
        match parse_head(&buf).map_err(Error::Protocol)? {
            Some((h, used)) if (100..200).contains(&h.status) && h.status != 101 => {
                buf.drain(..used);
                continue;
            }
            Some((h, _)) if h.status == 101 => {
                return Err(Error::Protocol("unexpected 101 Switching Protocols".into()));
            }
            Some((h, used)) => {
                let rest = Zeroizing::new(buf[used..].to_vec());
                return Ok((h, BufReader::new(Cursor::new(rest).chain(conn))));
            }
            None if buf.len() > MAX_HEAD => {
                return Err(Error::Protocol(format!(
                    "a response head over {} KiB",
                    MAX_HEAD / 1024
                )));
            }
            None => {}
        }
        let n = conn.read(&mut chunk[..]).map_err(io_error)?;
        if n == 0 {
            return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn io_error(e: io::Error) -> Error {
    if is_timeout(&e) {
        Error::Timeout("response")
    } else {
        Error::Io(e)
    }
}

/// A read or write that ran into the deadline.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// The proxy's addresses, resolved within the deadline (the resolver itself has no timeout, so
/// it runs on a thread that is left behind if it hangs).
fn resolve(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, Error> {
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(
            (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>()),
        );
    });
    let left = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(Error::Resolve("no addresses".to_string())),
        Ok(Err(e)) => Err(Error::Resolve(lookup_detail(&e))),
        Err(_) => Err(Error::Timeout("connect")),
    }
}

/// The resolver's own words from a failed lookup (std prefixes them).
pub fn lookup_detail(e: &io::Error) -> String {
    let text = e.to_string();
    match text.strip_prefix(LOOKUP_PREFIX) {
        Some(detail) => detail.trim().to_string(),
        None => text,
    }
}

/// How std words a failed name lookup (`getaddrinfo`), which ureq passes on as an I/O error.
pub const LOOKUP_PREFIX: &str = "failed to lookup address information:";

/// A socket whose every read and write ends by the deadline.
#[derive(Debug)]
pub struct Deadlined {
    tcp: TcpStream,
    deadline: Instant,
}

impl Deadlined {
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::ErrorKind::TimedOut.into())
        } else {
            Ok(left)
        }
    }
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.tcp.set_read_timeout(Some(left))?;
        self.tcp.read(buf)
    }
}

impl Write for Deadlined {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.tcp.set_write_timeout(Some(left))?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_errors_keep_the_resolvers_words() {
        let e = io::Error::other(format!("{LOOKUP_PREFIX} Name or service not known"));
        assert_eq!(lookup_detail(&e), "Name or service not known");
    }
}
