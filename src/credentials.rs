//! Where a profile's secrets come from (README "Secrets"), in order: the variable its `*_env`
//! key names, `TOKFETCH_<PROFILE>_<FIELD>`, the program its `*_command` key names (run only
//! then, at most once per run), the OS keyring. Every value read is registered with
//! the redactor at once, so it can never be printed in any encoding.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::config::Profile;
use crate::error::{Failure, Result};
use crate::keystore;
use crate::perms::{self, Exposure, Rule};
use crate::provider::{GITHUB_TOKEN_VAR, GITHUB_URL_VAR, Grant, Input, KeyFrom, TokenSource};
use crate::redact;
use crate::secret::{Field, Secret, conventional_env};
use crate::subprocess;

/// The most a `*_command` may print: as much as `secret set` accepts is far less; more is a
/// mistake (a file printed by accident), not a secret.
const COMMAND_OUTPUT_MAX: usize = 1 << 20;

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The variable named by the profile's `*_env` key.
    NamedEnv(String),
    /// `TOKFETCH_<PROFILE>_<FIELD>`.
    ConventionalEnv(String),
    /// The argv of the profile's `*_command` key.
    Command(Vec<String>),
    Keyring,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::NamedEnv(v) | Source::ConventionalEnv(v) => write!(f, "env ${v}"),
            Source::Command(argv) => write!(f, "command {}", shown_argv(argv)),
            Source::Keyring => f.write_str("keyring"),
        }
    }
}

/// An argv as a user would type it: arguments with spaces, quotes or nothing in them quoted.
fn shown_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | '\\' | '$' | '`'));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The environment variables to look at for a field, in order.
fn env_candidates(profile: &Profile, field: Field) -> Vec<Source> {
    let mut out = Vec::with_capacity(2);
    if let Some(named) = profile.env_override(field) {
        out.push(Source::NamedEnv(named.to_string()));
    }
    out.push(Source::ConventionalEnv(conventional_env(
        &profile.name,
        field,
    )));
    out
}

/// What the environment holds for a field.
pub enum FromEnv {
    Found(Secret, Source),
    /// The first variable that is set is empty: a CI secret that expanded to nothing. That is
    /// an error to report, not a reason to look elsewhere (README "Secrets").
    Empty(String),
    Unset,
}

/// The field's variables in order: the first one that is set decides.
pub fn from_env(profile: &Profile, field: Field) -> FromEnv {
    for src in env_candidates(profile, field) {
        let (Source::NamedEnv(var) | Source::ConventionalEnv(var)) = &src else {
            continue;
        };
        let Some(value) = std::env::var_os(var) else {
            continue;
        };
        if value.is_empty() {
            return FromEnv::Empty(var.clone());
        }
        let value = Zeroizing::new(value.to_string_lossy().into_owned());
        return FromEnv::Found(Secret::new(value.to_string()), src);
    }
    FromEnv::Unset
}

/// The secret for `field`, from the first source that has it; exit 4 when none does. A
/// `*_command` runs until `deadline` at most.
pub fn resolve(profile: &Profile, field: Field, deadline: Instant) -> Result<(Secret, Source)> {
    let found = resolve_unregistered(profile, field, deadline)?;
    // From here on the value can never be printed, in any encoding a server may echo it in.
    match field {
        Field::ClientSecret => {
            redact::register_basic(&profile.settings.client_id, found.0.expose())
        }
        Field::PrivateKey => redact::register_pem(found.0.expose()),
        // The JSON itself; the PEM inside is registered when the key is parsed (gather).
        Field::CredentialsJson => redact::register(found.0.expose()),
        Field::ApiKey => redact::register(found.0.expose()),
    }
    Ok(found)
}

