"""X-Forwarded-For counts only for the configured number of trusted proxy hops."""

import pytest

from tests.support.api import Api


def failed_login(api, forwarded_for):
    return api.post("/api/v1/auth/login", json={"email": "x@example.org", "password": "wrong password!"},
                    headers={"X-Forwarded-For": forwarded_for})


def test_spoofed_forwarded_for_is_ignored_by_default(make_app):
    api = Api(make_app(login_limit_ip="2/minute", login_limit_account="100/minute").test_client())
    assert failed_login(api, "1.1.1.1").status_code == 401
    assert failed_login(api, "2.2.2.2").status_code == 401
    # Same socket address, so the third attempt is over the limit whatever the header says.
    assert failed_login(api, "3.3.3.3").status_code == 429


def test_trusted_proxy_hop_is_used(make_app):
    api = Api(make_app(login_limit_ip="2/minute", login_limit_account="100/minute",
                       trusted_proxies=1).test_client())
    for _ in range(2):
        assert failed_login(api, "1.1.1.1").status_code == 401
    assert failed_login(api, "1.1.1.1").status_code == 429
    assert failed_login(api, "2.2.2.2").status_code == 401
    # Only the last hop is trusted: a client-supplied earlier entry changes nothing.
    assert failed_login(api, "9.9.9.9, 1.1.1.1").status_code == 429


@pytest.mark.parametrize("ip, prefix", [("203.0.113.77", "203.0.113.0/24"),
                                        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
                                        ("::ffff:198.51.100.9", "198.51.100.0/24")])
def test_network_prefix(ip, prefix):
    from voting.netutil import network_prefix
    assert network_prefix(ip) == prefix
