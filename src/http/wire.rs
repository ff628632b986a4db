//! HTTP/1.1 as bytes (RFC 9112), for the one transport (`super::transport`): where a request
//! goes ([`Route`]: the origin, and the http proxy in front of it), the request head (origin
//! form, or absolute form through a proxy, RFC 9112 §3.2.2), the CONNECT request that opens a
//! tunnel, the response head, and the body framing (length, chunked, or until close). Pure:
//! tested without a socket.

use std::io::{self, BufRead, Read};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::Uri;
use zeroize::Zeroizing;

/// Response heads larger than this are refused.
pub(super) const MAX_HEAD: usize = 64 * 1024;
/// Header lines in one response head.
pub(super) const MAX_HEADERS: usize = 100;
/// A chunk-size or trailer line longer than this is malformed.
const MAX_LINE: u64 = 8 * 1024;

/// Where a request goes: the origin server, and the http proxy in front of it when one applies.
#[derive(Debug)]
pub struct Route {
    /// The origin's host (no brackets) and port.
    pub host: String,
    pub port: u16,
    pub https: bool,
    /// The `Host` header: the URL's authority.
    pub authority: String,
    /// Path and query, `/` when the URL has none.
    pub path: String,
    pub proxy: Option<Hop>,
}

/// An http proxy.
#[derive(Debug)]
pub struct Hop {
    /// The proxy's host (no brackets) and port.
    pub host: String,
    pub port: u16,
    /// `Basic …` for `Proxy-Authorization`, when the proxy URL carries credentials.
    pub authorization: Option<Zeroizing<String>>,
}

impl Route {
    /// A plain-http URL behind a proxy goes to the proxy in absolute form; everything else is
    /// sent in origin form (through a CONNECT tunnel when there is a proxy).
    pub fn absolute_form(&self) -> bool {
        self.proxy.is_some() && !self.https
    }

    /// `host:port` of the origin (`[::1]:8443`).
    pub fn origin(&self) -> String {
        join(&self.host, self.port)
    }

    /// The host and port the TCP connection goes to: the proxy's, else the origin's.
    pub fn first_hop(&self) -> (&str, u16) {
        match &self.proxy {
            Some(p) => (&p.host, p.port),
            None => (&self.host, self.port),
        }
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub fn join(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The route to `url` (an http or https URL that passed `endpoint::parse`), directly. The error
/// is a sentence for the user.
pub fn route(url: &str) -> Result<Route, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a valid URL ({e})"))?;
    let https = uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("https"));
    let authority = uri
        .authority()
        .ok_or_else(|| format!("`{url}` has no host"))?;
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let path = if path.is_empty() { "/" } else { path };
    Ok(Route {
        host: authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
        https,
        authority: authority.as_str().to_string(),
        path: path.to_string(),
        proxy: None,
    })
}

/// The proxy at `proxy_url` (`http://[user:password@]host[:port]`, port 80 by default). Only
/// http proxies are spoken to; the error is a sentence for the user.
pub fn hop(proxy_url: &str) -> Result<Hop, String> {
    let (scheme, rest) = proxy_url.split_once("://").unwrap_or(("http", proxy_url));
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(format!(
            "tokfetch speaks to http:// proxies only, not {scheme}://"
        ));
    }
    let (userinfo, rest) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let hostport = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| "an unclosed [ in the host".to_string())?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err("no host".to_string());
    }
    let port = match port {
        None | Some("") => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| "the port is not a number from 1 to 65535".to_string())?,
    };
    let authorization = userinfo.map(|u| {
        let (user, password) = u.split_once(':').unwrap_or((u, ""));
        let pair = Zeroizing::new(
            [
                crate::endpoint::percent_decode(user),
                crate::endpoint::percent_decode(password),
            ]
            .join(":"),
        );
        Zeroizing::new(format!("Basic {}", STANDARD.encode(pair.as_bytes())))
    });
    Ok(Hop {
        host: host.to_string(),
        port,
        authorization,
    })
}