fn resolve_unregistered(
    profile: &Profile,
    field: Field,
    deadline: Instant,
) -> Result<(Secret, Source)> {
    match from_env(profile, field) {
        FromEnv::Found(secret, source) => return Ok((secret, source)),
        FromEnv::Empty(var) => {
            return Err(Failure::credentials(format!(
                "no {} for profile `{}`: ${var} is set but empty",
                field.name(),
                profile.name
            ))
            .hint(format!(
                "give ${var} the secret (on CI: is the secret defined for this job?), or unset it to use the next source"
            )));
        }
        FromEnv::Unset => {}
    }
    if let Some(argv) = profile.command(field) {
        let secret = from_command(profile, field, argv, deadline)?;
        return Ok((secret, Source::Command(argv.to_vec())));
    }
    let conventional = conventional_env(&profile.name, field);
    let vars = match profile.env_override(field) {
        Some(named) => format!("${named} ({}) and ${conventional} are", field.env_key()),
        None => format!("${conventional} is"),
    };
    let set_cmd = format!("tokfetch secret set {}{}", profile.name, field.flag());
    match keystore::get(&profile.name, field) {
        Ok(Some(secret)) => Ok((secret, Source::Keyring)),
        Ok(None) => Err(Failure::credentials(format!(
            "no {} for profile `{}`: {vars} not set and the OS keyring has none; run `{set_cmd}` or set {conventional}",
            field.name(),
            profile.name
        ))
        .hint(format!("store it in the OS keyring: {set_cmd}"))
        .hint(format!("or, on CI, set {conventional} in the environment"))),
        Err(e) => Err(Failure::credentials(format!(
            "no {} for profile `{}`: {vars} not set and the OS keyring is unavailable ({e}); on a machine without a keyring (CI), set {conventional}",
            field.name(),
            profile.name
        ))
        .hint(format!("export {conventional}=… (from your CI's secret store)"))
        .hint(format!("or, where a keyring runs, store it: {set_cmd}"))),
    }
}

/// Run the field's `*_command` and take its stdout, minus one trailing newline, as the
/// secret. Whatever it printed is registered with the redactor before any word about it can
/// be printed; its stderr is quoted only through the error, which the stderr sink cleans.
fn from_command(
    profile: &Profile,
    field: Field,
    argv: &[String],
    deadline: Instant,
) -> Result<Secret> {
    let what = format!(
        "the {} command of profile `{}` ({})",
        field.name(),
        profile.name,
        shown_argv(argv)
    );
    let key = field.command_key();
    crate::log::vlog!("running {what}");
    let done = subprocess::run(argv, COMMAND_OUTPUT_MAX, deadline).map_err(|e| match e {
        subprocess::Error::Spawn(e) => Failure::credentials(format!("cannot run {what}: {e}"))
            .hint(format!(
                "is `{}` installed and on PATH? (or name it by its full path in {key})",
                argv.first().map(String::as_str).unwrap_or_default()
            )),
        subprocess::Error::TimedOut => Failure::credentials(format!(
            "{what} timed out: it did not finish within --timeout, and was stopped"
        ))
        .hint("does it wait for a prompt or an unlock? it runs with no terminal and no stdin")
        .hint("raise --timeout if it is just slow"),
        subprocess::Error::TooLarge => Failure::credentials(format!(
            "{what} printed more than {} MiB; that is not a secret, and was not used",
            COMMAND_OUTPUT_MAX >> 20
        )),
        subprocess::Error::Wait(e) => Failure::credentials(format!("{what} failed: {e}")),
    })?;
    let text = Zeroizing::new(String::from_utf8_lossy(&done.stdout).into_owned());
    if !text.is_empty() {
        // Even output that will be refused may be (part of) a secret: the whole, and each
        // line (the first line of a password manager's entry is its password).
        redact::register(text.trim_end());
        for line in text.lines() {
            redact::register(line.trim());
        }
    }
    let said = done
        .stderr_line
        .as_deref()
        .map(|l| format!(": {l}"))
        .unwrap_or_else(|| " (nothing on stderr)".to_string());
    if !done.status.success() {
        let how = match done.status.code() {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".to_string(),
        };
        return Err(Failure::credentials(format!("{what} failed ({how}){said}")));
    }
    if std::str::from_utf8(&done.stdout).is_err() {
        return Err(Failure::credentials(format!(
            "{what} printed something that is not UTF-8 text"
        )));
    }
    let value = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if value.contains('\0') || (!field.multiline() && value.contains(['\n', '\r'])) {
        return Err(Failure::credentials(format!(
            "{what} printed more than one line (or a NUL); a {} is one line",
            field.name()
        ))
        .hint("a password manager's whole entry? print only the secret (`pass show` prints every line: keep the secret alone in its entry)"));
    }
    if value.is_empty() {
        return Err(
            Failure::credentials(format!("{what} printed nothing{said}")).hint(format!(
                "check what `{}` prints when run by hand",
                shown_argv(argv)
            )),
        );
    }
    Ok(Secret::new(value.to_string()))
}

