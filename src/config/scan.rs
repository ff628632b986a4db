//! One profile out of a large config without parsing the rest (README "Performance"): a
//! conservative lexical scan finds the profile's own tables (`[profiles.NAME]` and its
//! sub-tables such as `[profiles.NAME.params]`, wherever they are in the file) and checks the
//! lines before the first table, and only those tables go through the same parser as the whole
//! file. So a cached `get` costs the same with 5,000 profiles as with one; the file is still
//! read whole, through the safe reader, on every call, so every edit is seen by the next one.
//!
//! The scan answers only where it can prove that the tables it found are all the file says
//! about the profile. For anything else it returns `None`, and the caller parses the whole file:
//! a multi-line string anywhere (it could hold a line that looks like a header), an array of
//! tables, a header it cannot read or that is not `profiles.NAME…` (`[profiles]` itself, or an
//! unknown top-level table), a quoted name with escapes, any top-level line but one plain
//! `default_profile = "…"` (so dotted `profiles.NAME.key = …` and inline `profiles = {…}` too),
//! a `default_profile` that names no table, a profile with no table, and a profile whose tables
//! do not parse into a usable profile (the full parse gives the error its real line).
//!
//! What it does not see, by design: the other profiles' tables are not parsed, so a TOML error
//! confined to one of them (a duplicated table or key, a broken value) does not stop a hit on
//! a good profile; the commands that read the whole file report it (README "Decisions where
//! the contract is silent").
//!
//! Pure: text in, a profile out.

use std::path::Path;

use super::{Profile, parse};

/// The tables of one profile, as the scan found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The profile: the one asked for, else `default_profile`.
    pub name: String,
    /// Every table of that profile, verbatim and in file order: a TOML document of its own.
    pub tables: String,
}

/// The profile `wanted` (else the file's `default_profile`), parsed from its own tables alone;
/// `None` when the scan cannot prove that is what the whole file says (see the module
/// documentation), or the profile does not parse: then the whole file decides.
#[cfg(test)]
pub fn profile(path: &Path, text: &str, wanted: Option<&str>) -> Option<Profile> {
    let mut scanner = Scanner::new(wanted);
    scanner.lines(text);
    scanner.profile(path)
}

/// Find the tables of the profile `wanted` (else `default_profile`) in the whole text; `None`
/// for anything the scan cannot prove it reads as the TOML parser does.
#[cfg(test)]
pub fn locate(text: &str, wanted: Option<&str>) -> Option<Located> {
    let mut scanner = Scanner::new(wanted);
    scanner.lines(text);
    scanner.finish()
}

/// The scan over a file handed over in pieces of whole lines (so that the file need not be
/// held whole: reading a large file into one fresh buffer costs a page fault per 4 KiB). A line
/// never spans two pieces, and none of what the scan looks for spans two lines.
#[derive(Debug)]
pub struct Scanner<'w> {
    wanted: Option<&'w str>,
    /// Still in the lines before the first table.
    top: bool,
    default: Option<String>,
    /// The profile, once the first table is reached: `wanted`, else `default`.
    name: Option<String>,
    default_seen: bool,
    /// The current table is one of the profile's.
    ours: bool,
    tables: String,
    /// Something the scan cannot prove was seen: the whole file decides.
    failed: bool,
}

