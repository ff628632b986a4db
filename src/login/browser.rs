//! Opening the authorization URL in the user's browser: `$BROWSER` as xdg-utils reads it (a
//! `:`-separated list of commands, each split on whitespace, `%s` replaced by the URL or the
//! URL appended), else the platform's opener: `xdg-open` where a display is set, `open` on
//! macOS, `start` on Windows. Each is run without a shell, stdin, stdout and stderr on the
//! null device, the environment without any secret variable (as `exec`'s child), and not
//! waited for. Which commands to try is pure ([`commands`]).

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use crate::log::vlog;

/// The argv of each command to try, in order, for `url`. `browser` is `$BROWSER`; `display`
/// says whether a graphical session is there (`DISPLAY` or `WAYLAND_DISPLAY`).
pub fn commands(browser: Option<&str>, display: bool, url: &str) -> Vec<Vec<String>> {
    if let Some(list) = browser.filter(|b| !b.trim().is_empty()) {
        return list
            .split(':')
            .filter_map(|entry| {
                let words: Vec<&str> = entry.split_whitespace().collect();
                if words.is_empty() {
                    return None;
                }
                let mut argv: Vec<String> = words.iter().map(|w| w.replace("%s", url)).collect();
                if !words.iter().any(|w| w.contains("%s")) {
                    argv.push(url.to_string());
                }
                Some(argv)
            })
            .collect();
    }
    if cfg!(target_os = "macos") {
        vec![vec!["open".to_string(), url.to_string()]]
    } else if cfg!(windows) {
        vec![vec!["start".to_string(), url.to_string()]]
    } else if display {
        vec![vec!["xdg-open".to_string(), url.to_string()]]
    } else {
        Vec::new()
    }
}

/// Start the first command of [`commands`] that starts; `false` when none did (no browser,
/// no display, or nothing could be run). `withhold` names variables the child must not see
/// besides tokfetch's own secret variables.
pub fn open(url: &str, withhold: &BTreeSet<String>) -> bool {
    let browser = std::env::var("BROWSER").ok();
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    for argv in commands(browser.as_deref(), display, url) {
        let Some((program, args)) = argv.split_first() else {
            continue;
        };
        let mut cmd = command(program, args);
        for name in crate::secret::secret_vars(withhold) {
            cmd.env_remove(name);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match cmd.spawn() {
            Ok(_child) => {
                vlog!("opened the browser with {program}");
                return true;
            }
            Err(e) => vlog!("cannot start the browser {program}: {e}"),
        }
    }
    false
}

/// `start` is a command of `cmd.exe`; its first quoted argument is a window title, and the
/// URL is quoted whole so that `&` in it is not a command separator.
#[cfg(windows)]
fn command(program: &str, args: &[String]) -> Command {
    use std::os::windows::process::CommandExt;
    if program == "start" {
        let mut cmd = Command::new("cmd");
        cmd.raw_arg(format!("/C start \"\" \"{}\"", args.join(" ")));
        return cmd;
    }
    let mut cmd = Command::new(program);
    cmd.args(args);
    cmd
}

#[cfg(not(windows))]
fn command(program: &str, args: &[String]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_lists_as_xdg_utils_reads_them() {
        let u = "https://i/a?x=1&y=2";
        assert_eq!(
            commands(Some("firefox --new-tab:echo %s done"), false, u),
            vec![
                vec!["firefox".to_string(), "--new-tab".into(), u.into()],
                vec!["echo".to_string(), u.into(), "done".into()],
            ]
        );
        assert_eq!(commands(Some(" : "), false, u), Vec::<Vec<String>>::new());
        if cfg!(all(unix, not(target_os = "macos"))) {
            assert!(commands(None, false, u).is_empty());
            assert_eq!(
                commands(None, true, u),
                vec![vec!["xdg-open".to_string(), u.into()]]
            );
            assert_eq!(
                commands(Some(""), true, u),
                vec![vec!["xdg-open".to_string(), u.into()]]
            );
        }
    }
}