/// Where a field's secret would come from right now, without revealing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    Found(Source),
    /// This variable is set but empty.
    Empty(String),
    Missing,
    /// Not in the environment, and the keyring could not be asked.
    Unknown(String),
    /// The profile's `*_command` names a program that cannot be run (why).
    Unrunnable(Vec<String>, String),
}

impl Presence {
    pub fn found(&self) -> bool {
        matches!(self, Presence::Found(_))
    }

    /// For tables (`profiles`): `env:VAR`, `keyring`, `empty`, `missing` or `unknown`.
    pub fn terse(&self) -> String {
        match self {
            Presence::Found(Source::NamedEnv(v) | Source::ConventionalEnv(v)) => {
                format!("env:{v}")
            }
            Presence::Found(Source::Command(argv)) => {
                format!(
                    "command:{}",
                    argv.first().map(String::as_str).unwrap_or_default()
                )
            }
            Presence::Found(Source::Keyring) => "keyring".to_string(),
            Presence::Unrunnable(..) => "command:unrunnable".to_string(),
            Presence::Empty(_) => "empty".to_string(),
            Presence::Missing => "missing".to_string(),
            Presence::Unknown(_) => "unknown".to_string(),
        }
    }

    /// One sentence, the same in `inspect`, `secret status` and `doctor`: where the secret
    /// is, or what is wrong and what to do.
    pub fn describe(&self, profile: &Profile, field: Field) -> String {
        let conventional = conventional_env(&profile.name, field);
        match self {
            Presence::Found(source) => source.to_string(),
            Presence::Unrunnable(argv, why) => format!(
                "command {} cannot run: {why} (fix {})",
                shown_argv(argv),
                field.command_key()
            ),
            Presence::Empty(var) => format!("${var} is set but empty"),
            Presence::Missing => format!(
                "missing: not in ${conventional}{} nor the keyring (tokfetch secret set {}{})",
                profile
                    .env_override(field)
                    .map(|v| format!(" or ${v}"))
                    .unwrap_or_default(),
                profile.name,
                field.flag()
            ),
            Presence::Unknown(why) => {
                format!("not in the environment; keyring unavailable ({why}); set ${conventional}")
            }
        }
    }
}

/// Look for `field` of `profile` in every source, in order. A `*_command` is named, never
/// run: it may prompt, cost, or change something. A keyring that already failed in this run
/// is not waited for again (the keystore remembers).
pub fn presence(profile: &Profile, field: Field) -> Presence {
    match from_env(profile, field) {
        FromEnv::Found(_, source) => return Presence::Found(source),
        FromEnv::Empty(var) => return Presence::Empty(var),
        FromEnv::Unset => {}
    }
    if let Some(argv) = profile.command(field) {
        return match argv.first().and_then(|p| program_problem(p)) {
            Some(why) => Presence::Unrunnable(argv.to_vec(), why),
            None => Presence::Found(Source::Command(argv.to_vec())),
        };
    }
    match keystore::get(&profile.name, field) {
        Ok(Some(_)) => Presence::Found(Source::Keyring),
        Ok(None) => Presence::Missing,
        Err(e) => Presence::Unknown(e.to_string()),
    }
}

