//! Benchmark harness for `bench/run`: interleaved runs of a cached `tokfetch get`, the
//! process-spawn floor (`/bin/true`), a cold `tokfetch get --no-cache`, the `curl | jq` line
//! users write by hand, and bare `curl`, all against one loopback token server started here;
//! then the same cold fetch over TLS against a loopback HTTPS server whose certificate a CA
//! generated here signed (tokfetch trusts it through `ca_file`, curl through `--cacert`). With
//! `--static PATH` the static (musl) binary is measured beside the glibc one.
//!
//! Two figures of README's "Performance" (issue 19): a cached `get` with the profile among
//! 1, 1,000 and 5,000 in its config (the scale of generated configs), and, with `--nginx PATH`,
//! the cold fetch over TLS through a real nginx (a private CA, trusted through `ca_file` and
//! `curl --cacert`) in front of the loopback token server.
//!
//! Prints medians and spreads, the ratios the project targets, binary size and peak RSS.
//! Figures, not a pass/fail test: a noisy machine shows up as a wide spread.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Case {
    name: &'static str,
    cmd: Vec<String>,
    times: Vec<Duration>,
    max_rss_kib: i64,
}

fn main() {
    let mut runs = 40usize;
    let mut bin = PathBuf::from("target/release/tokfetch");
    let mut static_bin: Option<PathBuf> = None;
    let mut nginx: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(runs)
                    .max(30)
            }
            "--bin" => bin = args.next().map(PathBuf::from).unwrap_or(bin),
            "--static" => static_bin = args.next().map(PathBuf::from),
            "--nginx" => nginx = args.next().map(PathBuf::from),
            _ => {}
        }
    }
    let bin =
        std::fs::canonicalize(&bin).unwrap_or_else(|_| panic!("no binary at {}", bin.display()));
    let static_bin = static_bin.map(|b| {
        std::fs::canonicalize(&b).unwrap_or_else(|_| panic!("no binary at {}", b.display()))
    });
    let port = serve(None);
    let url = format!("http://127.0.0.1:{port}/oauth2/token");
    let pki = tls_pki();
    let (tls_config, ca_pem) = (pki.server.clone(), pki.ca_pem.clone());
    let tls_port = serve(Some(tls_config));
    let tls_url = format!("https://127.0.0.1:{tls_port}/oauth2/token");

    let dir = std::env::temp_dir().join(format!("tokfetch-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ca_pem).expect("write CA");
    let config = dir.join("config.toml");
    let profile = |name: &str, url: &str, extra: &str| {
        format!(
            "[profiles.{name}]\nprovider = \"oauth2\"\nauth_method = \"basic-unencoded\"\ntoken_url = \"{url}\"\nclient_id = \"bench-id\"\nclient_secret_env = \"BENCH_SECRET\"\n{extra}"
        )
    };
    std::fs::write(
        &config,
        profile("bench", &url, "")
            + &profile(
                "tls",
                &tls_url,
                &format!("ca_file = \"{}\"\n", ca.display()),
            ),
    )
    .expect("write config");
    // The same profile among 1, 1,000 and 5,000 (in the middle of the file): one cache entry
    // serves all of them, so only the config differs. Short profiles, as issue 19 measured
    // (5,000 make about 500 KiB), and long ones (5,000 make nearly the 1 MiB cap).
    let scaled = |n: usize, long: bool| {
        let path = dir.join(format!(
            "config-{n}{}.toml",
            if long { "-long" } else { "" }
        ));
        let mut text = String::from("# generated: one profile per tenant\n");
        for i in 0..n {
            if i == n / 2 {
                text.push_str(&profile("bench", &url, ""));
            } else if long {
                let tenant = format!("https://idp.example/tenants/t{i}/oauth2/token");
                text.push_str(&profile(&format!("tenant-{i}"), &tenant, ""));
            } else {
                text.push_str(&format!(
                    "[profiles.tenant-{i}]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/t{i}/token\"\nclient_id = \"client-{i}\"\n"
                ));
            }
        }
        std::fs::write(&path, text).expect("write config");
        path.display().to_string()
    };
    let (config_1, config_1000) = (scaled(1, false), scaled(1000, false));
    let (config_5000, config_5000_long) = (scaled(5000, false), scaled(5000, true));
    let kib = |p: &str| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) / 1024;
    let (kib_5000, kib_5000_long) = (kib(&config_5000), kib(&config_5000_long));
    // nginx with the same PKI, in front of the plain token server.
    let nginx = nginx.map(|bin| Nginx::start(&bin, &dir, &pki, port));
    if let Some(n) = &nginx {
        // A failed command panics, and the release profile aborts without running `Drop`:
        // stop nginx from the panic hook too, so that it never outlives the bench.
        let pid = n.child.id() as libc::pid_t;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // SAFETY: a plain kill(2) of the nginx this process started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            previous(info);
        }));
    }
    if let Some(n) = &nginx {
        let mut text = std::fs::read_to_string(&config).expect("read config");
        text.push_str(&profile(
            "nginx",
            &n.url,
            &format!("ca_file = \"{}\"\n", ca.display()),
        ));
        std::fs::write(&config, text).expect("write config");
    }
    let cache = dir.join("cache");
    // SAFETY: single-threaded at this point apart from the server thread, which reads no env.
    unsafe {
        std::env::set_var("TOKFETCH_CONFIG", &config);
        std::env::set_var("TOKFETCH_CACHE_DIR", &cache);
        std::env::set_var("BENCH_SECRET", "bench-secret");
        for v in [
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "TOKFETCH_CA_FILE",
            "HTTPS_PROXY",
            "HTTP_PROXY",
            "ALL_PROXY",
            "https_proxy",
            "http_proxy",
            "all_proxy",
        ] {
            std::env::remove_var(v);
        }
    }
    let tok = bin.display().to_string();
    let curl = format!("curl -s -u bench-id:bench-secret -d grant_type=client_credentials {url}");
    let curl_tls = format!(
        "curl -s --fail --cacert {} -u bench-id:bench-secret -d grant_type=client_credentials {tls_url}",
        ca.display()
    );
    let mut cases = vec![
        Case::new("a  tokfetch get (cached)", &[&tok, "get", "bench"]),
        Case::new("b  /bin/true (spawn floor)", &["/bin/true"]),
        Case::new(
            "c  tokfetch get --no-cache",
            &[&tok, "get", "bench", "--no-cache"],
        ),
        Case::new(
            "d  curl | jq -r .access_token",
            &["/bin/sh", "-c", &format!("{curl} | jq -r .access_token")],
        ),
        Case::new(
            "e  curl (bare)",
            &["/bin/sh", "-c", &format!("exec {curl}")],
        ),
        Case::new(
            "f  tokfetch get --no-cache, TLS",
            &[&tok, "get", "tls", "--no-cache"],
        ),
        Case::new(
            "g  curl --cacert (bare), TLS",
            &["/bin/sh", "-c", &format!("exec {curl_tls}")],
        ),
    ];
    let curl_nginx = nginx.as_ref().map(|n| {
        format!(
            "curl -s --fail --cacert {} -u bench-id:bench-secret -d grant_type=client_credentials {}",
            ca.display(),
            n.url
        )
    });
    // The hit at scale: the same profile and cache entry, configs of 1, 1,000 and 5,000.
    let first_scaled = cases.len();
    for (name, cfg) in [
        ("h  get (cached), 1 profile", &config_1),
        ("i  get (cached), 1,000 profiles", &config_1000),
        ("j  get (cached), 5,000 profiles", &config_5000),
        ("m  get (cached), 5,000, ~1 MiB", &config_5000_long),
    ] {
        cases.push(Case::new(name, &[&tok, "--config", cfg, "get", "bench"]));
    }
    let first_nginx = cases.len();
    if let Some(curl_nginx) = &curl_nginx {
        cases.push(Case::new(
            "k  get --no-cache, TLS via nginx",
            &[&tok, "get", "nginx", "--no-cache"],
        ));
        cases.push(Case::new(
            "l  curl --cacert, TLS via nginx",
            &["/bin/sh", "-c", &format!("exec {curl_nginx}")],
        ));
    }
    let first_static = cases.len();
    let stat = static_bin.as_ref().map(|b| b.display().to_string());
    if let Some(stat) = &stat {
        cases.push(Case::new(
            "A  static: get (cached)",
            &[stat, "get", "bench"],
        ));
        cases.push(Case::new(
            "C  static: get --no-cache",
            &[stat, "get", "bench", "--no-cache"],
        ));
        cases.push(Case::new(
            "F  static: get --no-cache, TLS",
            &[stat, "get", "tls", "--no-cache"],
        ));
        cases.push(Case::new(
            "H  static: cached, 1 profile",
            &[stat, "--config", &config_1, "get", "bench"],
        ));
        cases.push(Case::new(
            "J  static: cached, 5,000 profiles",
            &[stat, "--config", &config_5000, "get", "bench"],
        ));
        cases.push(Case::new(
            "M  static: cached, 5,000, ~1 MiB",
            &[stat, "--config", &config_5000_long, "get", "bench"],
        ));
        if nginx.is_some() {
            cases.push(Case::new(
                "K  static: TLS via nginx",
                &[stat, "get", "nginx", "--no-cache"],
            ));
        }
    }
    // Warm the cache and the page cache.
    for c in &mut cases {
        c.run_once();
        c.times.clear();
    }
    // Each round runs every command once, in a fresh shuffled order, so that no command always
    // follows the same one (a command right after a heavy one, such as curl over TLS, pays for
    // the caches that one evicted).
    let mut order: Vec<usize> = (0..cases.len()).collect();
    let mut seed = u64::from(std::process::id()) | 1;
    for _ in 0..runs {
        for i in (1..order.len()).rev() {
            // xorshift64: any fixed-cost generator will do, the order only has to vary.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            cases[i].run_once();
        }
    }

    println!(
        "tokfetch benchmark: {runs} interleaved runs per command, loopback token servers on ports {port} (http) and {tls_port} (https)"
    );
    println!(
        "{:<32} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "command", "median", "p10", "p90", "max", "peak RSS"
    );
    for c in &cases {
        let s = c.stats();
        println!(
            "{:<32} {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>7.2}MiB",
            c.name,
            s.0,
            s.1,
            s.2,
            s.3,
            c.max_rss_kib as f64 / 1024.0
        );
    }
    let med = |i: usize| cases[i].stats().0;
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0) as f64 / (1024.0 * 1024.0);
    println!();
    println!("ratios (medians):");
    report(
        "a/b cached get / spawn floor",
        med(0) / med(1),
        "<= 2.0",
        med(0) / med(1) <= 2.0,
    );
    report(
        "c/d cold get / curl|jq",
        med(2) / med(3),
        "<= 0.5",
        med(2) / med(3) <= 0.5,
    );
    report(
        "c/e cold get / bare curl",
        med(2) / med(4),
        "<= 1.0",
        med(2) / med(4) <= 1.0,
    );
    report(
        "f/g cold get / curl, TLS",
        med(5) / med(6),
        "<= 0.5",
        med(5) / med(6) <= 0.5,
    );
    if static_bin.is_some() {
        let (a, c, f) = (first_static, first_static + 1, first_static + 2);
        report(
            "A/b static cached get / spawn floor",
            med(a) / med(1),
            "<= 1.1",
            med(a) / med(1) <= 1.1,
        );
        report(
            "C/e static cold get / bare curl",
            med(c) / med(4),
            "<= 1.0",
            med(c) / med(4) <= 1.0,
        );
        report(
            "F/g static cold get / curl, TLS",
            med(f) / med(6),
            "<= 0.5",
            med(f) / med(6) <= 0.5,
        );
    }
    println!();
    println!(
        "at scale (same profile and cache entry; 5,000 profiles make {kib_5000} KiB, and {kib_5000_long} KiB when long):"
    );
    let (h, i, j, m) = (
        first_scaled,
        first_scaled + 1,
        first_scaled + 2,
        first_scaled + 3,
    );
    for (what, x, y) in [
        ("i/h cached get, 1,000 / 1 profile", i, h),
        ("j/h cached get, 5,000 / 1 profile", j, h),
        ("m/h cached get, 5,000 long / 1", m, h),
    ] {
        report(what, med(x) / med(y), "<= 1.2", med(x) / med(y) <= 1.2);
    }
    if static_bin.is_some() {
        let (hh, jj, mm) = (first_static + 3, first_static + 4, first_static + 5);
        for (what, x, y) in [
            ("J/H static, 5,000 / 1 profile", jj, hh),
            ("M/H static, 5,000 long / 1", mm, hh),
        ] {
            report(what, med(x) / med(y), "<= 1.2", med(x) / med(y) <= 1.2);
        }
    }
    println!();
    if nginx.is_some() {
        let (k, l) = (first_nginx, first_nginx + 1);
        println!("through nginx (TLS, private CA through ca_file / --cacert):");
        report(
            "k/l cold get / curl, nginx",
            med(k) / med(l),
            "<= 0.4",
            med(k) / med(l) <= 0.4,
        );
        if static_bin.is_some() {
            let kk = first_static + 6;
            report(
                "K/l static cold get / curl, nginx",
                med(kk) / med(l),
                "<= 0.4",
                med(kk) / med(l) <= 0.4,
            );
        }
    } else {
        println!(
            "through nginx: skipped (no nginx; bench/run installs it with apt-get where it can, or pass --nginx PATH)"
        );
    }
    println!();
    report("binary size (MiB)", size, "< 6", size < 6.0);
    let rss = |i: usize| cases[i].max_rss_kib as f64 / 1024.0;
    report("peak RSS, cache hit (MiB)", rss(0), "< 8", rss(0) < 8.0);
    report("peak RSS, cold fetch (MiB)", rss(2), "< 8", rss(2) < 8.0);
    report(
        "peak RSS, cold TLS fetch (MiB)",
        rss(5),
        "< 8",
        rss(5) < 8.0,
    );
    report(
        "peak RSS, hit at 5,000 profiles (MiB)",
        rss(first_scaled + 2),
        "< 8",
        rss(first_scaled + 2) < 8.0,
    );
    if let Some(b) = &static_bin {
        let (a, c, f) = (first_static, first_static + 1, first_static + 2);
        let size = std::fs::metadata(b).map(|m| m.len()).unwrap_or(0) as f64 / (1024.0 * 1024.0);
        report("static binary size (MiB)", size, "< 6", size < 6.0);
        report(
            "static peak RSS, cache hit (MiB)",
            rss(a),
            "< 8",
            rss(a) < 8.0,
        );
        report("static peak RSS, cold (MiB)", rss(c), "< 8", rss(c) < 8.0);
        report(
            "static peak RSS, cold TLS (MiB)",
            rss(f),
            "< 8",
            rss(f) < 8.0,
        );
    }
    drop(nginx);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CA and a server certificate for 127.0.0.1 that it signed (rcgen).
