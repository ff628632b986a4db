//! The committed completions/ and man/tokfetch.1 are generated from the one clap definition;
//! this test regenerates them and fails if the committed files differ (so they cannot drift).
//! To update them after changing the CLI:  TOKFETCH_BLESS=1 cargo test --test generated

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap_complete::Shell;
use support::Env;

const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "tokfetch.bash"),
    (Shell::Zsh, "_tokfetch"),
    (Shell::Fish, "tokfetch.fish"),
    (Shell::Elvish, "tokfetch.elv"),
    (Shell::PowerShell, "_tokfetch.ps1"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compare `generated` with the committed file, or write it when blessing.
fn check(path: &Path, generated: &str) {
    if std::env::var_os("TOKFETCH_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, generated).expect("write");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run TOKFETCH_BLESS=1 cargo test --test generated",
            path.display()
        )
    });
    assert!(
        committed == generated,
        "{} is out of date with the CLI; run TOKFETCH_BLESS=1 cargo test --test generated",
        path.display()
    );
}

#[test]
fn committed_completions_match_the_cli() {
    for (shell, file) in SHELLS {
        check(
            &root().join("completions").join(file),
            &tokfetch::testing::completions(shell),
        );
    }
}

#[test]
fn the_completions_command_prints_the_committed_files() {
    let env = Env::new();
    for (shell, file) in SHELLS {
        let name = shell.to_string();
        let out = env.run(&["completions", &name]);
        let committed =
            std::fs::read_to_string(root().join("completions").join(file)).expect("committed");
        assert!(
            out.ok() == committed,
            "`tokfetch completions {name}` differs from completions/{file}"
        );
    }
}

#[test]
fn committed_man_page_matches_the_cli() {
    check(&root().join("man").join("tokfetch.1"), &man_page());
}

#[test]
fn the_man_page_renders_with_every_section() {
    let out = Command::new("man")
        .arg("-l")
        .arg(root().join("man/tokfetch.1"))
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .env("PAGER", "cat")
        .output()
        .expect("man (man-db) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // nroff marks bold and underline by overstriking (`X\bX`, `_\bX`): keep the last char.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
    ] {
        assert!(
            text.lines().any(|l| l.trim() == section),
            "no {section} section:\n{text}"
        );
    }
    for needle in [
        "tokfetch get",
        "TOKFETCH_CACHE_DIR",
        "config.toml",
        "--min-ttl",
        "curl -K -",
        "git-credential",
        "exec-credential",
        "doctor",
        "inspect",
    ] {
        assert!(text.contains(needle), "man page lacks {needle:?}");
    }
}

#[test]
fn bash_completion_offers_profile_names_from_the_config() {
    let env = Env::new();
    env.write_config(
        "[profiles.alpha]\nprovider = \"onepassword\"\nclient_id = \"a\"\n[profiles.beta]\nprovider = \"onepassword\"\nclient_id = \"b\"\n",
    );
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_tokfetch"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let complete = |words: &str| -> Vec<String> {
        let script = format!(
            "source '{}'\nCOMP_WORDS=({words})\nCOMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n_tokfetch_with_profiles tokfetch \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            root().join("completions/tokfetch.bash").display()
        );
        let mut cmd = env.command();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(script)
            .env_clear()
            .envs(
                cmd.get_envs()
                    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
            )
            .env("PATH", path)
            .output()
            .expect("bash");
        let _ = &mut cmd;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(complete("tokfetch get ''"), ["alpha", "beta"]);
    assert_eq!(complete("tokfetch header b"), ["beta"]);
    assert_eq!(complete("tokfetch secret set ''"), ["alpha", "beta"]);
    assert_eq!(complete("tokfetch -v exec a"), ["alpha"]);
    assert_eq!(complete("tokfetch doctor ''"), ["alpha", "beta"]);
    assert_eq!(complete("tokfetch inspect a"), ["alpha"]);
    assert_eq!(complete("tokfetch git-credential b"), ["beta"]);
    assert!(complete("tokfetch get -o ''").contains(&"exec-credential".to_string()));
    assert!(
        complete("tokfetch get alpha ''")
            .iter()
            .all(|w| w != "beta"),
        "one profile only"
    );
    assert!(
        complete("tokfetch get -o ''").contains(&"json".to_string()),
        "option values still clap's"
    );
    assert!(
        complete("tokfetch get --").contains(&"--no-cache".to_string()),
        "flags still complete"
    );
}

