//! An HTTP proxy on loopback. It records every request it receives, and reaches only the
//! loopback ports the test maps `host:port` names to; anything else is refused with 403, so no
//! test traffic can leave the machine through it. It speaks both ways of proxying (RFC 9110
//! §9.3.6 CONNECT tunnels and RFC 9112 §3.2.2 absolute-form requests) and can behave like the
//! proxies users meet: strict about CONNECT ports, demanding credentials, or intercepting TLS.

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::net::TcpListener;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::server::{Closable, Request, read_request};

/// How the proxy behaves beyond plain forwarding.
#[derive(Clone, Default)]
pub struct Options {
    /// Refuse CONNECT to any port but 443 with 403, as tinyproxy's `ConnectPort 443` and most
    /// corporate proxies do.
    pub strict: bool,
    /// Demand `Proxy-Authorization: Basic base64(user:password)`; answer 407 with
    /// `Proxy-Authenticate` otherwise.
    pub credentials: Option<(String, String)>,
    /// Intercept TLS: after CONNECT, terminate TLS with this configuration (a certificate from
    /// the proxy's own CA) and relay the decrypted request to the mapped port in plain HTTP.
    pub intercept: Option<Arc<ServerConfig>>,
}

/// A request as the proxy received it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `CONNECT tokens.test:443 HTTP/1.1`, `POST http://tokens.test:8080/t HTTP/1.1`.
    pub line: String,
    /// The `host:port` it asked for.
    pub target: String,
    pub proxy_authorization: Option<String>,
}

pub struct Proxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    /// `routes` maps `host:port` as the client asks for it to a port on 127.0.0.1.
    pub fn start(routes: HashMap<String, u16>) -> Proxy {
        Self::start_with(routes, Options::default())
    }

    pub fn start_with(routes: HashMap<String, u16>, options: Options) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        let routes = Arc::new(routes);
        let options = Arc::new(options);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let recorded = recorded.clone();
                let routes = routes.clone();
                let options = options.clone();
                let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
                thread::spawn(move || handle(client, &recorded, &routes, &options));
            }
        });
        Proxy { port, seen }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The proxy URL with `user:password@` (each already percent-encoded as a URL needs).
    pub fn url_with(&self, userinfo: &str) -> String {
        format!("http://{userinfo}@127.0.0.1:{}", self.port)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// The `host:port` each request asked for, CONNECT or absolute form.
    pub fn targets(&self) -> Vec<String> {
        self.requests().into_iter().map(|s| s.target).collect()
    }

    /// The request lines received so far.
    pub fn request_lines(&self) -> Vec<String> {
        self.requests().into_iter().map(|s| s.line).collect()
    }
}

fn answer(w: &mut impl Write, status: &str, extra: &str) {
    let _ = w.write_all(
        format!("HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let _ = w.flush();
}

fn handle(
    client: TcpStream,
    recorded: &Mutex<Vec<Seen>>,
    routes: &HashMap<String, u16>,
    options: &Options,
) {
    let Ok(mut write) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(client);
    let Some(req) = read_request(&mut reader) else {
        return;
    };
    let connect = req.method == "CONNECT";
    let (target, path) = if connect {
        (req.path.clone(), String::new())
    } else if let Some(rest) = req.path.strip_prefix("http://") {
        match rest.find('/') {
            Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
            None => (rest.to_string(), "/".to_string()),
        }
    } else {
        answer(&mut write, "400 Bad Request", "");
        return;
    };
    // A target without a port uses the scheme's.
    let target = if target.rsplit_once(':').is_some_and(|(h, p)| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (!h.contains(':') || h.ends_with(']'))
    }) {
        target
    } else {
        format!("{target}:{}", if connect { 443 } else { 80 })
    };
    if let Ok(mut r) = recorded.lock() {
        r.push(Seen {
            line: format!("{} {} HTTP/1.1", req.method, req.path),
            target: target.clone(),
            proxy_authorization: req.header("proxy-authorization").map(str::to_string),
        });
    }
    if let Some((user, password)) = &options.credentials {
        let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
        if req.header("proxy-authorization") != Some(expected.as_str()) {
            answer(
                &mut write,
                "407 Proxy Authentication Required",
                "Proxy-Authenticate: Basic realm=\"tokfetch-test\"\r\n",
            );
            return;
        }
    }
    if connect && options.strict && !target.ends_with(":443") {
        answer(&mut write, "403 Forbidden", "");
        return;
    }
    let Some(&port) = routes.get(&target) else {
        answer(&mut write, "403 Forbidden", "");
        return;
    };
    if !connect {
        match relay(&req, &path, port) {
            Some(response) => {
                let _ = write.write_all(&response);
            }
            None => answer(&mut write, "502 Bad Gateway", ""),
        }
        let _ = write.shutdown(Shutdown::Both);
        return;
    }
    if let Some(config) = &options.intercept {
        answer_connect(&mut write);
        intercept(reader.into_inner(), config.clone(), port);
        return;
    }
    let Ok(upstream) = TcpStream::connect(("127.0.0.1", port)) else {
        answer(&mut write, "502 Bad Gateway", "");
        return;
    };
    answer_connect(&mut write);
    tunnel(reader, write, upstream);
}

fn answer_connect(w: &mut impl Write) {
    let _ = w.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let _ = w.flush();
}

/// Send `req` to 127.0.0.1:`port` in origin form, without the proxy's own headers, and return
/// the whole response (the test servers close after one).
fn relay(req: &Request, path: &str, port: u16) -> Option<Vec<u8>> {
    let mut upstream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let mut head = format!("{} {path} HTTP/1.1\r\n", req.method);
    for (k, v) in &req.headers {
        if !matches!(
            k.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection" | "content-length"
        ) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    upstream.write_all(head.as_bytes()).ok()?;
    upstream.write_all(&req.body).ok()?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response).ok()?;
    Some(response)
}

/// Terminate the client's TLS with the proxy's own certificate, read one request inside, and
/// relay it.
fn intercept(client: TcpStream, config: Arc<ServerConfig>, port: u16) {
    let Ok(conn) = ServerConnection::new(config) else {
        return;
    };
    let mut tls = StreamOwned::new(conn, client);
    let req = {
        let mut reader = BufReader::new(&mut tls);
        read_request(&mut reader)
    };
    // The client refused the certificate: the handshake failed and there is no request.
    let Some(req) = req else { return };
    if let Some(response) = relay(&req, &req.path, port) {
        let _ = tls.write_all(&response);
    }
    tls.close();
}

fn tunnel(reader: BufReader<TcpStream>, mut write: TcpStream, upstream: TcpStream) {
    // Anything the client sent after the CONNECT head is already in the reader's buffer.
    let buffered = reader.buffer().to_vec();
    let Ok(mut up_write) = upstream.try_clone() else {
        return;
    };
    if up_write.write_all(&buffered).is_err() {
        return;
    }
    let mut client_read = reader.into_inner();
    let mut up_read = upstream;
    let t = thread::spawn(move || {
        let _ = std::io::copy(&mut up_read, &mut write);
        let _ = write.shutdown(Shutdown::Both);
    });
    let _ = std::io::copy(&mut client_read, &mut up_write);
    let _ = up_write.shutdown(Shutdown::Write);
    let _ = t.join();
}
