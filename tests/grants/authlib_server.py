"""A token endpoint made of Authlib's JWTBearerGrant (RFC 7523 §2.1), for tests/grants.rs.

Usage: python authlib_server.py CONFIG_JSON

CONFIG_JSON: {"clients": [{"client_id", "issuer", "public_key_pem", "subjects": [...],
"secret": null or the client secret (then HTTP Basic client authentication is required, and
must name the same client)}]}. The audience accepted is this server's token URL.

Prints "PORT <n>" once listening on 127.0.0.1. POST /token is the token endpoint; GET /issued
lists what was issued (token, iss, sub, scope, alg), so the test can check Authlib's view.
Refuses a replayed jti, as RFC 7523 §3 item 7 allows.
"""

import json
import os
import secrets
import sys
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

# Loopback http only; Authlib refuses plain http otherwise.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, InvalidGrantError  # noqa: E402
from authlib.oauth2.rfc6749 import InvalidClientError  # noqa: E402
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, OAuth2Request  # noqa: E402
from authlib.oauth2.rfc7523 import JWTBearerGrant  # noqa: E402
from authlib.oauth2.rfc7523 import jwt_bearer  # noqa: E402
from joserfc import jwt as joserfc_jwt  # noqa: E402
from joserfc.jwk import import_key  # noqa: E402

warnings.simplefilter("ignore")

# The algorithms this server accepts, as a deployment configures them: joserfc's default is its
# "recommended" list, which leaves out PS256 and EdDSA (RFC 7518, RFC 8037), both of which
# tokfetch signs. Everything else of JWTBearerGrant's verification is Authlib's own.
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


class _Jwt:
    def __getattr__(self, name):
        return getattr(joserfc_jwt, name)

    @staticmethod
    def decode(value, key, algorithms=None, registry=None):
        return joserfc_jwt.decode(value, key, algorithms=ALGORITHMS, registry=registry)


jwt_bearer.jwt = _Jwt()

CONFIG = json.loads(sys.argv[1])
LOCK = threading.Lock()
ISSUED = []
SEEN_JTI = set()
TOKEN_URL = None


class Client(ClientMixin):
    def __init__(self, c):
        self.client_id = c["client_id"]
        self.issuer = c["issuer"]
        self.public_key_pem = c["public_key_pem"]
        self.subjects = c.get("subjects", [])
        self.secret = c.get("secret")

    def get_client_id(self):
        return self.client_id

    def get_allowed_scope(self, scope):
        return scope

    def check_client_secret(self, client_secret):
        return self.secret is not None and secrets.compare_digest(self.secret, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == ("client_secret_basic" if self.secret else "none")

    def check_grant_type(self, grant_type):
        return grant_type == JWTBearerGrant.GRANT_TYPE


CLIENTS = [Client(c) for c in CONFIG["clients"]]


class Request(OAuth2Request):
    def __init__(self, uri, headers, form):
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self):
        return self._form

    @property
    def args(self):
        return {}


class Grant(JWTBearerGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

    def resolve_issuer_client(self, issuer):
        return next((c for c in CLIENTS if c.issuer == issuer), None)

    def resolve_client_public_key(self, client):
        return import_key(client.public_key_pem.encode())

    def get_audiences(self):
        return [TOKEN_URL]

    def authenticate_user(self, subject):
        return subject if any(subject in c.subjects for c in CLIENTS) else None

    def has_granted_permission(self, client, user):
        return user in client.subjects

    def validate_token_request(self):
        super().validate_token_request()
        client = self.request.client
        if client.secret is not None:
            authenticated = self.authenticate_token_endpoint_client()
            if authenticated.client_id != client.client_id:
                raise InvalidClientError(description="the assertion names another client")
        elif "authorization" in {k.lower() for k in self.request.headers}:
            raise InvalidClientError(description="this client authenticates with none")
        elif self.request.form.get("client_id") not in (None, client.client_id):
            raise InvalidClientError(description="client_id is not the assertion's client")
        _, claims = self.extract_assertion(self.request.form["assertion"])
        jti = claims.get("jti")
        with LOCK:
            if not jti or jti in SEEN_JTI:
                raise InvalidGrantError(description="jti missing or replayed")
            SEEN_JTI.add(jti)
        self.request._claims = claims


class Server(AuthorizationServer):
    def query_client(self, client_id):
        return next((c for c in CLIENTS if c.client_id == client_id), None)

    def save_token(self, token, request):
        claims = getattr(request, "_claims", {})
        with LOCK:
            ISSUED.append(
                {
                    "access_token": token["access_token"],
                    "client_id": request.client.client_id,
                    "iss": claims.get("iss"),
                    "sub": claims.get("sub"),
                    "aud": claims.get("aud"),
                    "scope": token.get("scope"),
                }
            )

    def create_oauth2_request(self, request):
        return request

    def handle_response(self, status, body, headers):
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        pass


def generate_token(grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
    token = {"token_type": "Bearer", "access_token": "authlib-" + secrets.token_urlsafe(18), "expires_in": 600}
    if scope:
        token["scope"] = scope
    return token


SERVER = Server()
SERVER.register_grant(Grant)
SERVER.register_token_generator("default", generate_token)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            if k.lower() != "content-type":
                self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/issued":
            with LOCK:
                self.reply(200, ISSUED)
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if self.path != "/token":
            return self.reply(404, {"error": "not_found"})
        form = dict(parse_qsl(body, keep_blank_values=True))
        headers = {k: v for k, v in self.headers.items()}
        req = Request(TOKEN_URL, headers, form)
        status, payload, headers = SERVER.create_token_response(req)
        self.reply(status, payload, headers)


def main():
    global TOKEN_URL
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    TOKEN_URL = f"http://127.0.0.1:{port}/token"
    print(f"PORT {port}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
