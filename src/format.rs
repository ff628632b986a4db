//! The output formats of `get` (README "Using the token"), listed once: clap takes `-o`'s
//! values and their help from here, and the clap-free fast path the same names. Rendering is
//! `output`'s. Leaf.

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The token and a newline
    Raw,
    /// One JSON object: access_token, token_type, expires_in, expires_at, scope, profile
    Json,
    /// `Authorization: Bearer <token>`
    Header,
    /// A curl config for `curl -K -`: the headers an API call needs
    Curl,
    /// `export TOKFETCH_TOKEN='<token>'`, for eval
    Env,
    /// A Kubernetes ExecCredential, for a kubeconfig `exec:` entry
    ExecCredential,
}

impl Format {
    /// The format `-o NAME` names, exactly as clap reads it.
    pub fn named(name: &str) -> Option<Format> {
        <Format as clap::ValueEnum>::from_str(name, false).ok()
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
        assert_eq!(Format::named(""), None);
    }
}
