
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tokfetch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tokfetch'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tokfetch' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a valid token for a profile')
            [CompletionResult]::new('header', 'header', [CompletionResultType]::ParameterValue, 'Print `Authorization: Bearer <token>` (same as `get -o header`); a DPoP profile: `Authorization: DPoP` and `DPoP: <proof>`')
            [CompletionResult]::new('proof', 'proof', [CompletionResultType]::ParameterValue, 'Print a DPoP proof (RFC 9449) for one API request with a DPoP profile''s token')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the token in its environment, never on its command line')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Store, delete or check a profile''s secrets')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles: provider, endpoint, secrets present, cached token''s remaining lifetime')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'Add a profile to the config file, or remove one (comments and layout are kept)')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Manage the token cache')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show a profile and its cached token, offline (never the token or a secret)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check a profile''s set-up step by step: config, secrets, keyring, cache, network, clock')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'A git credential helper: `git config credential.https://HOST.helper "!tokfetch git-credential PROFILE"`')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in as a user: run a device_code or authorization_code profile''s login now')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Log out: revoke a user''s tokens (RFC 7009) and forget them')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;get' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'DPoP profiles: the HTTP method of the API request the proof is for')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'DPoP profiles: the URL of the API request the proof is for')
            [CompletionResult]::new('--nonce', '--nonce', [CompletionResultType]::ParameterName, 'DPoP profiles: the nonce the API server asked for (its `DPoP-Nonce` header)')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'Reuse a cached token only if it stays valid at least this long')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the whole fetch, all attempts included, after this long')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the token cache')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Fetch a new token even if a cached one is still valid, then cache it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokfetch;header' {
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'DPoP profiles: the HTTP method of the API request the proof is for')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'DPoP profiles: the URL of the API request the proof is for')
            [CompletionResult]::new('--nonce', '--nonce', [CompletionResultType]::ParameterName, 'DPoP profiles: the nonce the API server asked for (its `DPoP-Nonce` header)')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'Reuse a cached token only if it stays valid at least this long')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the whole fetch, all attempts included, after this long')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the token cache')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Fetch a new token even if a cached one is still valid, then cache it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;proof' {
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'The HTTP method of the API request (`htm`)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The URL of the API request (`htu`: without query and fragment)')
            [CompletionResult]::new('--nonce', '--nonce', [CompletionResultType]::ParameterName, 'The nonce the API server asked for (its `DPoP-Nonce` header)')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'Reuse a cached token only if it stays valid at least this long')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the whole fetch, all attempts included, after this long')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the token cache')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Fetch a new token even if a cached one is still valid, then cache it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;exec' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable to put the token in')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'Reuse a cached token only if it stays valid at least this long')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the whole fetch, all attempts included, after this long')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the token cache')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Fetch a new token even if a cached one is still valid, then cache it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;secret' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a secret in the OS keyring, read from a hidden prompt or from stdin')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a profile''s secret(s) from the OS keyring')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Report which secrets are present and where they come from (never their values)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;secret;set' {
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Which secret')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokfetch;secret;delete' {
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Which secret [default: all of the profile''s]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokfetch;secret;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;secret;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a secret in the OS keyring, read from a hidden prompt or from stdin')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a profile''s secret(s) from the OS keyring')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Report which secrets are present and where they come from (never their values)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;secret;help;set' {
            break
        }
        'tokfetch;secret;help;delete' {
            break
        }
        'tokfetch;secret;help;status' {
            break
        }
        'tokfetch;secret;help;help' {
            break
        }
        'tokfetch;profiles' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON array instead of a table')
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Only the names, one per line (for shell completion; reads no secret)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;profile' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a profile to the config (created if missing), then offer to store its secret')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a profile from the config, and its cached token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;profile;add' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Which provider the profile talks to')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The OAuth client id [prompted for on a terminal when missing]')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'The token endpoint; overrides the computed one (required where the provider has none)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'onepassword: the account''s region: com, ca or eu')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'onepassword: only "openid", sent only when set; configapi: the scope (tenant or host), by default the host; oauth2: sent as a form field when set; google: the OAuth scopes asked for, space separated (required unless target_audience is set)')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'andopen: production or staging')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'andopen: the tenant reference sent in the body (required)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'configapi: the host (and optional :port) serving /configapi/v2/oauth/token (required)')
            [CompletionResult]::new('--auth-method', '--auth-method', [CompletionResultType]::ParameterName, 'oauth2: how the client authenticates: basic (RFC 6749 §2.3.1), basic-unencoded (as curl --user), post, client_secret_jwt (HS256 assertion), private_key_jwt (signed assertion, RFC 7523), tls_client_auth (certificate, RFC 8705), federated (a CI or workload identity token) or none (a public client: token_exchange, jwt_bearer, device_code and authorization_code only)')
            [CompletionResult]::new('--grant', '--grant', [CompletionResultType]::ParameterName, 'oauth2: client_credentials, token_exchange (RFC 8693: trade assertion_source''s token for one of this server''s), jwt_bearer (RFC 7523 §2.1: a JWT signed with the private key, or assertion_source''s token, as the grant), or a user''s token: device_code (RFC 8628) or authorization_code (RFC 6749 §4.1 with PKCE, a loopback redirect); see tokfetch login')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'oauth2: the issuer URL; its discovery document (OpenID Connect, else RFC 8414) gives the token endpoint, instead of token_url')
            [CompletionResult]::new('--authorization-url', '--authorization-url', [CompletionResultType]::ParameterName, 'oauth2: authorization_code: the authorization endpoint the browser opens (else from issuer''s discovery document)')
            [CompletionResult]::new('--device-authorization-url', '--device-authorization-url', [CompletionResultType]::ParameterName, 'oauth2: device_code: the device authorization endpoint (RFC 8628 §3.1; else from issuer''s discovery document)')
            [CompletionResult]::new('--revocation-url', '--revocation-url', [CompletionResultType]::ParameterName, 'oauth2: device_code, authorization_code: where tokfetch logout revokes the tokens (RFC 7009; else from issuer''s discovery document)')
            [CompletionResult]::new('--redirect-port', '--redirect-port', [CompletionResultType]::ParameterName, 'oauth2: authorization_code: the loopback port of the redirect http://127.0.0.1:PORT/callback (default: any free port)')
            [CompletionResult]::new('--private-key-file', '--private-key-file', [CompletionResultType]::ParameterName, 'oauth2: PEM private key (PKCS#8, PKCS#1 or SEC1) for private_key_jwt, tls_client_auth or the jwt_bearer grant; must not be readable by others')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'oauth2: the `kid` header of signed assertions: the key''s id as registered with the server')
            [CompletionResult]::new('--signing-alg', '--signing-alg', [CompletionResultType]::ParameterName, 'oauth2: RS256 or PS256 (RSA keys), ES256 (P-256), EdDSA (Ed25519); default: from the key')
            [CompletionResult]::new('--client-cert-file', '--client-cert-file', [CompletionResultType]::ParameterName, 'oauth2: PEM certificate chain, leaf first: the TLS client certificate (tls_client_auth), or the x5t thumbprints of private_key_jwt assertions')
            [CompletionResult]::new('--assertion-source', '--assertion-source', [CompletionResultType]::ParameterName, 'oauth2: where federated, token_exchange (and jwt_bearer, instead of signing) get their identity token: github-actions, env:VAR or file:PATH')
            [CompletionResult]::new('--assertion-audience', '--assertion-audience', [CompletionResultType]::ParameterName, 'oauth2: the `aud` of signed assertions (default: the token endpoint), and the audience asked of github-actions')
            [CompletionResult]::new('--assertion-issuer', '--assertion-issuer', [CompletionResultType]::ParameterName, 'oauth2: jwt_bearer: the `iss` of the signed assertion (default: client_id)')
            [CompletionResult]::new('--assertion-subject', '--assertion-subject', [CompletionResultType]::ParameterName, 'oauth2: jwt_bearer: the `sub` of the signed assertion, the user or account the token is for (default: the issuer)')
            [CompletionResult]::new('--dpop', '--dpop', [CompletionResultType]::ParameterName, 'oauth2: true: bind each token to a fresh key pair with DPoP (RFC 9449); using it then needs a proof per request (tokfetch proof)')
            [CompletionResult]::new('--dpop-alg', '--dpop-alg', [CompletionResultType]::ParameterName, 'oauth2: the DPoP key''s algorithm: ES256 (P-256), EdDSA (Ed25519) or PS256 (RSA 2048)')
            [CompletionResult]::new('--credentials-file', '--credentials-file', [CompletionResultType]::ParameterName, 'google: the service account''s JSON key file, as Google Cloud hands it out (else the secret field credentials_json); must not be readable by others')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'google: domain-wide delegation: the user the service account acts as (the assertion''s sub)')
            [CompletionResult]::new('--target-audience', '--target-audience', [CompletionResultType]::ParameterName, 'google: ask for an ID token for this audience (Cloud Run, IAP: the service''s URL) instead of an access token')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--default', '--default', [CompletionResultType]::ParameterName, 'Also make it the default_profile')
            [CompletionResult]::new('--no-secret', '--no-secret', [CompletionResultType]::ParameterName, 'Do not offer to store the secret now')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokfetch;profile;remove' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;profile;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a profile to the config (created if missing), then offer to store its secret')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a profile from the config, and its cached token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;profile;help;add' {
            break
        }
        'tokfetch;profile;help;remove' {
            break
        }
        'tokfetch;profile;help;help' {
            break
        }
        'tokfetch;cache' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Forget cached tokens (of one profile, or all)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;cache;clear' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;cache;help' {
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Forget cached tokens (of one profile, or all)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;cache;help;clear' {
            break
        }
        'tokfetch;cache;help;help' {
            break
        }
        'tokfetch;inspect' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Skip the network checks (DNS, TCP, TLS, clock, discovery)')
            [CompletionResult]::new('--fetch', '--fetch', [CompletionResultType]::ParameterName, 'Also make one real token request (not cached; the token is never printed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;git-credential' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;login' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the login after this long')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the authorization URL instead of opening a browser (then paste the URL the browser ends on)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;logout' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the revocation after this long')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what tokfetch does, on stderr (secrets and tokens are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no hints, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokfetch;help' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a valid token for a profile')
            [CompletionResult]::new('header', 'header', [CompletionResultType]::ParameterValue, 'Print `Authorization: Bearer <token>` (same as `get -o header`); a DPoP profile: `Authorization: DPoP` and `DPoP: <proof>`')
            [CompletionResult]::new('proof', 'proof', [CompletionResultType]::ParameterValue, 'Print a DPoP proof (RFC 9449) for one API request with a DPoP profile''s token')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the token in its environment, never on its command line')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Store, delete or check a profile''s secrets')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles: provider, endpoint, secrets present, cached token''s remaining lifetime')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'Add a profile to the config file, or remove one (comments and layout are kept)')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Manage the token cache')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show a profile and its cached token, offline (never the token or a secret)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check a profile''s set-up step by step: config, secrets, keyring, cache, network, clock')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'A git credential helper: `git config credential.https://HOST.helper "!tokfetch git-credential PROFILE"`')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in as a user: run a device_code or authorization_code profile''s login now')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Log out: revoke a user''s tokens (RFC 7009) and forget them')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokfetch;help;get' {
            break
        }
        'tokfetch;help;header' {
            break
        }
        'tokfetch;help;proof' {
            break
        }
        'tokfetch;help;exec' {
            break
        }
        'tokfetch;help;secret' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a secret in the OS keyring, read from a hidden prompt or from stdin')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a profile''s secret(s) from the OS keyring')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Report which secrets are present and where they come from (never their values)')
            break
        }
        'tokfetch;help;secret;set' {
            break
        }
        'tokfetch;help;secret;delete' {
            break
        }
        'tokfetch;help;secret;status' {
            break
        }
        'tokfetch;help;profiles' {
            break
        }
        'tokfetch;help;profile' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a profile to the config (created if missing), then offer to store its secret')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a profile from the config, and its cached token')
            break
        }
        'tokfetch;help;profile;add' {
            break
        }
        'tokfetch;help;profile;remove' {
            break
        }
        'tokfetch;help;cache' {
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Forget cached tokens (of one profile, or all)')
            break
        }
        'tokfetch;help;cache;clear' {
            break
        }
        'tokfetch;help;inspect' {
            break
        }
        'tokfetch;help;doctor' {
            break
        }
        'tokfetch;help;git-credential' {
            break
        }
        'tokfetch;help;login' {
            break
        }
        'tokfetch;help;logout' {
            break
        }
        'tokfetch;help;completions' {
            break
        }
        'tokfetch;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
