//! The output formats of `get` (README "Using the token"), listed once: clap takes `-o`'s
//! values and their help from here, and the clap-free fast path the same names. Rendering is
//! `output`'s. Leaf.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Raw,
    Json,
    Header,
    Curl,
    Env,
    ExecCredential,
}

/// Each format, its `-o` name and its help: the one list clap and the fast path read.
const FORMATS: [(Format, &str, &str); 6] = [
    (Format::Raw, "raw", "The token and a newline"),
    (
        Format::Json,
        "json",
        "One JSON object: access_token, token_type, expires_in, expires_at, scope, profile",
    ),
    (Format::Header, "header", "`Authorization: Bearer <token>`"),
    (
        Format::Curl,
        "curl",
        "A curl config for `curl -K -`: the headers an API call needs",
    ),
    (
        Format::Env,
        "env",
        "`export TOKFETCH_TOKEN='<token>'`, for eval",
    ),
    (
        Format::ExecCredential,
        "exec-credential",
        "A Kubernetes ExecCredential, for a kubeconfig `exec:` entry",
    ),
];

const ALL: [Format; 6] = [
    Format::Raw,
    Format::Json,
    Format::Header,
    Format::Curl,
    Format::Env,
    Format::ExecCredential,
];

impl Format {
    /// The format `-o NAME` names, as clap reads it (exact, case-sensitive), without building
    /// clap's values: the fast path asks on every cached `get -o …`.
    pub fn named(name: &str) -> Option<Format> {
        FORMATS
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(f, _, _)| *f)
    }

    fn entry(self) -> (&'static str, &'static str) {
        FORMATS
            .iter()
            .find(|(f, _, _)| *f == self)
            .map_or(("", ""), |(_, n, h)| (*n, *h))
    }
}

impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let (name, help) = self.entry();
        Some(clap::builder::PossibleValue::new(name).help(help))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_clap_s() {
        for f in <Format as clap::ValueEnum>::value_variants() {
            let name = clap::ValueEnum::to_possible_value(f).map(|v| v.get_name().to_string());
            assert_eq!(name.as_deref().and_then(Format::named), Some(*f));
        }
        assert_eq!(
            Format::named("exec-credential"),
            Some(Format::ExecCredential)
        );
        assert_eq!(Format::named("JSON"), None);
        assert_eq!(
            <Format as clap::ValueEnum>::from_str("json", false),
            Ok(Format::Json)
        );
        assert_eq!(ALL.len(), FORMATS.len());
        assert_eq!(Format::named(""), None);
    }
}