struct Pki {
    /// The loopback server's TLS configuration.
    server: Arc<rustls::ServerConfig>,
    /// The CA, for `ca_file` and `curl --cacert`.
    ca_pem: String,
    /// The server's certificate and key, for nginx.
    leaf_pem: String,
    key_pem: String,
}

fn tls_pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "tokfetch bench CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("leaf params");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf cert");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone()], key)
        .expect("server config");
    Pki {
        server: Arc::new(config),
        ca_pem: ca_cert.pem(),
        leaf_pem: leaf_cert.pem(),
        key_pem: leaf_key.serialize_pem(),
    }
}

/// nginx (one process, in the foreground) terminating TLS with the bench's certificate and
/// passing requests to the plain loopback token server; stopped when dropped.
struct Nginx {
    child: std::process::Child,
    url: String,
}

impl Nginx {
    fn start(bin: &std::path::Path, dir: &std::path::Path, pki: &Pki, upstream: u16) -> Nginx {
        let root = dir.join("nginx");
        std::fs::create_dir_all(&root).expect("mkdir nginx");
        std::fs::write(root.join("cert.pem"), &pki.leaf_pem).expect("write cert");
        std::fs::write(root.join("key.pem"), &pki.key_pem).expect("write key");
        // A free port: bound, then released for nginx.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let r = root.display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {r}/nginx.pid;\nerror_log {r}/error.log warn;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {r}/body;\n  proxy_temp_path {r}/proxy;\n\
               fastcgi_temp_path {r}/fastcgi;\n  uwsgi_temp_path {r}/uwsgi;\n  scgi_temp_path {r}/scgi;\n\
               server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {r}/cert.pem;\n\
                 ssl_certificate_key {r}/key.pem;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    location / {{ proxy_pass http://127.0.0.1:{upstream}; }}\n  }}\n}}\n"
        );
        std::fs::write(root.join("nginx.conf"), conf).expect("write nginx.conf");
        let child = Command::new(bin)
            .arg("-p")
            .arg(&root)
            .arg("-e")
            .arg(root.join("error.log"))
            .arg("-c")
            .arg(root.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on port {port}: see {r}/error.log"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            child,
            url: format!("https://127.0.0.1:{port}/oauth2/token"),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn report(what: &str, value: f64, target: &str, ok: bool) {
    println!(
        "  {what:<34} {value:>7.2}   target {target:<7} {}",
        if ok { "met" } else { "NOT MET" }
    );
}

impl Case {
    fn new(name: &'static str, cmd: &[&str]) -> Case {
        Case {
            name,
            cmd: cmd.iter().map(|s| s.to_string()).collect(),
            times: Vec::new(),
            max_rss_kib: 0,
        }
    }

    /// Spawn, wait with wait4(2) for the child's own peak RSS, record the wall time.
    /// (std's `wait` cannot report rusage, so the child is reaped by wait4 directly.)
    #[allow(clippy::zombie_processes)]
    fn run_once(&mut self) {
        let started = Instant::now();
        let child = Command::new(&self.cmd[0])
            .args(&self.cmd[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn");
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let pid = child.id() as libc::pid_t;
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let elapsed = started.elapsed();
        assert_eq!(r, pid, "wait4 failed");
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{} failed",
            self.name
        );
        self.times.push(elapsed);
        self.max_rss_kib = self.max_rss_kib.max(usage.ru_maxrss);
    }

    /// (median, p10, p90, max) in milliseconds.
    fn stats(&self) -> (f64, f64, f64, f64) {
        let mut ms: Vec<f64> = self
            .times
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        (at(0.5), at(0.1), at(0.9), at(1.0))
    }
}

/// A minimal token server: one request per connection, a fresh token each time; over TLS when
/// given a configuration.
fn serve(tls: Option<Arc<rustls::ServerConfig>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            match &tls {
                None => answer(stream),
                Some(config) => {
                    let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                        continue;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    answer(&mut tls);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            }
        }
    });
    port
}

/// Read one request and answer it with a fresh token.
fn answer(stream: impl Read + Write) {
    static ISSUED: AtomicUsize = AtomicUsize::new(0);
    let mut reader = BufReader::new(stream);
    let mut len = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let n = ISSUED.fetch_add(1, Ordering::Relaxed);
    let json = format!(
        "{{\"access_token\":\"bench-{n}.abcdefghijklmnopqrstuvwxyz\",\"token_type\":\"Bearer\",\"expires_in\":900}}"
    );
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(resp.as_bytes());
    let _ = stream.flush();
}