impl<'w> Scanner<'w> {
    pub fn new(wanted: Option<&'w str>) -> Scanner<'w> {
        Scanner {
            wanted,
            top: true,
            default: None,
            name: None,
            default_seen: false,
            ours: false,
            tables: String::new(),
            failed: false,
        }
    }

    /// The next lines of the file: whole lines, each ending in a newline except the file's
    /// last. Returns `false` once the scan has given up (the rest need not be read).
    pub fn lines(&mut self, text: &str) -> bool {
        if !self.failed && self.scan(text).is_none() {
            self.failed = true;
            self.tables.clear();
        }
        !self.failed
    }

    /// The profile's tables, once the whole file was seen; `None` where the scan gave up.
    pub fn finish(mut self) -> Option<Located> {
        if self.top {
            self.enter_tables()?;
        }
        let default_seen = self.default.is_none() || self.default_seen;
        if self.failed || !default_seen || self.tables.is_empty() {
            return None;
        }
        if !self.tables.ends_with('\n') {
            self.tables.push('\n');
        }
        Some(Located {
            name: self.name?,
            tables: self.tables,
        })
    }

    /// The profile from its tables alone (see [`profile`]), once the whole file was seen.
    pub fn profile(self, path: &Path) -> Option<Profile> {
        let found = self.finish()?;
        let mut config = parse(path, &found.tables).ok()?;
        config.profiles.remove(&found.name)
    }

    /// The first table is reached: the profile is now known.
    fn enter_tables(&mut self) -> Option<()> {
        self.top = false;
        self.name = Some(self.wanted.map(str::to_string).or(self.default.clone())?);
        Some(())
    }

    fn scan(&mut self, text: &str) -> Option<()> {
        // A multi-line string may span lines that look like headers; so may text the scan
        // cannot tell from one. Rare in a config, and then the whole file is parsed.
        if memchr::memmem::find(text.as_bytes(), b"\"\"\"").is_some()
            || memchr::memmem::find(text.as_bytes(), b"'''").is_some()
        {
            return None;
        }
        let mut at = 0;
        if self.top {
            at = self.top_level(text)?;
            if at == text.len() {
                return Some(());
            }
            self.enter_tables()?;
        }
        let name = self.name.clone()?;
        let bytes = text.as_bytes();
        // Where the text to keep starts, while the current table is the profile's.
        let mut keep = at;
        while let Some(off) = memchr::memchr(b'[', &bytes[at..]) {
            let bracket = at + off;
            let Some(line) = line_start(bytes, bracket) else {
                // A `[` inside a line: a value (an array, a URL with an IPv6 host).
                at = bracket + 1;
                continue;
            };
            let (table, end) = match plain_header(&text[bracket..]) {
                Some((name, len)) => (name, bracket + len),
                None => {
                    let end = memchr::memchr(b'\n', &bytes[bracket..])
                        .map_or(bytes.len(), |e| bracket + e);
                    (header_profile(&text[bracket..end])?, end)
                }
            };
            if self.ours {
                self.tables.push_str(&text[keep..line]);
            }
            self.ours = table == name;
            keep = line;
            if self.default.as_deref() == Some(table) {
                self.default_seen = true;
            }
            at = end;
        }
        if self.ours {
            self.tables.push_str(&text[keep..]);
        }
        Some(())
    }

    /// The lines before the first table: blank lines, comments and at most one plain
    /// `default_profile = "NAME"`. Returns where the first table starts (or the end).
    fn top_level(&mut self, text: &str) -> Option<usize> {
        let mut pos = 0;
        while pos < text.len() {
            let end = text[pos..].find('\n').map_or(text.len(), |e| pos + e);
            let line = text[pos..end].strip_suffix('\r').unwrap_or(&text[pos..end]);
            let t = line.trim_matches([' ', '\t']);
            if t.starts_with('[') {
                return Some(pos);
            }
            if t.is_empty() {
            } else if let Some(comment) = t.strip_prefix('#') {
                if !comment_ok(comment) {
                    return None;
                }
            } else {
                let value = default_profile_line(t)?;
                if self.default.replace(value).is_some() {
                    return None;
                }
            }
            pos = end + 1;
        }
        Some(text.len())
    }
}

/// A comment TOML accepts: no control character but tab.
fn comment_ok(comment: &str) -> bool {
    !comment
        .chars()
        .any(|c| (c.is_control() && c != '\t') || c == '\u{7f}')
}

/// `default_profile = "NAME"` (or `'NAME'`), with an optional comment; `None` for any other
/// line.
fn default_profile_line(t: &str) -> Option<String> {
    let rest = t.strip_prefix("default_profile")?;
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix('=')?;
    let (value, rest) = simple_string(rest.trim_start_matches([' ', '\t']))?;
    let rest = rest.trim_start_matches([' ', '\t']);
    match rest.strip_prefix('#') {
        None if rest.is_empty() => Some(value.to_string()),
        Some(comment) if comment_ok(comment) => Some(value.to_string()),
        _ => None,
    }
}

/// A string without escapes at the start of `s`: `"…"` with no backslash, or `'…'`; its
/// content and what follows it. Control characters are refused: TOML refuses them too.
fn simple_string(s: &str) -> Option<(&str, &str)> {
    let quote = s.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let body = &s[1..];
    let close = body.find(quote)?;
    let value = &body[..close];
    let plain = !value.chars().any(|c| c.is_control() || c == '\u{7f}');
    if !plain || (quote == '"' && value.contains('\\')) {
        return None;
    }
    Some((value, &body[close + 1..]))
}

/// Where the line holding `bracket` starts, if only blanks precede the bracket on it.
fn line_start(bytes: &[u8], bracket: usize) -> Option<usize> {
    let mut i = bracket;
    while i > 0 {
        match bytes[i - 1] {
            b' ' | b'\t' => i -= 1,
            b'\n' => return Some(i),
            _ => return None,
        }
    }
    Some(0)
}

/// The common header, `[profiles.NAME]` with a bare name and nothing after it on its line, at
/// the start of `rest` (which runs on past the line): the name and the header's length. `None`
/// for any other form, which [`header_profile`] reads.
fn plain_header(rest: &str) -> Option<(&str, usize)> {
    let after = rest.strip_prefix("[profiles.")?;
    let name = bare_len(after);
    let tail = &after.as_bytes()[name..];
    let len = "[profiles.".len() + name + 1;
    match tail {
        [b']', b'\n', ..] | [b']'] if name > 0 => Some((&after[..name], len)),
        [b']', b'\r', b'\n', ..] if name > 0 => Some((&after[..name], len + 1)),
        _ => None,
    }
}

/// The profile a table header belongs to: `[profiles.NAME]` or `[profiles.NAME.SUB…]`, keys
/// bare or quoted without escapes, blanks around dots, an optional comment. `None` for any
/// other header (an array of tables, `[profiles]`, another top-level table, escapes).
fn header_profile(line: &str) -> Option<&str> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    // The common form first, `[profiles.NAME]` with a bare name: no general walk.
    if let Some(rest) = line.strip_prefix("[profiles.") {
        let name = bare_len(rest);
        if name > 0 && &rest[name..] == "]" {
            return Some(&rest[..name]);
        }
    }
    let mut rest = line.strip_prefix('[')?;
    if rest.starts_with('[') {
        return None;
    }
    let (mut first, mut second) = (None, None);
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        let (key, after) = simple_key(rest)?;
        if first.is_none() {
            first = Some(key);
        } else if second.is_none() {
            second = Some(key);
        }
        rest = after.trim_start_matches([' ', '\t']);
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
        } else {
            rest = rest.strip_prefix(']')?;
            break;
        }
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    if !(rest.is_empty() || rest.strip_prefix('#').is_some_and(comment_ok)) {
        return None;
    }
    match (first, second) {
        (Some("profiles"), Some(name)) => Some(name),
        _ => None,
    }
}

