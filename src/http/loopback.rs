//! The loopback redirect listener of the authorization-code grant (RFC 8252 §7.3): a socket
//! on 127.0.0.1 that takes one HTTP/1.1 request head per connection and answers it with a
//! small page. It knows no profile and no OAuth: it hands the request target to its caller,
//! who decides the answer. The only listening socket tokfetch opens, here beside the one
//! transport, so that `http` stays the only module that touches the network.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The longest request head read from a browser; a callback URL fits many times over.
const MAX_HEAD: usize = 16 * 1024;

/// How long one connection may take to send its request head.
const READ_WAIT: Duration = Duration::from_secs(5);

/// A bound listener.
pub struct Listener {
    inner: TcpListener,
    port: u16,
}

/// Why the listener could not be bound.
#[derive(Debug)]
pub enum BindError {
    /// Another program listens on that port.
    InUse,
    Other(io::Error),
}

/// Listen on `127.0.0.1:port` (`None`: a port the system picks).
pub fn bind(port: Option<u16>) -> Result<Listener, BindError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port.unwrap_or(0)));
    let inner = TcpListener::bind(addr).map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied => BindError::InUse,
        _ => BindError::Other(e),
    })?;
    let port = inner.local_addr().map_err(BindError::Other)?.port();
    Ok(Listener { inner, port })
}

/// One request that arrived: its method and target (`/callback?code=…`), and the connection
/// to answer on.
pub struct Incoming {
    pub method: String,
    pub target: zeroize::Zeroizing<String>,
    stream: TcpStream,
}

impl Incoming {
    /// Answer with `status` and a small HTML page, then close.
    pub fn answer(mut self, status: u16, html: &str) {
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            _ => "Error",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            html.len()
        );
        let _ = self.stream.write_all(head.as_bytes());
        let _ = self.stream.write_all(html.as_bytes());
        let _ = self.stream.flush();
    }
}

impl Listener {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Accept connections on a thread of their own until the process ends, each read on
    /// another thread (a browser's idle pre-connection must not hold up the callback), and
    /// hand every complete request head to `deliver`. Connections that send no request head in
    /// time, or not HTTP, are closed.
    pub fn serve(self, deliver: impl Fn(Incoming) + Send + Sync + 'static) {
        let deliver = std::sync::Arc::new(deliver);
        std::thread::spawn(move || {
            for stream in self.inner.incoming() {
                let Ok(stream) = stream else { continue };
                let deliver = deliver.clone();
                std::thread::spawn(move || {
                    if let Some(incoming) = read_head(stream) {
                        deliver(incoming);
                    }
                });
            }
        });
    }
}

/// The request line of one connection, its head read whole (up to [`MAX_HEAD`]).
fn read_head(mut stream: TcpStream) -> Option<Incoming> {
    stream.set_read_timeout(Some(READ_WAIT)).ok()?;
    let mut head = zeroize::Zeroizing::new(Vec::with_capacity(1024));
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let (method, target) = request_line(&head)?;
    Some(Incoming {
        method,
        target: zeroize::Zeroizing::new(target),
        stream,
    })
}

/// `GET /callback?x HTTP/1.1` → (`GET`, `/callback?x`). Pure.
fn request_line(head: &[u8]) -> Option<(String, String)> {
    let line = head.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    if parts.next().is_some() || !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return None;
    }
    Some((method.to_string(), target.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            request_line(b"GET /callback?code=a&state=b HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(("GET".into(), "/callback?code=a&state=b".into()))
        );
        for bad in [
            &b"GET http://evil/ HTTP/1.1\r\n\r\n"[..],
            b"GET /a b HTTP/1.1\r\n\r\n",
            b"\x16\x03\x01 TLS",
            b"GET /x SPDY/3\r\n\r\n",
        ] {
            assert_eq!(request_line(bad), None);
        }
    }

    #[test]
    fn a_port_in_use_is_named_as_such() {
        let first = bind(None).expect("bind");
        assert!(matches!(bind(Some(first.port())), Err(BindError::InUse)));
    }
}