#[test]
fn zsh_and_fish_completions_are_valid_scripts() {
    let dir = root().join("completions");
    let zsh = Command::new("zsh")
        .arg("-n")
        .arg(dir.join("_tokfetch"))
        .output()
        .expect("zsh is installed");
    assert!(
        zsh.status.success(),
        "{}",
        String::from_utf8_lossy(&zsh.stderr)
    );
    let fish = Command::new("fish")
        .arg("--no-execute")
        .arg(dir.join("tokfetch.fish"))
        .output()
        .expect("fish is installed");
    assert!(
        fish.status.success(),
        "{}",
        String::from_utf8_lossy(&fish.stderr)
    );
    let bash = Command::new("bash")
        .arg("-n")
        .arg(dir.join("tokfetch.bash"))
        .output()
        .expect("bash");
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
}

/// The man page: clap_mangen's sections for the top level, every subcommand's options, and the
/// sections a user reaches for (EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES).
fn man_page() -> String {
    // The man page is the same for every target: its VERSION section shows the version alone,
    // not `--version`'s target triple.
    let mut cmd = tokfetch::testing::command().long_version(None::<&str>);
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone())
        .date("")
        .source(format!("tokfetch {}", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    man.render_title(&mut out).expect("render");
    man.render_name_section(&mut out).expect("render");
    man.render_synopsis_section(&mut out).expect("render");
    man.render_description_section(&mut out).expect("render");
    man.render_options_section(&mut out).expect("render");
    let mut text = String::from_utf8(out).expect("utf-8");
    text.push_str(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        commands_section(sub, &mut text);
    }
    text.push_str(&exit_status_section());
    text.push_str(EXTRA_SECTIONS);
    let mut version = Vec::new();
    man.render_version_section(&mut version).expect("render");
    text.push_str(&String::from_utf8(version).expect("utf-8"));
    text
}

/// One `.SS` per (sub)command: its usage, its description and its own options.
fn commands_section(cmd: &clap::Command, text: &mut String) {
    if cmd.has_subcommands() {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            commands_section(sub, text);
        }
        return;
    }
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ").trim();
    text.push_str(&format!(".SS \"{}\"\n", roff_escape(usage)));
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        text.push_str(&format!("{}\n", roff_escape(&about.to_string())));
    }
    let mut opts = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render_options_section(&mut opts)
        .expect("render");
    let opts = String::from_utf8(opts).expect("utf-8");
    // Drop the section header and the global options every command repeats.
    let mut skip = false;
    for block in opts.split("\n.TP\n").skip(1) {
        let head = block.lines().next().unwrap_or("");
        skip = ["config", "verbose", "quiet", "help"]
            .iter()
            .any(|g| head.contains(&format!("\\-\\-{g}")));
        if !skip {
            text.push_str(".TP\n");
            text.push_str(block.trim_end_matches('\n'));
            text.push('\n');
        }
    }
    let _ = skip;
}

/// EXIT STATUS, from the one table in `error.rs` (README "Exit codes" is checked against it
/// too): `N` in italics, `` `exec` `` in bold, each meaning a sentence.
fn exit_status_section() -> String {
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in tokfetch::testing::EXIT_STATUS {
        let code = if code.bytes().all(|b| b.is_ascii_digit()) {
            format!("\\fB{code}\\fR")
        } else {
            format!("\\fI{code}\\fR")
        };
        // `…` is bold: the parts between backticks are the odd ones.
        let text: String = roff_escape(meaning)
            .split('`')
            .enumerate()
            .map(|(i, part)| {
                if i % 2 == 1 {
                    format!("\\fB{part}\\fR")
                } else {
                    part.to_string()
                }
            })
            .collect();
        let mut chars = text.chars();
        let first: String = chars
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default();
        out.push_str(&format!(".TP\n{code}\n{first}{}.\n", chars.as_str()));
    }
    out
}

/// README's exit-code table is the table in `error.rs`, row for row.
#[test]
fn the_readme_exit_code_table_is_the_one_in_error_rs() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("## Exit codes")
        .nth(1)
        .expect("an Exit codes section");
    let rows: Vec<(String, String)> = section
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
            (cells[0].trim().to_string(), cells[1].trim().to_string())
        })
        .collect();
    let table: Vec<(String, String)> = tokfetch::testing::EXIT_STATUS
        .iter()
        .map(|(c, m)| (c.to_string(), m.to_string()))
        .collect();
    assert_eq!(rows, table);
}

fn roff_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('-', "\\-")
        .replace('\'', "\\(aq")
}