/// A bare key (`A-Za-z0-9_-`) or a quoted one without escapes at the start of `s`.
fn simple_key(s: &str) -> Option<(&str, &str)> {
    if s.starts_with(['"', '\'']) {
        return simple_string(s);
    }
    let end = bare_len(s);
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// How long the bare key (`A-Za-z0-9_-`) at the start of `s` is. One table lookup a byte: it
/// runs over every profile name of a large config on every hit.
fn bare_len(s: &str) -> usize {
    const BARE: [bool; 256] = {
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            table[i] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
            i += 1;
        }
        table
    };
    s.bytes()
        .position(|b| !BARE[usize::from(b)])
        .unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Chosen;

    const PATH: &str = "/etc/t/config.toml";

    fn tables(text: &str, wanted: Option<&str>) -> Option<String> {
        locate(text, wanted).map(|l| l.tables)
    }

    fn profile_of(i: usize) -> String {
        format!(
            "[profiles.p{i}]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/t{i}\"\nclient_id = \"c{i}\"\n"
        )
    }

    #[test]
    fn finds_a_profile_and_its_sub_tables_anywhere() {
        let text = format!(
            "# generated\ndefault_profile = \"p1\" # the usual one\n\n{}{}[profiles.p0.params]\naudience = \"a\"\n{}",
            profile_of(0),
            profile_of(1),
            profile_of(2)
        );
        assert_eq!(
            tables(&text, Some("p0")).as_deref(),
            Some(format!("{}[profiles.p0.params]\naudience = \"a\"\n", profile_of(0)).as_str())
        );
        let l = locate(&text, None).expect("default profile");
        assert_eq!(l.name, "p1");
        assert_eq!(l.tables, profile_of(1));
        assert_eq!(tables(&text, Some("p2")), Some(profile_of(2)));
        let p = profile(Path::new(PATH), &text, Some("p0")).expect("p0");
        assert_eq!(
            p.settings.params,
            vec![("audience".to_string(), "a".to_string())]
        );
        assert_eq!(p.endpoint().url, "https://idp.example/t0");
    }

    #[test]
    fn header_forms_are_read_like_toml() {
        for header in [
            "[profiles.p]",
            "[ profiles . p ]",
            "[\"profiles\".\"p\"]",
            "['profiles'.'p'] # a comment",
            "\t[profiles.p]\r",
        ] {
            let text =
                format!("{header}\nprovider = \"onepassword\"\nclient_id = \"x\"\n[profiles.q]\n");
            let p =
                profile(Path::new(PATH), &text, Some("p")).unwrap_or_else(|| panic!("{header}"));
            assert_eq!(p.name, "p");
        }
        let dotted = "[profiles.\"a.b\"]\nprovider = \"onepassword\"\nclient_id = \"x\"\n";
        assert_eq!(
            profile(Path::new(PATH), dotted, Some("a.b")).map(|p| p.name),
            Some("a.b".to_string())
        );
        // `[profiles.a.b]` is table b of profile a, not profile `a.b`.
        assert_eq!(tables("[profiles.a.b]\nx = 1\n", Some("a.b")), None);
    }

    #[test]
    fn anything_it_cannot_prove_is_left_to_the_full_parse() {
        let p = "[profiles.p]\nprovider = \"onepassword\"\nclient_id = \"x\"\n";
        for text in [
            format!("{p}[profiles.q]\nnote = \"\"\"\n[profiles.p]\n\"\"\"\n"),
            format!("{p}[profiles.q]\nnote = '''\n[profiles.p]\n'''\n"),
            format!("profiles.p.scope = \"x\"\n{p}"),
            "profiles = { p = { provider = \"onepassword\", client_id = \"x\" } }\n".to_string(),
            format!("[profiles]\n{p}"),
            format!("{p}[[profiles.q.x]]\n"),
            format!("{p}[other]\n"),
            format!("{p}[profiles.\"q\\u0070\"]\n"),
            format!("{p}[profiles.q\n"),
            format!("{p}[profiles.q] x\n"),
            format!("{p}[profiles.q]\nx = [\n  [1],\n]\n"),
            format!("unknown = 1\n{p}"),
            format!("default_profile = \"p\"\ndefault_profile = \"p\"\n{p}"),
            format!("default_profile = \"nope\"\n{p}"),
            format!("default_profile = \"p\\n\"\n{p}"),
            format!("# bell \u{7}\n{p}"),
        ] {
            assert_eq!(tables(&text, Some("p")), None, "{text}");
        }
        assert_eq!(tables(p, Some("q")), None, "no such profile");
        assert_eq!(tables(p, None), None, "no profile named, no default");
    }

    #[test]
    fn a_profile_broken_elsewhere_does_not_matter() {
        let text = format!(
            "{}[profiles.bad]\nprovider = \"onepassword\"\ntenent = \"t\"\n[profiles.\"not valid\"]\n",
            profile_of(0)
        );
        assert!(profile(Path::new(PATH), &text, Some("p0")).is_some());
        // The broken profile itself is the full parse's to report.
        assert!(profile(Path::new(PATH), &text, Some("bad")).is_none());
    }

    #[test]
    fn duplicated_tables_of_the_profile_are_refused_as_toml_refuses_them() {
        let text = format!("{}{}{}", profile_of(0), profile_of(1), profile_of(0));
        assert!(locate(&text, Some("p0")).is_some());
        assert!(profile(Path::new(PATH), &text, Some("p0")).is_none());
        assert!(crate::config::parse(Path::new(PATH), &text).is_err());
    }

    #[test]
    fn brackets_inside_values_are_not_headers() {
        let text = "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://[::1]:8443/t\"\nclient_id = \"x\"\n[profiles.q]\n";
        let p = profile(Path::new(PATH), text, Some("p")).expect("p");
        assert_eq!(p.endpoint().url, "https://[::1]:8443/t");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// A key line of a generated profile: valid, broken, or odd but still TOML.
        fn key_line() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("scope = \"api.read\"\n".to_string()),
                Just("cache = false\n".to_string()),
                Just("auth_method = \"post\"\n".to_string()),
                Just("tenent = \"typo\"\n".to_string()),
                Just("client_secret_env = \"MY_SECRET\"\n".to_string()),
                Just("# a comment with [profiles.p0] in it\n".to_string()),
                Just("ca_file = \"certs/ca.pem\"\n".to_string()),
                Just("token_url = \"https://[::1]:8443/other\"\n".to_string()),
                Just("  \n".to_string()),
                "[a-z_]{1,8} = \"[ -!#-\\[\\]-~]{0,12}\"\n",
            ]
        }

        /// One table: a profile's main table (with provider and keys) or its params.
        fn table() -> impl Strategy<Value = String> {
            (
                0..4usize,
                prop_oneof![
                    Just("[profiles.{}]\n"),
                    Just("[ profiles . \"{}\" ]\n"),
                    Just("['profiles'.{}]\r\n"),
                    Just("[profiles.{}.params]\n"),
                ],
                prop_oneof![
                    Just("provider = \"oauth2\"\n"),
                    Just("provider = \"onepassword\"\n"),
                    Just(""),
                ],
                proptest::collection::vec(key_line(), 0..4),
            )
                .prop_map(|(i, header, provider, keys)| {
                    let mut t = header.replace("{}", &format!("p{i}"));
                    if !header.contains("params") {
                        t.push_str(provider);
                        t.push_str(&format!("client_id = \"c{i}\"\n"));
                        t.push_str(&format!("token_url = \"https://idp.example/{i}\"\n"));
                    }
                    t.extend(keys);
                    t
                })
        }

        fn config() -> impl Strategy<Value = String> {
            (
                prop_oneof![
                    Just(String::new()),
                    (0..5usize).prop_map(|i| format!("default_profile = \"p{i}\"\n")),
                    Just("# header\n\n".to_string()),
                ],
                proptest::collection::vec(table(), 0..8),
            )
                .prop_map(|(top, tables)| top + &tables.concat())
        }

        proptest! {
            /// Arbitrary text never panics the scan.
            #[test]
            fn arbitrary_text_never_panics(text in "\\PC{0,200}", name in "[a-z0-9.]{0,6}") {
                let _ = locate(&text, Some(&name));
                let _ = profile(Path::new(PATH), &text, None);
            }

            /// Arbitrary text made of config-like pieces never panics the scan either.
            #[test]
            fn config_like_text_never_panics(
                pieces in proptest::collection::vec(
                    prop_oneof![
                        Just("["), Just("]"), Just("\n"), Just("\""), Just("'"), Just("."),
                        Just("profiles"), Just("p0"), Just(" "), Just("#"), Just("="),
                        Just("default_profile"), Just("\r"), Just("\\"), Just("é"),
                    ],
                    0..60,
                ),
                wanted in proptest::option::of(Just("p0")),
            ) {
                let _ = profile(Path::new(PATH), &pieces.concat(), wanted);
            }

            /// Fed in pieces of whole lines, as the reader hands a file over, the scan finds
            /// exactly what it finds in the whole text.
            #[test]
            fn pieces_of_whole_lines_scan_as_the_whole(
                text in config(),
                cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
                i in 0..5usize,
            ) {
                let wanted = format!("p{i}");
                let newlines: Vec<usize> =
                    text.match_indices('\n').map(|(at, _)| at + 1).collect();
                let mut at: Vec<usize> = cuts
                    .iter()
                    .filter(|_| !newlines.is_empty())
                    .map(|c| newlines[c.index(newlines.len())])
                    .collect();
                at.sort_unstable();
                at.dedup();
                for w in [Some(wanted.as_str()), None] {
                    let mut scanner = Scanner::new(w);
                    let mut from = 0;
                    for &cut in at.iter().chain([text.len()].iter()) {
                        scanner.lines(&text[from..cut]);
                        from = cut;
                    }
                    prop_assert_eq!(scanner.finish(), locate(&text, w));
                }
            }

            /// Where the scan answers, it gives exactly the profile the whole file gives.
            #[test]
            fn the_scan_agrees_with_the_full_parse(text in config(), i in 0..5usize) {
                let path = Path::new(PATH);
                let wanted = format!("p{i}");
                for w in [Some(wanted.as_str()), None] {
                    let Some(fast) = profile(path, &text, w) else { continue };
                    let full = crate::config::parse(path, &text);
                    let full = full.as_ref().map_err(|e| e.message.clone());
                    // Only a TOML error elsewhere (a duplicated table or key of another
                    // profile) may make the whole file fail where the scan answered.
                    let full = match full {
                        Ok(full) => full,
                        Err(e) => {
                            prop_assert!(e.contains("invalid TOML"), "{}\n{}", e, text);
                            continue;
                        }
                    };
                    let chosen = if w.is_some() { Chosen::Argument } else { Chosen::Default };
                    let name = w.or(full.default_profile.as_deref());
                    let Some(name) = name else {
                        panic!("the scan answered without a profile name:\n{text}")
                    };
                    match full.profile(name, chosen) {
                        Ok(p) => prop_assert_eq!(&fast, p),
                        Err(e) => prop_assert!(false, "full parse: {}\n{}", e.message, text),
                    }
                }
            }
        }
    }
}