fn splits(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// The request head: the request line (absolute form through a proxy for plain http, else
/// origin form), `Host`, `User-Agent` and `Accept` unless `headers` has them, `headers`,
/// `Proxy-Authorization` (absolute form only), `Content-Length`, `Connection: close`. A name or
/// value holding CR, LF or NUL is refused: it would split the head.
pub fn request_head(
    route: &Route,
    method: &str,
    headers: &[(&str, &str)],
    user_agent: &str,
    body_len: Option<usize>,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut lines: Vec<(&str, &str)> = vec![("Host", &route.authority)];
    if !has("user-agent") {
        lines.push(("User-Agent", user_agent));
    }
    if !has("accept") {
        lines.push(("Accept", "*/*"));
    }
    lines.extend(headers.iter().copied());
    let absolute = route.absolute_form();
    if absolute && let Some(auth) = route.proxy.as_ref().and_then(|p| p.authorization.as_ref()) {
        lines.push(("Proxy-Authorization", auth.as_str()));
    }
    let length = body_len.map(|n| n.to_string());
    if let Some(length) = &length {
        lines.push(("Content-Length", length));
    }
    lines.push(("Connection", "close"));

    let target = if absolute {
        format!("http://{}{}", route.authority, route.path)
    } else {
        route.path.clone()
    };
    if splits(&target) || target.contains(' ') {
        return Err("the URL cannot be sent in a request line".to_string());
    }
    let mut out = Zeroizing::new(Vec::with_capacity(512));
    out.extend_from_slice(format!("{method} {target} HTTP/1.1\r\n").as_bytes());
    for (name, value) in lines {
        if name.is_empty() || splits(name) || name.contains(':') || splits(value) {
            return Err(format!("header {name:?} cannot be sent"));
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

/// `CONNECT host:port`, with the proxy's credentials when it has some (RFC 9110 §9.3.6).
pub fn connect_head(route: &Route, user_agent: &str) -> Zeroizing<Vec<u8>> {
    let target = route.origin();
    let mut head = Zeroizing::new(
        format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {user_agent}\r\n")
            .into_bytes(),
    );
    if let Some(auth) = route.proxy.as_ref().and_then(|p| p.authorization.as_ref()) {
        head.extend_from_slice(b"Proxy-Authorization: ");
        head.extend_from_slice(auth.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// A response's status and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    /// In order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of header `name`.
    pub fn get<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name).next()
    }

    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response head at the start of `buf`: `Ok(None)` while it is incomplete, else the head and
/// the number of bytes it took.
pub fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, String> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut slots);
    match response.parse(buf) {
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(used)) => {
            let status = response
                .code
                .ok_or_else(|| "a response without a status".to_string())?;
            let headers = response
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).trim().to_string(),
                    )
                })
                .collect();
            Ok(Some((Head { status, headers }, used)))
        }
        Err(e) => Err(format!("bad response head ({e})")),
    }
}

/// How a response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (1xx, 204, 304).
    Empty,
    Length(u64),
    Chunked,
    /// Until the connection closes.
    UntilClose,
}

