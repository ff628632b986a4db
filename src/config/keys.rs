//! The keys every profile accepts, whatever its provider (README "Configuration reference").
//! Each provider's own keys are in its module (`provider::*`).

use crate::provider::{KeyKind, KeySpec};
use crate::secret::Field;

/// The keys every profile accepts, whatever its provider.
pub const COMMON_KEYS: &[KeySpec] = &[
    KeySpec {
        name: "provider",
        help: "onepassword, andopen, configapi, oauth2 or google",
        kind: KeyKind::Text,
        required: true,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "client_id",
        help: "the OAuth client id (not for google: the key names the service account)",
        kind: KeyKind::Text,
        required: true,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "token_url",
        help: "the token endpoint; overrides the computed one (required where the provider has none)",
        kind: KeyKind::Url,
        required: false,
        default: None,
        flag: true,
    },
    KeySpec {
        name: "allow_insecure_http",
        help: "allow a plain http:// token URL off loopback",
        kind: KeyKind::Bool,
        required: false,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "cache",
        help: "cache this profile's tokens",
        kind: KeyKind::Bool,
        required: false,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "ca_file",
        help: "PEM bundle of extra trusted roots (relative to the config file; ~/ allowed)",
        kind: KeyKind::Path,
        required: false,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "git_username",
        help: "the user name `git-credential` gives git with the token (default oauth2)",
        kind: KeyKind::Text,
        required: false,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "git_hosts",
        help: "the hosts `git-credential` answers for, e.g. [\"git.example.com\", \"git.example.com:8443\"] (default: every https host)",
        kind: KeyKind::Hosts,
        required: false,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "client_secret_env",
        help: "name of an environment variable holding the client secret",
        kind: KeyKind::EnvName(Field::ClientSecret),
        required: false,
        default: None,
        flag: false,
    },
];
