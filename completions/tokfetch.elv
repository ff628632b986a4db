
use builtin;
use str;

set edit:completion:arg-completer[tokfetch] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tokfetch'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tokfetch'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand get 'Print a valid token for a profile'
            cand header 'Print `Authorization: Bearer <token>` (same as `get -o header`); a DPoP profile: `Authorization: DPoP` and `DPoP: <proof>`'
            cand proof 'Print a DPoP proof (RFC 9449) for one API request with a DPoP profile''s token'
            cand exec 'Run a command with the token in its environment, never on its command line'
            cand secret 'Store, delete or check a profile''s secrets'
            cand profiles 'List profiles: provider, endpoint, secrets present, cached token''s remaining lifetime'
            cand profile 'Add a profile to the config file, or remove one (comments and layout are kept)'
            cand cache 'Manage the token cache'
            cand inspect 'Show a profile and its cached token, offline (never the token or a secret)'
            cand doctor 'Check a profile''s set-up step by step: config, secrets, keyring, cache, network, clock'
            cand git-credential 'A git credential helper: `git config credential.https://HOST.helper "!tokfetch git-credential PROFILE"`'
            cand login 'Log in as a user: run a device_code or authorization_code profile''s login now'
            cand logout 'Log out: revoke a user''s tokens (RFC 7009) and forget them'
            cand completions 'Print shell completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;get'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --method 'DPoP profiles: the HTTP method of the API request the proof is for'
            cand --url 'DPoP profiles: the URL of the API request the proof is for'
            cand --nonce 'DPoP profiles: the nonce the API server asked for (its `DPoP-Nonce` header)'
            cand --min-ttl 'Reuse a cached token only if it stays valid at least this long'
            cand --timeout 'Give up on the whole fetch, all attempts included, after this long'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --no-cache 'Neither read nor write the token cache'
            cand --refresh 'Fetch a new token even if a cached one is still valid, then cache it'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tokfetch;header'= {
            cand --method 'DPoP profiles: the HTTP method of the API request the proof is for'
            cand --url 'DPoP profiles: the URL of the API request the proof is for'
            cand --nonce 'DPoP profiles: the nonce the API server asked for (its `DPoP-Nonce` header)'
            cand --min-ttl 'Reuse a cached token only if it stays valid at least this long'
            cand --timeout 'Give up on the whole fetch, all attempts included, after this long'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --no-cache 'Neither read nor write the token cache'
            cand --refresh 'Fetch a new token even if a cached one is still valid, then cache it'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;proof'= {
            cand --method 'The HTTP method of the API request (`htm`)'
            cand --url 'The URL of the API request (`htu`: without query and fragment)'
            cand --nonce 'The nonce the API server asked for (its `DPoP-Nonce` header)'
            cand --min-ttl 'Reuse a cached token only if it stays valid at least this long'
            cand --timeout 'Give up on the whole fetch, all attempts included, after this long'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --no-cache 'Neither read nor write the token cache'
            cand --refresh 'Fetch a new token even if a cached one is still valid, then cache it'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;exec'= {
            cand --env 'Environment variable to put the token in'
            cand --min-ttl 'Reuse a cached token only if it stays valid at least this long'
            cand --timeout 'Give up on the whole fetch, all attempts included, after this long'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --no-cache 'Neither read nor write the token cache'
            cand --refresh 'Fetch a new token even if a cached one is still valid, then cache it'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;secret'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
            cand set 'Store a secret in the OS keyring, read from a hidden prompt or from stdin'
            cand delete 'Remove a profile''s secret(s) from the OS keyring'
            cand status 'Report which secrets are present and where they come from (never their values)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;secret;set'= {
            cand --field 'Which secret'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tokfetch;secret;delete'= {
            cand --field 'Which secret [default: all of the profile''s]'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tokfetch;secret;status'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;secret;help'= {
            cand set 'Store a secret in the OS keyring, read from a hidden prompt or from stdin'
            cand delete 'Remove a profile''s secret(s) from the OS keyring'
            cand status 'Report which secrets are present and where they come from (never their values)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;secret;help;set'= {
        }
        &'tokfetch;secret;help;delete'= {
        }
        &'tokfetch;secret;help;status'= {
        }
        &'tokfetch;secret;help;help'= {
        }
        &'tokfetch;profiles'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --json 'One JSON array instead of a table'
            cand --names 'Only the names, one per line (for shell completion; reads no secret)'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;profile'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Add a profile to the config (created if missing), then offer to store its secret'
            cand remove 'Remove a profile from the config, and its cached token'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;profile;add'= {
            cand --provider 'Which provider the profile talks to'
            cand --client-id 'The OAuth client id [prompted for on a terminal when missing]'
            cand --token-url 'The token endpoint; overrides the computed one (required where the provider has none)'
            cand --region 'onepassword: the account''s region: com, ca or eu'
            cand --scope 'onepassword: only "openid", sent only when set; configapi: the scope (tenant or host), by default the host; oauth2: sent as a form field when set; google: the OAuth scopes asked for, space separated (required unless target_audience is set)'
            cand --environment 'andopen: production or staging'
            cand --tenant 'andopen: the tenant reference sent in the body (required)'
            cand --host 'configapi: the host (and optional :port) serving /configapi/v2/oauth/token (required)'
            cand --auth-method 'oauth2: how the client authenticates: basic (RFC 6749 §2.3.1), basic-unencoded (as curl --user), post, client_secret_jwt (HS256 assertion), private_key_jwt (signed assertion, RFC 7523), tls_client_auth (certificate, RFC 8705), federated (a CI or workload identity token) or none (a public client: token_exchange, jwt_bearer, device_code and authorization_code only)'
            cand --grant 'oauth2: client_credentials, token_exchange (RFC 8693: trade assertion_source''s token for one of this server''s), jwt_bearer (RFC 7523 §2.1: a JWT signed with the private key, or assertion_source''s token, as the grant), or a user''s token: device_code (RFC 8628) or authorization_code (RFC 6749 §4.1 with PKCE, a loopback redirect); see tokfetch login'
            cand --issuer 'oauth2: the issuer URL; its discovery document (OpenID Connect, else RFC 8414) gives the token endpoint, instead of token_url'
            cand --authorization-url 'oauth2: authorization_code: the authorization endpoint the browser opens (else from issuer''s discovery document)'
            cand --device-authorization-url 'oauth2: device_code: the device authorization endpoint (RFC 8628 §3.1; else from issuer''s discovery document)'
            cand --revocation-url 'oauth2: device_code, authorization_code: where tokfetch logout revokes the tokens (RFC 7009; else from issuer''s discovery document)'
            cand --redirect-port 'oauth2: authorization_code: the loopback port of the redirect http://127.0.0.1:PORT/callback (default: any free port)'
            cand --private-key-file 'oauth2: PEM private key (PKCS#8, PKCS#1 or SEC1) for private_key_jwt, tls_client_auth or the jwt_bearer grant; must not be readable by others'
            cand --key-id 'oauth2: the `kid` header of signed assertions: the key''s id as registered with the server'
            cand --signing-alg 'oauth2: RS256 or PS256 (RSA keys), ES256 (P-256), EdDSA (Ed25519); default: from the key'
            cand --client-cert-file 'oauth2: PEM certificate chain, leaf first: the TLS client certificate (tls_client_auth), or the x5t thumbprints of private_key_jwt assertions'
            cand --assertion-source 'oauth2: where federated, token_exchange (and jwt_bearer, instead of signing) get their identity token: github-actions, env:VAR or file:PATH'
            cand --assertion-audience 'oauth2: the `aud` of signed assertions (default: the token endpoint), and the audience asked of github-actions'
            cand --assertion-issuer 'oauth2: jwt_bearer: the `iss` of the signed assertion (default: client_id)'
            cand --assertion-subject 'oauth2: jwt_bearer: the `sub` of the signed assertion, the user or account the token is for (default: the issuer)'
            cand --dpop 'oauth2: true: bind each token to a fresh key pair with DPoP (RFC 9449); using it then needs a proof per request (tokfetch proof)'
            cand --dpop-alg 'oauth2: the DPoP key''s algorithm: ES256 (P-256), EdDSA (Ed25519) or PS256 (RSA 2048)'
            cand --credentials-file 'google: the service account''s JSON key file, as Google Cloud hands it out (else the secret field credentials_json); must not be readable by others'
            cand --subject 'google: domain-wide delegation: the user the service account acts as (the assertion''s sub)'
            cand --target-audience 'google: ask for an ID token for this audience (Cloud Run, IAP: the service''s URL) instead of an access token'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --default 'Also make it the default_profile'
            cand --no-secret 'Do not offer to store the secret now'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tokfetch;profile;remove'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;profile;help'= {
            cand add 'Add a profile to the config (created if missing), then offer to store its secret'
            cand remove 'Remove a profile from the config, and its cached token'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;profile;help;add'= {
        }
        &'tokfetch;profile;help;remove'= {
        }
        &'tokfetch;profile;help;help'= {
        }
        &'tokfetch;cache'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
            cand clear 'Forget cached tokens (of one profile, or all)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;cache;clear'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;cache;help'= {
            cand clear 'Forget cached tokens (of one profile, or all)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;cache;help;clear'= {
        }
        &'tokfetch;cache;help;help'= {
        }
        &'tokfetch;inspect'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --json 'One JSON object instead of text'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;doctor'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --offline 'Skip the network checks (DNS, TCP, TLS, clock, discovery)'
            cand --fetch 'Also make one real token request (not cached; the token is never printed)'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;git-credential'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;login'= {
            cand --timeout 'Give up on the login after this long'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand --no-browser 'Print the authorization URL instead of opening a browser (then paste the URL the browser ends on)'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;logout'= {
            cand --timeout 'Give up on the revocation after this long'
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;completions'= {
            cand --config 'Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]'
            cand -v 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand --verbose 'Say what tokfetch does, on stderr (secrets and tokens are never shown)'
            cand -q 'Print nothing but errors: no hints, no notes'
            cand --quiet 'Print nothing but errors: no hints, no notes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokfetch;help'= {
            cand get 'Print a valid token for a profile'
            cand header 'Print `Authorization: Bearer <token>` (same as `get -o header`); a DPoP profile: `Authorization: DPoP` and `DPoP: <proof>`'
            cand proof 'Print a DPoP proof (RFC 9449) for one API request with a DPoP profile''s token'
            cand exec 'Run a command with the token in its environment, never on its command line'
            cand secret 'Store, delete or check a profile''s secrets'
            cand profiles 'List profiles: provider, endpoint, secrets present, cached token''s remaining lifetime'
            cand profile 'Add a profile to the config file, or remove one (comments and layout are kept)'
            cand cache 'Manage the token cache'
            cand inspect 'Show a profile and its cached token, offline (never the token or a secret)'
            cand doctor 'Check a profile''s set-up step by step: config, secrets, keyring, cache, network, clock'
            cand git-credential 'A git credential helper: `git config credential.https://HOST.helper "!tokfetch git-credential PROFILE"`'
            cand login 'Log in as a user: run a device_code or authorization_code profile''s login now'
            cand logout 'Log out: revoke a user''s tokens (RFC 7009) and forget them'
            cand completions 'Print shell completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokfetch;help;get'= {
        }
        &'tokfetch;help;header'= {
        }
        &'tokfetch;help;proof'= {
        }
        &'tokfetch;help;exec'= {
        }
        &'tokfetch;help;secret'= {
            cand set 'Store a secret in the OS keyring, read from a hidden prompt or from stdin'
            cand delete 'Remove a profile''s secret(s) from the OS keyring'
            cand status 'Report which secrets are present and where they come from (never their values)'
        }
        &'tokfetch;help;secret;set'= {
        }
        &'tokfetch;help;secret;delete'= {
        }
        &'tokfetch;help;secret;status'= {
        }
        &'tokfetch;help;profiles'= {
        }
        &'tokfetch;help;profile'= {
            cand add 'Add a profile to the config (created if missing), then offer to store its secret'
            cand remove 'Remove a profile from the config, and its cached token'
        }
        &'tokfetch;help;profile;add'= {
        }
        &'tokfetch;help;profile;remove'= {
        }
        &'tokfetch;help;cache'= {
            cand clear 'Forget cached tokens (of one profile, or all)'
        }
        &'tokfetch;help;cache;clear'= {
        }
        &'tokfetch;help;inspect'= {
        }
        &'tokfetch;help;doctor'= {
        }
        &'tokfetch;help;git-credential'= {
        }
        &'tokfetch;help;login'= {
        }
        &'tokfetch;help;logout'= {
        }
        &'tokfetch;help;completions'= {
        }
        &'tokfetch;help;help'= {
        }
    ]
    $completions[$command]
}
