//! Benchmark harness for `bench/run`: interleaved runs of a cached `tokfetch get`, the
//! process-spawn floor (`/bin/true`), a cold `tokfetch get --no-cache`, the `curl | jq` line
//! users write by hand, and bare `curl`, all against one loopback token server started here.
//!
//! Prints medians and spreads, the ratios the project targets, binary size and peak RSS.
//! Figures, not a pass/fail test: a noisy machine shows up as a wide spread.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
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
            _ => {}
        }
    }
    let bin =
        std::fs::canonicalize(&bin).unwrap_or_else(|_| panic!("no binary at {}", bin.display()));
    let port = serve();
    let url = format!("http://127.0.0.1:{port}/oauth2/token");

    let dir = std::env::temp_dir().join(format!("tokfetch-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[profiles.bench]\nprovider = \"oauth2\"\nauth_method = \"basic-unencoded\"\ntoken_url = \"{url}\"\nclient_id = \"bench-id\"\n"),
    )
    .expect("write config");
    let cache = dir.join("cache");
    // SAFETY: single-threaded at this point apart from the server thread, which reads no env.
    unsafe {
        std::env::set_var("TOKFETCH_CONFIG", &config);
        std::env::set_var("TOKFETCH_CACHE_DIR", &cache);
        std::env::set_var("TOKFETCH_BENCH_CLIENT_SECRET", "bench-secret");
        for v in [
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
    ];
    // Warm the cache and the page cache.
    for c in &mut cases {
        c.run_once();
        c.times.clear();
    }
    for _ in 0..runs {
        for c in &mut cases {
            c.run_once();
        }
    }

    println!(
        "tokfetch benchmark: {runs} interleaved runs per command, loopback token server on port {port}"
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
    println!();
    report("binary size (MiB)", size, "< 6", size < 6.0);
    let rss_hit = cases[0].max_rss_kib as f64 / 1024.0;
    let rss_cold = cases[2].max_rss_kib as f64 / 1024.0;
    report("peak RSS, cache hit (MiB)", rss_hit, "< 8", rss_hit < 8.0);
    report(
        "peak RSS, cold fetch (MiB)",
        rss_cold,
        "< 8",
        rss_cold < 8.0,
    );
    let _ = std::fs::remove_dir_all(&dir);
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

/// A minimal token server: one request per connection, a fresh token each time.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    static ISSUED: AtomicUsize = AtomicUsize::new(0);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
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
        }
    });
    port
}
