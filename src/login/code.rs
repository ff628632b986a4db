//! The authorization-code grant with PKCE (RFC 6749 §4.1, RFC 7636) and a loopback redirect
//! (RFC 8252 §7.3): listen on 127.0.0.1, open the authorization URL in a browser (or print
//! it), and wait for the redirect — on the listener, or as a URL pasted on stdin when the
//! browser runs on another machine — then trade the code for tokens. The authorization URL
//! is built by a pure function ([`authorization_url`]).

use std::io::BufRead;
use std::sync::mpsc;
use std::time::Instant;

use zeroize::Zeroizing;

use super::callback::{self, Verdict};
use super::pkce::{self, Pkce};
use super::{LoginOptions, Session, browser};
use crate::error::{Failure, Result};
use crate::http::{Purpose, loopback};
use crate::log::vlog;
use crate::oauth::{self, TokenResponse};
use crate::provider::Grant;
use crate::{jws, redact};

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>tokfetch</title><p>logged in, you can close this tab</p>";
const REFUSED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>tokfetch</title><p>The login was refused; see the terminal.</p>";
const STRAY_PAGE: &str = "<!doctype html><meta charset=utf-8><title>tokfetch</title><p>This is not the answer tokfetch is waiting for.</p>";
const WRONG_ISSUER_PAGE: &str = "<!doctype html><meta charset=utf-8><title>tokfetch</title><p>This answer does not come from the expected server; see the terminal.</p>";

/// The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3) as a URL: `base` (which may have
/// a query of its own) with `response_type=code`, the client, the redirect, the scope, the
/// state, the S256 challenge, and `extra` (audience, resource, params).
pub fn authorization_url(
    base: &str,
    client_id: &str,
    redirect_uri: &str,
    scope: Option<&str>,
    state: &str,
    challenge: &str,
    extra: &[(String, String)],
) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(s) = scope {
        pairs.push(("scope", s));
    }
    pairs.push(("state", state));
    pairs.push(("code_challenge", challenge));
    pairs.push(("code_challenge_method", "S256"));
    pairs.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", oauth::form_encode(k), oauth::form_encode(v)))
        .collect();
    let base = base.split('#').next().unwrap_or(base);
    let sep = match base.contains('?') {
        true if base.ends_with('?') || base.ends_with('&') => "",
        true => "&",
        false => "?",
    };
    format!("{base}{sep}{}", query.join("&"))
}

/// What arrived while waiting.
enum Event {
    Http(loopback::Incoming),
    Pasted(Zeroizing<String>),
}

/// The whole flow: listen, send the user to the authorization URL, wait for the code, trade it.
pub fn run(session: &mut Session, opts: &LoginOptions) -> Result<TokenResponse> {
    let name = session.profile.name.clone();
    let Some(authorize) = session.endpoints.authorization.clone() else {
        return Err(Failure::config(format!(
            "profile `{name}` has no authorization endpoint"
        )));
    };
    let listener = loopback::bind(session.grant.redirect_port).map_err(|e| match e {
        loopback::BindError::InUse => Failure::config(format!(
            "redirect_port {} of profile `{name}` is in use by another program: tokfetch cannot listen for the login's redirect there",
            session.grant.redirect_port.map_or_else(String::new, |p| p.to_string())
        ))
        .hint("stop the program that listens there, or set another redirect_port (registered with the server), or remove redirect_port to use any free port"),
        loopback::BindError::Other(e) => {
            Failure::internal(format!("cannot listen on 127.0.0.1 for the login's redirect: {e}"))
        }
    })?;
    let redirect_uri = format!("http://127.0.0.1:{}{}", listener.port(), callback::PATH);
    let internal = |what: &str, e: jws::KeyError| Failure::internal(format!("{what}: {e}"));
    let pkce = Pkce::from_bytes(&jws::random().map_err(|e| internal("PKCE verifier", e))?);
    redact::register(&pkce.verifier);
    let state = pkce::state(&jws::random().map_err(|e| internal("state", e))?);
    let url = authorization_url(
        &authorize.url,
        &session.profile.settings.client_id,
        &redirect_uri,
        session.profile.settings.scope.as_deref(),
        &state,
        &pkce.challenge,
        &session.grant.extra,
    );
    let (tx, rx) = mpsc::channel::<Event>();
    {
        let tx = tx.clone();
        listener.serve(move |incoming| {
            let _ = tx.send(Event::Http(incoming));
        });
    }
    let opened = !opts.no_browser && browser::open(&url, &opts.withhold);
    if opened {
        vlog!("login: waiting for the redirect to {redirect_uri}");
    } else {
        // The one place the URL is shown: it carries `state` and the challenge, never the
        // verifier. `state` is registered with the redactor right after, so nothing later
        // (an echo in an error page, `-v`) shows it.
        crate::stderr::line(
            "tokfetch: ",
            &format!("open this URL to log in as profile `{name}`:"),
        );
        crate::stderr::block(&url);
        crate::stderr::line(
            "tokfetch: ",
            &format!(
                "waiting for the redirect to {redirect_uri} (or paste the URL your browser ends on here)"
            ),
        );
        read_pasted_lines(tx);
    }
    redact::register(&state);
    let code = wait(session, &rx, &state)?;
    redact::register(&code);
    let token = session.endpoints.token.clone();
    let (reply, req) = session.post(
        &token,
        Purpose::Token,
        Grant::AuthorizationCode {
            code: &code,
            verifier: &pkce.verifier,
            redirect_uri: &redirect_uri,
        },
    )?;
    session.token(&reply, &req)
}

