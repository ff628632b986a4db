"""The reference client for tests/grants.rs: Google's official `google-auth` library fetches a
token with a service account's JSON key from the loopback stand-in of
oauth2.googleapis.com/token, proving that the stand-in accepts what Google's own client sends.

Usage: python google_auth_client.py KEY_JSON_FILE TOKEN_URI (scope SCOPES [SUBJECT] | id AUDIENCE)

Prints the access token (or the ID token) on stdout.
"""

import json
import sys

from google.auth.transport.requests import Request
from google.oauth2 import service_account


def main():
    path, token_uri, mode, value = sys.argv[1:5]
    with open(path) as f:
        info = json.load(f)
    # The library reads token_uri from the key (passing it again is an error): point it here.
    info["token_uri"] = token_uri
    if mode == "scope":
        creds = service_account.Credentials.from_service_account_info(
            info, scopes=value.split(" ")
        )
        if len(sys.argv) > 5:
            creds = creds.with_subject(sys.argv[5])
    else:
        creds = service_account.IDTokenCredentials.from_service_account_info(
            info, target_audience=value
        )
    creds.refresh(Request())
    print(creds.token)


if __name__ == "__main__":
    main()