/// Why `program` could not be started, found as the OS would find it (a path, or a name looked
/// up on `PATH`), without starting it. Unix only: elsewhere the fetch is the check.
fn program_problem(program: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let runnable = |p: &Path| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        };
        if program.contains('/') {
            return (!runnable(Path::new(program)))
                .then(|| format!("{program} is not an executable file"));
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        let found = std::env::split_paths(&path).any(|dir| runnable(&dir.join(program)));
        (!found).then(|| format!("`{program}` is not on PATH"))
    }
    #[cfg(not(unix))]
    {
        let _ = program;
        None
    }
}

/// A credential of a profile that is not a secret field: a key or certificate file, or where
/// its identity token comes from (README "Client authentication without shared secrets").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// `private_key`, `client_cert`, `assertion` or `credentials` (a Google JSON key file).
    pub name: &'static str,
    /// `file /path`, `env $VAR`, `GitHub Actions ID token (audience …)`.
    pub source: String,
    /// The same, tersely: `file:/path`, `env:VAR`, `github-actions`.
    pub terse: String,
    /// What would stop a fetch right now, if anything.
    pub problem: Option<String>,
}

/// The profile's credentials that are not secret fields, each checked as far as can be done
/// without reading a key or a token (`secret status`, `profiles`).
pub fn material(profile: &Profile) -> Vec<Material> {
    let mut out = Vec::new();
    let file = |name, path: &Path, private| Material {
        name,
        source: format!("file {}", path.display()),
        terse: format!("file:{}", path.display()),
        problem: file_problem(path, private),
    };
    for input in profile.provider.inputs(&profile.settings, Grant::Primary) {
        match input {
            Input::SigningKey {
                from: KeyFrom::File(path),
                ..
            } => out.push(file("private_key", &path, true)),
            Input::Thumbprints(path) => out.push(file("client_cert", &path, false)),
            Input::ClientCertificate { chain, key } => {
                out.push(file("client_cert", &chain, false));
                if let KeyFrom::File(path) = key {
                    out.push(file("private_key", &path, true));
                }
            }
            Input::IdentityToken(source) => out.push(Material {
                name: "assertion",
                problem: token_source_problem(&source),
                terse: match &source {
                    TokenSource::GitHubActions { .. } => "github-actions".to_string(),
                    TokenSource::Env(var) => format!("env:{var}"),
                    TokenSource::File(p) => format!("file:{}", p.display()),
                },
                source: source.describe(),
            }),
            Input::ServiceAccount {
                from: KeyFrom::File(path),
                ..
            } => out.push(file("credentials", &path, true)),
            Input::SigningKey { .. } | Input::ServiceAccount { .. } | Input::Discovery(_) => {}
        }
    }
    out
}

fn file_problem(path: &Path, private: bool) -> Option<String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(e.to_string()),
    };
    if !meta.is_file() {
        return Some("not a regular file".to_string());
    }
    match private.then(|| perms::check(&meta, Rule::Private { ours: false })) {
        Some(Err(Exposure::Readable(mode))) => Some(format!(
            "readable by others (mode {:o}): chmod 600 {}",
            mode & 0o777,
            path.display()
        )),
        _ => None,
    }
}

fn token_source_problem(source: &TokenSource) -> Option<String> {
    let unset = |var: &str| std::env::var_os(var).is_none_or(|v| v.is_empty());
    match source {
        TokenSource::Env(var) => unset(var).then(|| format!("${var} is not set")),
        TokenSource::File(path) => file_problem(path, false),
        TokenSource::GitHubActions { .. } => (unset(GITHUB_URL_VAR) || unset(GITHUB_TOKEN_VAR))
            .then(|| {
                "not inside a GitHub Actions job with `permissions: id-token: write`".to_string()
            }),
    }
}