/// Lines of stdin, each a candidate redirect URL, on a thread of its own (it may block until
/// the process ends).
fn read_pasted_lines(tx: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        loop {
            let mut line = Zeroizing::new(String::new());
            match lock.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line.trim().is_empty() => continue,
                Ok(_) => {
                    if tx.send(Event::Pasted(line)).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

/// Wait for this login's code: stray requests are answered 400 and ignored; a refusal is exit
/// 5, a reply from another issuer exit 7, the deadline exit 6.
fn wait(session: &Session, rx: &mpsc::Receiver<Event>, state: &str) -> Result<Zeroizing<String>> {
    let issuer = session.endpoints.issuer.as_deref();
    let required = session.endpoints.iss_required;
    let name = &session.profile.name;
    loop {
        let left = session.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(session.timed_out());
        }
        let event = match rx.recv_timeout(left) {
            Ok(e) => e,
            Err(mpsc::RecvTimeoutError::Timeout) => return Err(session.timed_out()),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(left);
                return Err(session.timed_out());
            }
        };
        let (verdict, incoming) = match event {
            Event::Http(incoming) => {
                let cb = (incoming.method == "GET")
                    .then(|| callback::from_target(&incoming.target))
                    .flatten();
                let Some(cb) = cb else {
                    vlog!(
                        "login: ignoring a request to the redirect listener that is not the callback"
                    );
                    incoming.answer(404, STRAY_PAGE);
                    continue;
                };
                (callback::judge(cb, state, issuer, required), Some(incoming))
            }
            Event::Pasted(line) => match callback::from_pasted(&line) {
                Ok(cb) => (callback::judge(cb, state, issuer, required), None),
                Err(why) => {
                    crate::stderr::line(
                        "tokfetch: ",
                        &format!(
                            "that line is not the redirect URL: {why}; paste the whole URL the browser ended on"
                        ),
                    );
                    continue;
                }
            },
        };
        match verdict {
            Verdict::Code(code) => {
                if let Some(i) = incoming {
                    i.answer(200, DONE_PAGE);
                }
                return Ok(code);
            }
            Verdict::Stray => {
                vlog!("login: ignoring a redirect whose state is not this login's");
                match incoming {
                    Some(i) => i.answer(400, STRAY_PAGE),
                    None => crate::stderr::line(
                        "tokfetch: ",
                        "that URL is not the answer to this login (its state differs); paste the URL of this login's redirect",
                    ),
                }
            }
            Verdict::Refused { error, description } => {
                if let Some(i) = incoming {
                    i.answer(200, REFUSED_PAGE);
                }
                let why = description
                    .map(|d| format!(": {}", oauth::escape(&d, 200)))
                    .unwrap_or_default();
                return Err(Failure::rejected(format!(
                    "the login for profile `{name}` was refused: {}{why}",
                    oauth::escape(&error, 100)
                ))
                .hint(format!("run tokfetch login {name} again")));
            }
            Verdict::WrongIssuer(why) => {
                if let Some(i) = incoming {
                    i.answer(400, WRONG_ISSUER_PAGE);
                }
                return Err(Failure::unusable(why));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_url() {
        let u = authorization_url(
            "https://i.example/authorize",
            "cli ent",
            "http://127.0.0.1:5/callback",
            Some("openid offline_access"),
            "st",
            "ch",
            &[("audience".into(), "https://api".into())],
        );
        assert_eq!(
            u,
            "https://i.example/authorize?response_type=code&client_id=cli+ent&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback&scope=openid+offline_access&state=st&code_challenge=ch&code_challenge_method=S256&audience=https%3A%2F%2Fapi"
        );
        let q = authorization_url("https://i/a?tenant=x", "c", "r", None, "s", "c", &[]);
        assert!(
            q.starts_with("https://i/a?tenant=x&response_type=code&"),
            "{q}"
        );
        assert!(!q.contains("scope="));
    }
}