const EXTRA_SECTIONS: &str = r#".PP
Errors are one \fBtokfetch: error:\fR line on stderr, possibly followed by \fBhint:\fR lines.
stdout carries only the requested output.
.SH ENVIRONMENT
.TP
\fBTOKFETCH_CONFIG\fR
Config file, when \fB\-\-config\fR is not given.
.TP
\fBTOKFETCH_PROFILE\fR
Profile to use when none is named (before \fBdefault_profile\fR).
.TP
\fBTOKFETCH_\fIPROFILE\fB_CLIENT_SECRET\fR, \fBTOKFETCH_\fIPROFILE\fB_API_KEY\fR
A profile's secrets (the name upper\-cased, anything outside A\-Z and 0\-9 as \fB_\fR).
They win over a profile's \fBclient_secret_command\fR / \fBapi_key_command\fR /
\fBprivate_key_command\fR (a program, run without a shell, that prints the secret) and over the
OS keyring; a profile's \fBclient_secret_env\fR / \fBapi_key_env\fR names another variable that
wins over all. A variable that is set but empty is an error (exit 4).
.TP
\fBTOKFETCH_CACHE_DIR\fR
Token cache directory.
.TP
\fBTOKFETCH_CA_FILE\fR
PEM bundle of extra trusted roots, for profiles without \fBca_file\fR.
.TP
\fBHTTPS_PROXY\fR, \fBHTTP_PROXY\fR, \fBALL_PROXY\fR, \fBNO_PROXY\fR
Proxies (lowercase forms too). Loopback token URLs never use a proxy.
.TP
\fBKUBERNETES_EXEC_INFO\fR
Set by kubectl for \fBget \-o exec\-credential\fR: an ExecCredential is answered in the API version it asks for (\fBv1\fR, or \fBv1beta1\fR).
.TP
\fBNO_COLOR\fR
Never colour the output (error lines, \fBdoctor\fR's report).
.SH FILES
.TP
\fI~/.config/tokfetch/config.toml\fR
Profiles (the platform's config directory: \fI~/Library/Application Support\fR on macOS, \fI%APPDATA%\fR on Windows).
.TP
\fI~/.cache/tokfetch/\fR
Cached tokens, one \fIPROFILE\fB.token.json\fR file (mode 0600) per profile, and lock files.
.SH EXAMPLES
.TP
\fBtokfetch get onepassword\-eu\fR
Print a token.
.TP
\fBcurl \-H "$(tokfetch header andopen)" https://api.andopen.co/\fR
Call an API with the token.
.TP
\fBtokfetch get andopen \-o curl | curl \-K \- https://api.andopen.co/\fR
Pass every header the API needs (here also \fBx\-api\-key\fR) without putting the token on a command line.
.TP
\fBtokfetch exec corp \-\- ./deploy.sh\fR
Run a command with the token in \fB$TOKFETCH_TOKEN\fR.
.TP
\fBprintf '%s' "$SECRET" | tokfetch secret set corp\fR
Store a secret from a pipe (on a terminal, run it bare for a hidden prompt).
.TP
\fBtokfetch profile add okta \-\-provider oauth2 \-\-token\-url https://acme.okta.com/oauth2/default/v1/token \-\-client\-id ID\fR
Add a profile to the config.
.TP
\fBtokfetch doctor corp \-\-fetch\fR
Check the set\-up step by step, ending with one real token request.
.TP
\fBtokfetch inspect corp\fR
Show the profile and its cached token (times, scope, a JWT's claims), never the token itself.
.TP
\fBgit config credential.https://git.example.com.helper "!tokfetch git\-credential corp"\fR
Let git use the profile's token as its password.
.TP
\fBtokfetch get k8s \-o exec\-credential\fR
What a kubeconfig \fBexec:\fR entry runs (\fBargs: [get, k8s, \-o, exec\-credential]\fR).
.SH "SEE ALSO"
\fBcurl\fR(1), \fBsecret\-tool\fR(1), \fBgitcredentials\fR(7), \fBkubectl\fR(1)
"#;

#[test]
fn version_names_the_version_and_the_target() {
    let env = Env::new();
    let long = env.run(&["--version"]);
    assert_eq!(
        long.ok(),
        format!(
            "tokfetch {} ({})\n",
            env!("CARGO_PKG_VERSION"),
            env!("TOKFETCH_TARGET")
        )
    );
    let short = env.run(&["-V"]);
    assert_eq!(
        short.ok(),
        format!("tokfetch {}\n", env!("CARGO_PKG_VERSION"))
    );
}
