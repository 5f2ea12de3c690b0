"""Send a peer's hard-coded https Salesforce URLs to the sf-emulator's plain-http URL.

The peers build https URLs themselves (login.salesforce.com, https://<instance>); the emulator
speaks http only. A requests transport adapter mounted on those prefixes rewrites each request
to the emulator just before it is sent, so the peer's own code runs unchanged.
"""
import requests
from requests.adapters import HTTPAdapter


class RewriteAdapter(HTTPAdapter):
    """Rewrites URLs starting with `prefix` to start with `target` instead."""

    def __init__(self, prefix, target, **kwargs):
        super().__init__(**kwargs)
        self.prefix = prefix
        self.target = target

    def send(self, request, **kwargs):
        if request.url.startswith(self.prefix):
            request.url = self.target + request.url[len(self.prefix):]
        return super().send(request, **kwargs)


def prefixes(emulator_url):
    """The https prefixes a peer may use for the emulator at emulator_url (http://host:port)."""
    return [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        emulator_url.replace("http://", "https://", 1),
    ]


def mount(session, emulator_url):
    for prefix in prefixes(emulator_url):
        session.mount(prefix, RewriteAdapter(prefix, emulator_url))
    return session


def patch_all_sessions(emulator_url):
    """Every requests.Session created from now on redirects (for peers that make their own)."""
    original_init = requests.Session.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        mount(self, emulator_url)

    requests.Session.__init__ = init


def emulator_salesforce(emulator_url, version="62.0"):
    """A simple-salesforce client for the emulator: a session that redirects, and a token from a
    plain OAuth refresh-token POST (simple-salesforce has no refresh-token login)."""
    from simple_salesforce import Salesforce

    session = mount(requests.Session(), emulator_url)
    token = session.post(f"{emulator_url}/services/oauth2/token", data={
        "grant_type": "refresh_token",
        "client_id": "sf-emulator-client",
        "client_secret": "sf-emulator-secret",
        "refresh_token": "sf-emulator-refresh",
    })
    token.raise_for_status()
    token = token.json()
    return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                      session=session, version=version)
