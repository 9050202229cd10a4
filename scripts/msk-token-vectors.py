#!/usr/bin/env python3
"""Regenerates tests/msk/vectors/tokens.json: MSK IAM tokens made by AWS's own Python signer
(aws-msk-iam-sasl-signer-python, on botocore) for fixed credentials, regions and signing times.
kdeck's token test (tests/msk/token.rs) compares its own tokens with these, byte for byte, so the
test needs no Python at run time.

Usage: scripts/msk-token-vectors.py            (makes a throwaway venv with the pinned signer)
The signer's clock is pinned by patching botocore.auth.get_current_datetime.
"""
import json
import os
import subprocess
import sys
import tempfile

SIGNER = "aws-msk-iam-sasl-signer-python==1.0.2"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "msk", "vectors", "tokens.json")

CASES = [
    # name, region, access key, secret, session token, signing time (UTC)
    ("long-term key", "eu-west-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, "2024-05-01T12:34:56"),
    ("session token", "us-east-1", "ASIAEXAMPLEKEY123456", "s3cr3t/with+chars=and/slashes",
     "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+session/token==", "2025-12-31T23:59:59"),
    ("another region", "ap-southeast-2", "AKIAKDECKTEST0000001", "kdeck-test-secret", None, "2026-11-30T02:00:00"),
]


def generate():
    import datetime
    from unittest import mock

    import botocore.auth
    from botocore.credentials import Credentials
    from aws_msk_iam_sasl_signer import MSKAuthTokenProvider as P

    vectors = []
    for name, region, key, secret, session, at in CASES:
        when = datetime.datetime.fromisoformat(at)
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: when):
            token, expiry_ms = P._MSKAuthTokenProvider__construct_auth_token(region, Credentials(key, secret, session)) \
                if hasattr(P, "_MSKAuthTokenProvider__construct_auth_token") else \
                getattr(P, "__construct_auth_token")(region, Credentials(key, secret, session))
        vectors.append({
            "name": name, "region": region, "access_key_id": key, "secret_access_key": secret,
            "session_token": session, "signing_time": at + "Z", "user_agent": P.__get_user_agent__(),
            "token": token, "expiry_ms": expiry_ms,
        })
    return {"signer": SIGNER, "vectors": vectors}


if __name__ == "__main__":
    if os.environ.get("KDECK_VECTORS_IN_VENV") != "1":
        venv = tempfile.mkdtemp(prefix="kdeck-msk-signer-")
        subprocess.check_call([sys.executable, "-m", "venv", venv])
        py = os.path.join(venv, "bin", "python")
        subprocess.check_call([py, "-m", "pip", "install", "-q", SIGNER])
        sys.exit(subprocess.call([py, os.path.abspath(__file__)], env={**os.environ, "KDECK_VECTORS_IN_VENV": "1"}))
    data = generate()
    with open(OUT, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    print(f"wrote {len(data['vectors'])} vectors to {OUT}")
