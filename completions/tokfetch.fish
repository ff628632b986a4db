# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tokfetch_global_optspecs
    string join \n config= v/verbose q/quiet h/help V/version
end

function __fish_tokfetch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tokfetch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tokfetch_using_subcommand
    set -l cmd (__fish_tokfetch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tokfetch -n "__fish_tokfetch_needs_command" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_needs_command" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -s V -l version -d 'Print version'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "get" -d 'Print a valid token for a profile'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "header" -d 'Print `Authorization: Bearer <token>` (same as `get -o header`); a DPoP profile: `Authorization: DPoP` and `DPoP: <proof>`'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "proof" -d 'Print a DPoP proof (RFC 9449) for one API request with a DPoP profile\'s token'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "exec" -d 'Run a command with the token in its environment, never on its command line'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "secret" -d 'Store, delete or check a profile\'s secrets'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "profiles" -d 'List profiles: provider, endpoint, secrets present, cached token\'s remaining lifetime'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "profile" -d 'Add a profile to the config file, or remove one (comments and layout are kept)'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "cache" -d 'Manage the token cache'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "inspect" -d 'Show a profile and its cached token, offline (never the token or a secret)'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "doctor" -d 'Check a profile\'s set-up step by step: config, secrets, keyring, cache, network, clock'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "git-credential" -d 'A git credential helper: `git config credential.https://HOST.helper "!tokfetch git-credential PROFILE"`'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "login" -d 'Log in as a user: run a device_code or authorization_code profile\'s login now'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "logout" -d 'Log out: revoke a user\'s tokens (RFC 7009) and forget them'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c tokfetch -n "__fish_tokfetch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -s o -l output -d 'Output format' -r -f -a "raw\t'The token and a newline'
json\t'One JSON object: access_token, token_type, expires_in, expires_at, scope, profile'
header\t'`Authorization: Bearer <token>`'
curl\t'A curl config for `curl -K -`: the headers an API call needs'
env\t'`export TOKFETCH_TOKEN=\'<token>\'`, for eval'
exec-credential\t'A Kubernetes ExecCredential, for a kubeconfig `exec:` entry'"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l method -d 'DPoP profiles: the HTTP method of the API request the proof is for' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l url -d 'DPoP profiles: the URL of the API request the proof is for' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l nonce -d 'DPoP profiles: the nonce the API server asked for (its `DPoP-Nonce` header)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l min-ttl -d 'Reuse a cached token only if it stays valid at least this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l timeout -d 'Give up on the whole fetch, all attempts included, after this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l no-cache -d 'Neither read nor write the token cache'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -l refresh -d 'Fetch a new token even if a cached one is still valid, then cache it'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l method -d 'DPoP profiles: the HTTP method of the API request the proof is for' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l url -d 'DPoP profiles: the URL of the API request the proof is for' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l nonce -d 'DPoP profiles: the nonce the API server asked for (its `DPoP-Nonce` header)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l min-ttl -d 'Reuse a cached token only if it stays valid at least this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l timeout -d 'Give up on the whole fetch, all attempts included, after this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l no-cache -d 'Neither read nor write the token cache'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -l refresh -d 'Fetch a new token even if a cached one is still valid, then cache it'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand header" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l method -d 'The HTTP method of the API request (`htm`)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l url -d 'The URL of the API request (`htu`: without query and fragment)' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l nonce -d 'The nonce the API server asked for (its `DPoP-Nonce` header)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l min-ttl -d 'Reuse a cached token only if it stays valid at least this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l timeout -d 'Give up on the whole fetch, all attempts included, after this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l no-cache -d 'Neither read nor write the token cache'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -l refresh -d 'Fetch a new token even if a cached one is still valid, then cache it'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand proof" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -l env -d 'Environment variable to put the token in' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -l min-ttl -d 'Reuse a cached token only if it stays valid at least this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -l timeout -d 'Give up on the whole fetch, all attempts included, after this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -l no-cache -d 'Neither read nor write the token cache'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -l refresh -d 'Fetch a new token even if a cached one is still valid, then cache it'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand exec" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -f -a "set" -d 'Store a secret in the OS keyring, read from a hidden prompt or from stdin'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -f -a "delete" -d 'Remove a profile\'s secret(s) from the OS keyring'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -f -a "status" -d 'Report which secrets are present and where they come from (never their values)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and not __fish_seen_subcommand_from set delete status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from set" -l field -d 'Which secret' -r -f -a "client_secret\t'The OAuth client secret (onepassword, andopen, configapi, oauth2)'
api_key\t'The API key sent with every call (andopen)'
private_key\t'A PEM private key for private_key_jwt, tls_client_auth or jwt_bearer, read from stdin (oauth2)'
credentials_json\t'A Google service account\'s JSON key (provider google), read from stdin (google)'"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from set" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from delete" -l field -d 'Which secret [default: all of the profile\'s]' -r -f -a "client_secret\t'The OAuth client secret (onepassword, andopen, configapi, oauth2)'
api_key\t'The API key sent with every call (andopen)'
private_key\t'A PEM private key for private_key_jwt, tls_client_auth or jwt_bearer, read from stdin (oauth2)'
credentials_json\t'A Google service account\'s JSON key (provider google), read from stdin (google)'"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from delete" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from status" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "set" -d 'Store a secret in the OS keyring, read from a hidden prompt or from stdin'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Remove a profile\'s secret(s) from the OS keyring'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "status" -d 'Report which secrets are present and where they come from (never their values)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profiles" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profiles" -l json -d 'One JSON array instead of a table'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profiles" -l names -d 'Only the names, one per line (for shell completion; reads no secret)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profiles" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profiles" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profiles" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and not __fish_seen_subcommand_from add remove help" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and not __fish_seen_subcommand_from add remove help" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and not __fish_seen_subcommand_from add remove help" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and not __fish_seen_subcommand_from add remove help" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and not __fish_seen_subcommand_from add remove help" -f -a "add" -d 'Add a profile to the config (created if missing), then offer to store its secret'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and not __fish_seen_subcommand_from add remove help" -f -a "remove" -d 'Remove a profile from the config, and its cached token'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and not __fish_seen_subcommand_from add remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l provider -d 'Which provider the profile talks to' -r -f -a "onepassword\t'1Password Users API'
andopen\t'&Open API'
configapi\t'configapi v2'
oauth2\t'Any RFC 6749 server (Okta, Auth0, Keycloak, Entra ID, …)'
google\t'Google service accounts (JSON key; access or ID tokens)'"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l client-id -d 'The OAuth client id [prompted for on a terminal when missing]' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l token-url -d 'The token endpoint; overrides the computed one (required where the provider has none)' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l region -d 'onepassword: the account\'s region: com, ca or eu' -r -f -a "com\t''
ca\t''
eu\t''"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l scope -d 'onepassword: only "openid", sent only when set; configapi: the scope (tenant or host), by default the host; oauth2: sent as a form field when set; google: the OAuth scopes asked for, space separated (required unless target_audience is set)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l environment -d 'andopen: production or staging' -r -f -a "production\t''
staging\t''"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l tenant -d 'andopen: the tenant reference sent in the body (required)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l host -d 'configapi: the host (and optional :port) serving /configapi/v2/oauth/token (required)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l auth-method -d 'oauth2: how the client authenticates: basic (RFC 6749 §2.3.1), basic-unencoded (as curl --user), post, client_secret_jwt (HS256 assertion), private_key_jwt (signed assertion, RFC 7523), tls_client_auth (certificate, RFC 8705), federated (a CI or workload identity token) or none (a public client: token_exchange, jwt_bearer, device_code and authorization_code only)' -r -f -a "basic\t''
basic-unencoded\t''
post\t''
client_secret_jwt\t''
private_key_jwt\t''
tls_client_auth\t''
federated\t''
none\t''"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l grant -d 'oauth2: client_credentials, token_exchange (RFC 8693: trade assertion_source\'s token for one of this server\'s), jwt_bearer (RFC 7523 §2.1: a JWT signed with the private key, or assertion_source\'s token, as the grant), or a user\'s token: device_code (RFC 8628) or authorization_code (RFC 6749 §4.1 with PKCE, a loopback redirect); see tokfetch login' -r -f -a "client_credentials\t''
token_exchange\t''
jwt_bearer\t''
device_code\t''
authorization_code\t''"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l issuer -d 'oauth2: the issuer URL; its discovery document (OpenID Connect, else RFC 8414) gives the token endpoint, instead of token_url' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l authorization-url -d 'oauth2: authorization_code: the authorization endpoint the browser opens (else from issuer\'s discovery document)' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l device-authorization-url -d 'oauth2: device_code: the device authorization endpoint (RFC 8628 §3.1; else from issuer\'s discovery document)' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l revocation-url -d 'oauth2: device_code, authorization_code: where tokfetch logout revokes the tokens (RFC 7009; else from issuer\'s discovery document)' -r -f
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l redirect-port -d 'oauth2: authorization_code: the loopback port of the redirect http://127.0.0.1:PORT/callback (default: any free port)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l private-key-file -d 'oauth2: PEM private key (PKCS#8, PKCS#1 or SEC1) for private_key_jwt, tls_client_auth or the jwt_bearer grant; must not be readable by others' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l key-id -d 'oauth2: the `kid` header of signed assertions: the key\'s id as registered with the server' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l signing-alg -d 'oauth2: RS256 or PS256 (RSA keys), ES256 (P-256), EdDSA (Ed25519); default: from the key' -r -f -a "RS256\t''
PS256\t''
ES256\t''
EdDSA\t''"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l client-cert-file -d 'oauth2: PEM certificate chain, leaf first: the TLS client certificate (tls_client_auth), or the x5t thumbprints of private_key_jwt assertions' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l assertion-source -d 'oauth2: where federated, token_exchange (and jwt_bearer, instead of signing) get their identity token: github-actions, env:VAR or file:PATH' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l assertion-audience -d 'oauth2: the `aud` of signed assertions (default: the token endpoint), and the audience asked of github-actions' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l assertion-issuer -d 'oauth2: jwt_bearer: the `iss` of the signed assertion (default: client_id)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l assertion-subject -d 'oauth2: jwt_bearer: the `sub` of the signed assertion, the user or account the token is for (default: the issuer)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l dpop -d 'oauth2: true: bind each token to a fresh key pair with DPoP (RFC 9449); using it then needs a proof per request (tokfetch proof)' -r -f -a "true\t''
false\t''"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l dpop-alg -d 'oauth2: the DPoP key\'s algorithm: ES256 (P-256), EdDSA (Ed25519) or PS256 (RSA 2048)' -r -f -a "ES256\t''
EdDSA\t''
PS256\t''"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l credentials-file -d 'google: the service account\'s JSON key file, as Google Cloud hands it out (else the secret field credentials_json); must not be readable by others' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l subject -d 'google: domain-wide delegation: the user the service account acts as (the assertion\'s sub)' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l target-audience -d 'google: ask for an ID token for this audience (Cloud Run, IAP: the service\'s URL) instead of an access token' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l default -d 'Also make it the default_profile'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -l no-secret -d 'Do not offer to store the secret now'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from remove" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a profile to the config (created if missing), then offer to store its secret'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a profile from the config, and its cached token'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and not __fish_seen_subcommand_from clear help" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and not __fish_seen_subcommand_from clear help" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and not __fish_seen_subcommand_from clear help" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and not __fish_seen_subcommand_from clear help" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and not __fish_seen_subcommand_from clear help" -f -a "clear" -d 'Forget cached tokens (of one profile, or all)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and not __fish_seen_subcommand_from clear help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from clear" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from clear" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from clear" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Forget cached tokens (of one profile, or all)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand inspect" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand inspect" -l json -d 'One JSON object instead of text'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand inspect" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand inspect" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand doctor" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand doctor" -l offline -d 'Skip the network checks (DNS, TCP, TLS, clock, discovery)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand doctor" -l fetch -d 'Also make one real token request (not cached; the token is never printed)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand doctor" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand doctor" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand git-credential" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand git-credential" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand git-credential" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand git-credential" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand login" -l timeout -d 'Give up on the login after this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand login" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand login" -l no-browser -d 'Print the authorization URL instead of opening a browser (then paste the URL the browser ends on)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand login" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand login" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand login" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand logout" -l timeout -d 'Give up on the revocation after this long' -r
complete -c tokfetch -n "__fish_tokfetch_using_subcommand logout" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand logout" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand logout" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand logout" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand completions" -l config -d 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]' -r -F
complete -c tokfetch -n "__fish_tokfetch_using_subcommand completions" -s v -l verbose -d 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand completions" -s q -l quiet -d 'Print nothing but errors: no hints, no notes'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand completions" -s h -l help -d 'Print help'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "get" -d 'Print a valid token for a profile'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "header" -d 'Print `Authorization: Bearer <token>` (same as `get -o header`); a DPoP profile: `Authorization: DPoP` and `DPoP: <proof>`'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "proof" -d 'Print a DPoP proof (RFC 9449) for one API request with a DPoP profile\'s token'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "exec" -d 'Run a command with the token in its environment, never on its command line'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "secret" -d 'Store, delete or check a profile\'s secrets'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "profiles" -d 'List profiles: provider, endpoint, secrets present, cached token\'s remaining lifetime'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "profile" -d 'Add a profile to the config file, or remove one (comments and layout are kept)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "cache" -d 'Manage the token cache'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "inspect" -d 'Show a profile and its cached token, offline (never the token or a secret)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "doctor" -d 'Check a profile\'s set-up step by step: config, secrets, keyring, cache, network, clock'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "git-credential" -d 'A git credential helper: `git config credential.https://HOST.helper "!tokfetch git-credential PROFILE"`'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "login" -d 'Log in as a user: run a device_code or authorization_code profile\'s login now'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "logout" -d 'Log out: revoke a user\'s tokens (RFC 7009) and forget them'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "completions" -d 'Print shell completions'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and not __fish_seen_subcommand_from get header proof exec secret profiles profile cache inspect doctor git-credential login logout completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "set" -d 'Store a secret in the OS keyring, read from a hidden prompt or from stdin'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "delete" -d 'Remove a profile\'s secret(s) from the OS keyring'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "status" -d 'Report which secrets are present and where they come from (never their values)'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "add" -d 'Add a profile to the config (created if missing), then offer to store its secret'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "remove" -d 'Remove a profile from the config, and its cached token'
complete -c tokfetch -n "__fish_tokfetch_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "clear" -d 'Forget cached tokens (of one profile, or all)'

# Profile names, completed from the config by tokfetch itself (honours --config).
function __fish_tokfetch_profiles
    set -l cfg
    set -l tokens (commandline -opc)
    if set -l i (contains -i -- --config $tokens)
        set cfg --config $tokens[(math $i + 1)]
    end
    tokfetch $cfg profiles --names 2>/dev/null
end
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get header proof exec inspect doctor git-credential login logout" -f -a "(__fish_tokfetch_profiles)"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from set delete status" -f -a "(__fish_tokfetch_profiles)"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from clear" -f -a "(__fish_tokfetch_profiles)"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from remove" -f -a "(__fish_tokfetch_profiles)"