/// How long a `*_command` may run when no `--timeout` bounds the run (as `--timeout`'s default).
const DEFAULT_COMMAND_WAIT: Duration = Duration::from_secs(30);

/// A profile's secrets, read only when something needs them, and at most once per run.
pub struct Credentials<'p> {
    profile: &'p Profile,
    loaded: BTreeMap<Field, Secret>,
    sources: BTreeMap<Field, Source>,
    /// Until when a `*_command` may run (`--timeout`, set by `token::obtain`).
    deadline: Option<Instant>,
}

impl<'p> Credentials<'p> {
    pub fn new(profile: &'p Profile) -> Self {
        Credentials {
            profile,
            loaded: BTreeMap::new(),
            sources: BTreeMap::new(),
            deadline: None,
        }
    }

    /// Bound whatever reading a secret may run (a `*_command`) by `deadline`.
    pub fn bound(&mut self, deadline: Instant) {
        self.deadline = Some(deadline);
    }

    /// Where `field` was read from, once it was.
    pub fn source(&self, field: Field) -> Option<&Source> {
        self.sources.get(&field)
    }

    /// The secret for `field`, read from its source the first time.
    pub fn get(&mut self, field: Field) -> Result<&Secret> {
        if !self.loaded.contains_key(&field) {
            let deadline = self
                .deadline
                .unwrap_or_else(|| Instant::now() + DEFAULT_COMMAND_WAIT);
            let (value, source) = resolve(self.profile, field, deadline)?;
            crate::log::vlog!("{} of `{}` from {source}", field.name(), self.profile.name);
            let in_header = self
                .profile
                .provider
                .header_fields()
                .iter()
                .any(|(_, f)| *f == field);
            if in_header && !header_safe(value.expose()) {
                return Err(Failure::credentials(format!(
                    "the {} of profile `{}` ({source}) contains characters that cannot be sent in an HTTP header",
                    field.name(),
                    self.profile.name
                )));
            }
            self.loaded.insert(field, value);
            self.sources.insert(field, source);
        }
        self.loaded
            .get(&field)
            .ok_or_else(|| Failure::internal("a secret was not kept after it was read"))
    }

    /// Read every one of `fields`, then hand out what a request needs.
    pub fn load(&mut self, fields: &[Field]) -> Result<&BTreeMap<Field, Secret>> {
        for &f in fields {
            self.get(f)?;
        }
        Ok(&self.loaded)
    }
}

/// Visible ASCII and spaces: what may appear in a header value.
pub fn header_safe(v: &str) -> bool {
    v.bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_shown_as_typed_with_awkward_arguments_quoted() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            shown_argv(&argv(&["op", "read", "op://Private/tokfetch/credential"])),
            "op read op://Private/tokfetch/credential"
        );
        assert_eq!(
            shown_argv(&argv(&["sh", "-c", "pass show x | head -1", "", "it's"])),
            "sh -c 'pass show x | head -1' '' 'it'\\''s'"
        );
        assert_eq!(
            Source::Command(argv(&["pass", "show", "a b"])).to_string(),
            "command pass show 'a b'"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_program_is_found_as_the_os_would_without_running_it() {
        assert_eq!(program_problem("sh"), None);
        assert_eq!(program_problem("/bin/sh"), None);
        assert!(
            program_problem("tokfetch-no-such-program").is_some_and(|w| w.contains("not on PATH"))
        );
        assert!(program_problem("/etc/passwd").is_some_and(|w| w.contains("not an executable")));
    }

    #[test]
    fn header_safety() {
        assert!(header_safe("abc-123_~!"));
        assert!(!header_safe("abc\r\nX: y"));
        assert!(!header_safe("é"));
    }
}