/// The framing of a response to a POST (RFC 9112 §6.3).
pub fn framing(head: &Head) -> Result<Framing, String> {
    if (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
        return Ok(Framing::Empty);
    }
    let codings: Vec<String> = head
        .values("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(last) = codings.last() {
        // A response whose final coding is not chunked ends when the connection does.
        return Ok(if last == "chunked" {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    let mut length = None;
    for value in head.values("content-length").flat_map(|v| v.split(',')) {
        let value = value.trim();
        let n = value
            .parse::<u64>()
            .ok()
            .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("invalid Content-Length {value:?}"))?;
        if length.is_some_and(|l| l != n) {
            return Err("conflicting Content-Length values".to_string());
        }
        length = Some(n);
    }
    Ok(length.map_or(Framing::UntilClose, Framing::Length))
}

/// How a body read went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Complete,
    /// Longer than the limit; not read to its end.
    TooLarge,
}

/// Read a body framed as `framing` from `r` into `body`, refusing more than `limit` bytes. A
/// body cut short is `UnexpectedEof` (or the socket's error); bad chunked framing is
/// `InvalidData`. On an error, `body` holds what was read.
pub fn read_body(
    r: &mut impl BufRead,
    framing: Framing,
    limit: u64,
    body: &mut Vec<u8>,
) -> io::Result<Body> {
    match framing {
        Framing::Empty => {}
        Framing::Length(n) => {
            if n > limit {
                return Ok(Body::TooLarge);
            }
            body.reserve(usize::try_from(n).unwrap_or(0));
            let got = (&mut *r).take(n).read_to_end(body)?;
            if (got as u64) < n {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Framing::UntilClose => {
            (&mut *r).take(limit + 1).read_to_end(body)?;
            if body.len() as u64 > limit {
                return Ok(Body::TooLarge);
            }
        }
        Framing::Chunked => loop {
            let line = read_line(r)?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size, 16)
                .ok()
                .filter(|_| !size.is_empty() && size.len() <= 16)
                .ok_or_else(|| invalid(format!("bad chunk size {size:?}")))?;
            if size == 0 {
                // Trailer fields, up to the empty line; a close right after the last chunk is
                // tolerated.
                while !read_line_or_eof(r)?.is_none_or(|l| l.is_empty()) {}
                break;
            }
            if body.len() as u64 + size > limit {
                return Ok(Body::TooLarge);
            }
            let got = (&mut *r).take(size).read_to_end(body)?;
            if (got as u64) < size {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            if !read_line(r)?.is_empty() {
                return Err(invalid("chunk longer than its size".to_string()));
            }
        },
    }
    Ok(Body::Complete)
}

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

/// One CRLF- (or LF-) terminated line without its terminator.
fn read_line(r: &mut impl BufRead) -> io::Result<String> {
    read_line_or_eof(r)?.ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
}

fn read_line_or_eof(r: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    (&mut *r).take(MAX_LINE).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(if line.len() as u64 + 1 >= MAX_LINE {
            invalid("line too long in a chunked body".to_string())
        } else {
            io::ErrorKind::UnexpectedEof.into()
        });
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| invalid("non-ASCII chunk line".to_string()))
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;

    use super::*;

    fn route_for(proxy: &str, url: &str) -> Route {
        let mut r = route(url).expect("valid");
        r.proxy = Some(hop(proxy).expect("an http proxy"));
        r
    }

    fn head_text(route: &Route, headers: &[(&str, &str)], body_len: usize) -> String {
        let bytes =
            request_head(route, "POST", headers, "tokfetch/test", Some(body_len)).expect("head");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[test]
    fn the_request_line_is_in_absolute_form_with_host_and_length() {
        let r = route_for(
            "http://proxy.example:3128",
            "http://tokens.test:8080/o/token?x=1",
        );
        let head = head_text(
            &r,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            42,
        );
        assert_eq!(
            head,
            "POST http://tokens.test:8080/o/token?x=1 HTTP/1.1\r\n\
             Host: tokens.test:8080\r\n\
             User-Agent: tokfetch/test\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Accept: application/json\r\n\
             Content-Length: 42\r\n\
             Connection: close\r\n\r\n"
        );
        assert_eq!(r.first_hop(), ("proxy.example", 3128));
    }

    #[test]
    fn https_and_direct_requests_are_in_origin_form() {
        let direct = route("http://127.0.0.1:8080/o/token?x=1").expect("valid");
        assert!(
            head_text(&direct, &[], 0)
                .starts_with("POST /o/token?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
        );
        assert_eq!(direct.first_hop(), ("127.0.0.1", 8080));
        let tunnelled = route_for("http://u:pw@proxy:3128", "https://idp.example/t");
        let head = head_text(&tunnelled, &[], 0);
        assert!(
            head.starts_with("POST /t HTTP/1.1\r\nHost: idp.example\r\n"),
            "{head}"
        );
        assert!(
            !head.contains("Proxy-Authorization"),
            "only the CONNECT carries it: {head}"
        );
        let connect = String::from_utf8(connect_head(&tunnelled, "ua").to_vec()).expect("utf-8");
        assert_eq!(
            connect,
            format!(
                "CONNECT idp.example:443 HTTP/1.1\r\nHost: idp.example:443\r\nUser-Agent: ua\r\nProxy-Authorization: Basic {}\r\n\r\n",
                STANDARD.encode("u:pw")
            )
        );
    }

    #[test]
    fn defaults_fill_in_an_empty_path_the_port_and_accept() {
        let r = route_for("proxy.example", "http://[::ffff:127.0.0.1]:81");
        assert!(
            head_text(&r, &[], 0).starts_with("POST http://[::ffff:127.0.0.1]:81/ HTTP/1.1\r\n")
        );
        assert_eq!(r.authority, "[::ffff:127.0.0.1]:81");
        assert_eq!(r.first_hop(), ("proxy.example", 80));
        assert!(head_text(&r, &[], 0).contains("\r\nAccept: */*\r\n"));
        let v6 = route_for("http://[::1]:3128", "http://tokens.test/t");
        assert_eq!(v6.first_hop(), ("::1", 3128));
        assert_eq!(
            route("https://[::1]/t").expect("valid").origin(),
            "[::1]:443"
        );
    }

    #[test]
    fn proxy_credentials_become_basic_proxy_authorization_decoded_once() {
        let r = route_for("http://us%65r:p%40ss+w@proxy:3128", "http://tokens.test/t");
        let expected = format!("Basic {}", STANDARD.encode("user:p@ss+w"));
        assert!(
            head_text(&r, &[], 0).contains(&format!("\r\nProxy-Authorization: {expected}\r\n"))
        );
        assert!(
            hop("http://proxy:3128")
                .expect("ok")
                .authorization
                .is_none()
        );
    }

    #[test]
    fn only_http_proxies_are_spoken_to() {
        for bad in [
            "socks5://proxy:1080",
            "https://proxy:443",
            "http://proxy:99999",
            "http://:3128",
        ] {
            assert!(hop(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_header_that_would_split_the_head_is_refused() {
        let r = route_for("http://proxy:3128", "http://tokens.test/t");
        for bad in [
            ("X-A", "a\r\nX-Injected: 1"),
            ("X\nB", "v"),
            ("X-A", "a\0b"),
        ] {
            assert!(
                request_head(&r, "POST", &[bad], "ua", Some(0)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_get_has_no_length() {
        let r = route_for("http://proxy:3128", "http://idp.test/.well-known/x");
        let bytes = request_head(&r, "GET", &[], "ua", None).expect("head");
        let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
        assert!(
            text.starts_with("GET http://idp.test/.well-known/x HTTP/1.1\r\n"),
            "{text}"
        );
        assert!(
            !text.to_ascii_lowercase().contains("content-length"),
            "{text}"
        );
    }

    #[test]
    fn response_heads_parse_when_complete() {
        let raw = b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\nrest";
        assert_eq!(parse_head(&raw[..20]), Ok(None));
        let (head, used) = parse_head(raw).expect("valid").expect("complete");
        assert_eq!(head.status, 407);
        assert_eq!(head.get("proxy-authenticate"), Some("Basic realm=\"x\""));
        assert_eq!(&raw[used..], b"rest");
        assert!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }

    fn head(status: u16, headers: &[(&str, &str)]) -> Head {
        Head {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn framing_follows_rfc_9112() {
        assert_eq!(
            framing(&head(204, &[("Content-Length", "5")])),
            Ok(Framing::Empty)
        );
        assert_eq!(
            framing(&head(200, &[("Content-Length", "5")])),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing(&head(200, &[("Content-Length", "5, 5")])),
            Ok(Framing::Length(5))
        );
        assert!(
            framing(&head(
                200,
                &[("Content-Length", "5"), ("Content-Length", "6")]
            ))
            .is_err()
        );
        assert!(framing(&head(200, &[("Content-Length", "+5")])).is_err());
        assert_eq!(
            framing(&head(
                200,
                &[
                    ("Transfer-Encoding", "gzip, Chunked"),
                    ("Content-Length", "5")
                ]
            )),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            framing(&head(200, &[("Transfer-Encoding", "gzip")])),
            Ok(Framing::UntilClose)
        );
        assert_eq!(framing(&head(200, &[])), Ok(Framing::UntilClose));
    }

    /// The body as read, or `None` when it is over the limit.
    fn read(framing: Framing, raw: &[u8], limit: u64) -> io::Result<Option<Vec<u8>>> {
        let mut body = Vec::new();
        Ok(
            match read_body(&mut BufReader::new(raw), framing, limit, &mut body)? {
                Body::Complete => Some(body),
                Body::TooLarge => None,
            },
        )
    }

    fn complete(bytes: &[u8]) -> Option<Vec<u8>> {
        Some(bytes.to_vec())
    }

    #[test]
    fn bodies_are_read_by_length_chunks_or_close_within_the_limit() {
        assert_eq!(
            read(Framing::Length(3), b"abcdef", 10).ok(),
            Some(complete(b"abc"))
        );
        assert_eq!(read(Framing::Length(11), b"", 10).ok(), Some(None));
        assert_eq!(
            read(Framing::UntilClose, b"abcdef", 10).ok(),
            Some(complete(b"abcdef"))
        );
        assert_eq!(read(Framing::UntilClose, b"abcdef", 5).ok(), Some(None));
        assert_eq!(read(Framing::Empty, b"abc", 10).ok(), Some(complete(b"")));
        let chunked = b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
        assert_eq!(
            read(Framing::Chunked, chunked, 10).ok(),
            Some(complete(b"abcde"))
        );
        assert_eq!(read(Framing::Chunked, chunked, 4).ok(), Some(None));
        // A close right after the last chunk, bare LF line ends.
        assert_eq!(
            read(Framing::Chunked, b"1\na\n0\n", 10).ok(),
            Some(complete(b"a"))
        );
    }

    #[test]
    fn cut_or_malformed_bodies_are_errors() {
        let kind = |r: io::Result<Option<Vec<u8>>>| r.err().map(|e| e.kind());
        assert_eq!(
            kind(read(Framing::Length(5), b"abc", 10)),
            Some(io::ErrorKind::UnexpectedEof)
        );
        assert_eq!(
            kind(read(Framing::Chunked, b"5\r\nab", 10)),
            Some(io::ErrorKind::UnexpectedEof)
        );
        assert_eq!(
            kind(read(Framing::Chunked, b"", 10)),
            Some(io::ErrorKind::UnexpectedEof)
        );
        assert_eq!(
            kind(read(Framing::Chunked, b"zz\r\n", 10)),
            Some(io::ErrorKind::InvalidData)
        );
        assert_eq!(
            kind(read(Framing::Chunked, b"1\r\nabc\r\n0\r\n\r\n", 10)),
            Some(io::ErrorKind::InvalidData)
        );
    }

    #[test]
    fn a_body_cut_short_keeps_what_was_read() {
        let mut body = Vec::new();
        let r = read_body(
            &mut BufReader::new(&b"abc"[..]),
            Framing::Length(5),
            10,
            &mut body,
        );
        assert_eq!(
            r.err().map(|e| e.kind()),
            Some(io::ErrorKind::UnexpectedEof)
        );
        assert_eq!(body, b"abc");
    }
}
