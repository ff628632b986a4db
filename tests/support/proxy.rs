//! An HTTP CONNECT proxy on loopback. It records every CONNECT target and tunnels only to the
//! loopback ports the test maps names to; anything else is refused with 403, so no test traffic
//! can leave the machine through it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

pub struct Proxy {
    pub port: u16,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// `routes` maps `host:port` as the client asks for it to a port on 127.0.0.1.
    pub fn start(routes: HashMap<String, u16>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let recorded = targets.clone();
        let routes = Arc::new(routes);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let recorded = recorded.clone();
                let routes = routes.clone();
                thread::spawn(move || tunnel(client, &recorded, &routes));
            }
        });
        Proxy { port, targets }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The CONNECT targets received so far.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().map(|t| t.clone()).unwrap_or_default()
    }
}

fn tunnel(client: TcpStream, recorded: &Mutex<Vec<String>>, routes: &HashMap<String, u16>) {
    let Ok(mut write) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(client);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        let _ = write.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if let Ok(mut r) = recorded.lock() {
        r.push(target.to_string());
    }
    let Some(&port) = routes.get(target) else {
        let _ = write.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let Ok(upstream) = TcpStream::connect(("127.0.0.1", port)) else {
        let _ = write.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if write
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
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
        let _ = write.shutdown(std::net::Shutdown::Both);
    });
    let _ = std::io::copy(&mut client_read, &mut up_write);
    let _ = up_write.shutdown(std::net::Shutdown::Write);
    let _ = t.join();
}
