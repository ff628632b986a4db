//! The absolute-form request and its response, as bytes (RFC 9112): the request head sent to a
//! proxy (`POST http://host:port/path HTTP/1.1`, RFC 9112 §3.2.2), the response head, and the
//! body framing (length, chunked, or until close). Pure: tested without a socket.

use std::io::{self, BufRead, Read};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ureq::http::Uri;
use zeroize::Zeroizing;

/// Response heads larger than this are refused.
pub(super) const MAX_HEAD: usize = 64 * 1024;
/// Header lines in one response head.
pub(super) const MAX_HEADERS: usize = 100;
/// A chunk-size or trailer line longer than this is malformed.
const MAX_LINE: u64 = 8 * 1024;

/// Where an absolute-form request goes, and what it says about itself.
#[derive(Debug)]
pub struct Route {
    /// The proxy's host (no brackets) and port.
    pub proxy_host: String,
    pub proxy_port: u16,
    /// `Basic …` for `Proxy-Authorization`, when the proxy URL carries credentials.
    pub proxy_authorization: Option<Zeroizing<String>>,
    /// The request target: the token URL in absolute form.
    pub target: String,
    /// The `Host` header: the token URL's authority.
    pub host_header: String,
}

/// The route for the plain-http `token_url` through the proxy at `proxy_url`; `None` when the
/// proxy is not an `http://` one (SOCKS and https proxies stay with ureq). The error is a
/// sentence for the user.
pub fn route(proxy_url: &str, token_url: &str) -> Result<Option<Route>, String> {
    let proxy = ureq::Proxy::new(proxy_url).map_err(|e| e.to_string())?;
    if proxy.protocol() != ureq::ProxyProtocol::Http {
        return Ok(None);
    }
    let uri: Uri = token_url
        .parse()
        .map_err(|e| format!("`{token_url}` is not a valid URL ({e})"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| format!("`{token_url}` has no host"))?;
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let path = if path.is_empty() { "/" } else { path };
    let proxy_authorization = match (proxy.username(), proxy.password()) {
        (None, None) => None,
        (user, password) => {
            let pair = Zeroizing::new(format!(
                "{}:{}",
                user.unwrap_or_default(),
                password.unwrap_or_default()
            ));
            Some(Zeroizing::new(format!(
                "Basic {}",
                STANDARD.encode(pair.as_bytes())
            )))
        }
    };
    Ok(Some(Route {
        proxy_host: proxy
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        proxy_port: proxy.port(),
        proxy_authorization,
        target: format!("http://{}{path}", authority.as_str()),
        host_header: authority.as_str().to_string(),
    }))
}

/// The request head: the request line in absolute form, `Host`, `User-Agent` and `Accept`
/// unless `headers` has them, `headers`, `Proxy-Authorization`, `Content-Length`, `Connection:
/// close`. A name or value holding CR, LF or NUL is refused: it would split the head.
pub fn request_head(
    route: &Route,
    method: &str,
    headers: &[(&str, &str)],
    user_agent: &str,
    body_len: Option<usize>,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut lines: Vec<(&str, &str)> = vec![("Host", &route.host_header)];
    if !has("user-agent") {
        lines.push(("User-Agent", user_agent));
    }
    if !has("accept") {
        lines.push(("Accept", "*/*"));
    }
    lines.extend(headers.iter().copied());
    if let Some(auth) = &route.proxy_authorization {
        lines.push(("Proxy-Authorization", auth.as_str()));
    }
    let length = body_len.map(|n| n.to_string());
    if let Some(length) = &length {
        lines.push(("Content-Length", length));
    }
    lines.push(("Connection", "close"));

    let splits = |s: &str| s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0));
    if splits(&route.target) || route.target.contains(' ') {
        return Err("the token URL cannot be sent in a request line".to_string());
    }
    let mut out = Zeroizing::new(Vec::with_capacity(512));
    out.extend_from_slice(format!("{method} {} HTTP/1.1\r\n", route.target).as_bytes());
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
        route(proxy, url).expect("valid").expect("an http proxy")
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
        assert_eq!(
            (r.proxy_host.as_str(), r.proxy_port),
            ("proxy.example", 3128)
        );
    }

    #[test]
    fn defaults_fill_in_an_empty_path_the_port_and_accept() {
        let r = route_for("proxy.example", "http://[::ffff:127.0.0.1]:81");
        assert_eq!(r.target, "http://[::ffff:127.0.0.1]:81/");
        assert_eq!(r.host_header, "[::ffff:127.0.0.1]:81");
        assert_eq!(r.proxy_port, 80);
        assert!(head_text(&r, &[], 0).contains("\r\nAccept: */*\r\n"));
        let v6 = route_for("http://[::1]:3128", "http://tokens.test/t");
        assert_eq!(v6.proxy_host, "::1");
    }

    #[test]
    fn proxy_credentials_become_basic_proxy_authorization_decoded_once() {
        let r = route_for("http://us%65r:p%40ss+w@proxy:3128", "http://tokens.test/t");
        let expected = format!("Basic {}", STANDARD.encode("user:p@ss+w"));
        assert_eq!(
            r.proxy_authorization.as_deref().map(String::as_str),
            Some(expected.as_str())
        );
        assert!(
            head_text(&r, &[], 0).contains(&format!("\r\nProxy-Authorization: {expected}\r\n"))
        );
        assert!(
            route_for("http://proxy:3128", "http://t/")
                .proxy_authorization
                .is_none()
        );
    }

    #[test]
    fn socks_and_https_proxies_are_left_to_ureq() {
        assert!(
            route("socks5://proxy:1080", "http://t/")
                .expect("ok")
                .is_none()
        );
        assert!(
            route("https://proxy:443", "http://t/")
                .expect("ok")
                .is_none()
        );
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
