//! A small blocking HTTP/1.1 server on 127.0.0.1 for tests: every request is recorded, and a
//! handler decides the answer — a normal response, or a fault (close, stall, partial body).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A request as the server received it. Header names are lower-cased.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request had been read completely.
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    pub fn header_count(&self, name: &str) -> usize {
        let name = name.to_ascii_lowercase();
        self.headers.iter().filter(|(k, _)| *k == name).count()
    }

    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as form fields, decoded (application/x-www-form-urlencoded).
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn form_value(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Self::new(status, "application/json", value.to_string())
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} X\r\n", self.status).into_bytes();
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                self.body.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&self.body);
        out
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Action {
    Respond(Response),
    /// Close the connection without answering.
    Close,
    /// Send the status line, headers and part of the body, then close.
    Truncate(Response, usize),
    /// Wait, then act (a slow server).
    Delay(Duration, Box<Action>),
    /// Send these bytes verbatim (a malformed or hand-built response).
    Raw(Vec<u8>),
}

pub type Handler = dyn Fn(&Request) -> Action + Send + Sync;

/// A running test server. Stops accepting when dropped.
pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Server {
        Self::start_with(handler, |tcp, requests, handler| {
            serve(tcp, requests, handler)
        })
    }

    /// Accept connections and hand each, on its own thread, to `conn` (plain HTTP, TLS, …).
    pub fn start_with<C>(
        handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
        conn: C,
    ) -> Server
    where
        C: Fn(TcpStream, &Mutex<Vec<Request>>, &Handler) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let conn = Arc::new(conn);
        {
            let requests = requests.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let requests = requests.clone();
                    let handler = handler.clone();
                    let conn = conn.clone();
                    thread::spawn(move || conn(stream, &requests, &*handler));
                }
            });
        }
        Server {
            port,
            requests,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn count(&self) -> usize {
        self.requests().len()
    }

    pub fn last(&self) -> Request {
        self.requests()
            .pop()
            .expect("the server received no request")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Read one request from `stream`, record it, and answer as the handler says.
pub fn serve<S: Read + Write + Closable>(
    mut stream: S,
    requests: &Mutex<Vec<Request>>,
    handler: &dyn Fn(&Request) -> Action,
) {
    let req = {
        let mut reader = BufReader::new(&mut stream);
        read_request(&mut reader)
    };
    let Some(req) = req else { return };
    if let Ok(mut r) = requests.lock() {
        r.push(req.clone());
    }
    act(&mut stream, handler(&req));
    let _ = stream.flush();
    stream.close();
}

/// Ending a connection: a TCP shutdown, or a TLS close_notify first.
pub trait Closable {
    fn close(&mut self);
}

impl Closable for TcpStream {
    fn close(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

fn act(w: &mut impl Write, action: Action) {
    match action {
        Action::Respond(r) => {
            let _ = w.write_all(&r.bytes());
        }
        Action::Close => {}
        Action::Truncate(r, keep) => {
            let bytes = r.bytes();
            let head = bytes.len() - r.body.len();
            let _ = w.write_all(&bytes[..(head + keep).min(bytes.len())]);
        }
        Action::Delay(d, then) => {
            thread::sleep(d);
            act(w, *then);
        }
        Action::Raw(bytes) => {
            let _ = w.write_all(&bytes);
        }
    }
}

/// Read one request: request line, headers, then a body by Content-Length or chunked.
pub fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some(Request {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    })
}
