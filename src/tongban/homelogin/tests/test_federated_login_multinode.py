"""Cross-region login over real HTTP between real nodes (ADR 0015).

Three granian nodes on loopback, each with its own SQLite database, keys and cookie names:
Beijing (A) and Tianjin (B) trust each other; A trusts Hebei (C), which does not trust A.
A resident registered at Tianjin logs in at Beijing: the browser (an httpx client following
redirects, one cookie jar) goes from A's login page to B's provider, logs in there with password
and the one-time code B's ``file`` backend wrote, consents, and comes back to A logged in as
Tianjin's resident. A registered itself at B on the way, by a signed statement.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import httpx
import pytest

from tongban.accounts.tests.helpers import last_code
from tongban.accounts.tests.test_oidc_sso import hidden_fields
from tongban.core.identifiers import make_resident_id
from tongban.federation.tests.test_multinode import Node, migrated_template, multinode_cache, start_all

pytestmark = pytest.mark.multinode

PASSWORD = "Correct-Horse-Battery-9"


@dataclass(eq=False)
class LoginNode(Node):
    """A node whose cookies do not collide with the others' on 127.0.0.1, and whose codes go to a file."""

    @property
    def notify_log(self) -> Path:
        return self.root / "notifications.log"

    @property
    def cookie_prefix(self) -> str:
        return f"tongban{self.region}_"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            TONGBAN_COOKIE_PREFIX=self.cookie_prefix,
            TONGBAN_NOTIFY_BACKENDS="file",
            TONGBAN_NOTIFY_FILE=str(self.notify_log),
        )
        return env

    def user_id(self, username: str) -> int:
        return int(self.query("SELECT id FROM accounts_user WHERE username = ?", username)[0][0])

    def count(self, sql: str, *params: Any) -> int:
        return int(self.query(sql, *params)[0][0])


@dataclass
class Nodes:
    a: LoginNode
    b: LoginNode
    c: LoginNode


@pytest.fixture(scope="module")
def nodes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    template = migrated_template(multinode_cache(request, tmp_path_factory.mktemp("c")))
    root = tmp_path_factory.mktemp("login-nodes")
    started = []
    for name, region in (("a", "110000"), ("b", "120000"), ("c", "130000")):
        (root / name).mkdir()
        node = LoginNode(name, region, root / name)
        shutil.copy(template, node.db)
        started.append(node)
    a, b, c = started
    try:
        fp = start_all(started)
        # A and B trust each other; A trusts C, but C does not trust A.
        a.tongban("federation", "peers", "add", b.url, f"--fingerprint={fp['b']}")
        a.tongban("federation", "peers", "add", c.url, f"--fingerprint={fp['c']}")
        b.tongban("federation", "peers", "add", a.url, f"--fingerprint={fp['a']}")
        yield Nodes(a, b, c)
    finally:
        for node in started:
            node.stop()


class Browser:
    def __init__(self) -> None:
        self.http = httpx.Client(follow_redirects=True, timeout=60, headers={"Accept-Language": "zh-hans"})

    def csrf(self, node: LoginNode) -> str:
        return str(self.http.cookies.get(node.cookie_prefix + "csrftoken"))

    def register_at(self, node: LoginNode, *, id_number: str, name: str, phone: str) -> None:
        self.http.get(node.url + "/accounts/register/")
        r = self.http.post(
            node.url + "/accounts/register/",
            data={
                "csrfmiddlewaretoken": self.csrf(node),
                "full_name": name,
                "id_number": id_number,
                "phone": phone,
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert r.status_code == 200 and r.url.path == "/accounts/login/", r.text[:3000]

    def start_at(self, node: LoginNode, region: str, *, follow: bool = True) -> httpx.Response:
        r = self.http.get(node.url + "/accounts/login/")
        assert r.status_code == 200
        return self.http.post(
            f"{node.url}/accounts/login/region/{region}/",
            data={"csrfmiddlewaretoken": self.csrf(node), "next": "/accounts/profile/"},
            follow_redirects=follow,
        )

    def login_at_home(self, home: LoginNode, page: httpx.Response, *, id_number: str) -> httpx.Response:
        """On the home node's login page (reached through its provider): password, then the code."""
        assert page.status_code == 200 and str(page.url).startswith(home.url + "/accounts/login/"), page.url
        next_url = parse_qs(page.url.query.decode())["next"][0]
        assert next_url.startswith("/o/authorize/")
        r = self.http.post(
            home.url + "/accounts/login/",
            data={
                "csrfmiddlewaretoken": self.csrf(home),
                "username": id_number,
                "password": PASSWORD,
                "next": next_url,
            },
        )
        assert r.status_code == 200 and r.url.path == "/accounts/login/code/", r.text[:3000]
        code = last_code(home.notify_log, user_id=home.user_id(id_number))
        return self.http.post(
            home.url + "/accounts/login/code/",
            data={"csrfmiddlewaretoken": self.csrf(home), "code": code},
            follow_redirects=False,
        )


def _follow_to_consent(browser: Browser, response: httpx.Response) -> httpx.Response:
    """After the code: the home node sends the browser back to its authorization page (consent)."""
    assert response.status_code == 302, response.text[:2000]
    return browser.http.get(response.url.join(response.headers["location"]))


def _resident(n: int) -> tuple[str, str, str]:
    return make_resident_id("120101", dt.date(1985, 11, 20), 100 + n), f"张{'伟静'[n % 2]}{n}", f"1390000{n:04d}"


def test_a_tianjin_resident_logs_in_at_beijing_with_the_tianjin_account(nodes: Nodes) -> None:
    a, b = nodes.a, nodes.b
    id_number, name, phone = _resident(1)
    browser = Browser()
    # given a resident registered at Tianjin only
    browser.register_at(b, id_number=id_number, name=name, phone=phone)
    assert a.count("SELECT count(*) FROM accounts_user WHERE id_number = ?", id_number) == 0
    # when they open Beijing's login page, it offers Tianjin's and Hebei's accounts
    page = browser.http.get(a.url + "/accounts/login/")
    assert "用天津市账号登录" in page.text and "用河北省账号登录" in page.text
    # and they pick Tianjin: Beijing registers itself at Tianjin's provider and sends them there
    at_home = browser.start_at(a, "120000")
    assert b.count("SELECT count(*) FROM accounts_peerloginclient WHERE region_code = '110000'") == 1
    # when they log in at Tianjin with password and code
    after_code = browser.login_at_home(b, at_home, id_number=id_number)
    consent = _follow_to_consent(browser, after_code)
    # then Tianjin asks them to consent, naming Beijing's node and the full ID number it will receive
    assert consent.status_code == 200 and "北京市政务服务节点（110000）" in consent.text, consent.text[:2000]
    assert "完整身份证号码" in consent.text
    fields = hidden_fields(consent.text, "authorizationForm")
    assert fields["scope"] == "openid profile id_number" and fields["code_challenge_method"] == "S256"
    # when they allow it
    back = browser.http.post(b.url + "/o/authorize/", data={**fields, "allow": "1"})
    # then they are back at Beijing, logged in, on their profile
    assert back.status_code == 200 and str(back.url) == a.url + "/accounts/profile/", (back.url, back.text[:2000])
    assert name in back.text
    # and Beijing knows them as Tianjin's resident: linked to Tianjin's subject, with the ID number, no password
    rows = a.query(
        "SELECT u.username, u.id_number, u.kind, u.password, u.region_id, f.home_region, f.subject "
        "FROM accounts_user u JOIN accounts_federatedidentity f ON f.user_id = u.id WHERE u.id_number = ?",
        id_number,
    )
    assert len(rows) == 1
    username, stored_id, kind, password, region, home_region, subject = rows[0]
    assert (username, stored_id, kind, region, home_region) == (
        f"{id_number}@120000",
        id_number,
        "resident",
        "120000",
        "120000",
    )
    assert password.startswith("!") and len(subject) == 40
    # when they log in at Beijing a second time (still logged in at Tianjin: no password, no consent)
    fresh = Browser()
    fresh.http.cookies = browser.http.cookies
    fresh.http.cookies.delete(a.cookie_prefix + "sessionid")
    again = fresh.start_at(a, "120000")
    # then they land on the same account
    assert str(again.url) == a.url + "/accounts/profile/", (again.url, again.text[:2000])
    assert a.count("SELECT count(*) FROM accounts_user WHERE id_number = ?", id_number) == 1
    assert a.count("SELECT count(*) FROM core_auditevent WHERE action = 'accounts.login_succeeded' "
                   "AND stream = (SELECT 'user:' || id FROM accounts_user WHERE id_number = ?)", id_number) == 2  # fmt: skip


def test_a_forged_state_is_refused_and_creates_nothing(nodes: Nodes) -> None:
    a, b = nodes.a, nodes.b
    id_number, name, phone = _resident(2)
    browser = Browser()
    browser.register_at(b, id_number=id_number, name=name, phone=phone)
    # given a login started at Beijing and completed at Tianjin
    at_home = browser.start_at(a, "120000")
    consent = _follow_to_consent(browser, browser.login_at_home(b, at_home, id_number=id_number))
    fields = hidden_fields(consent.text, "authorizationForm")
    answer = browser.http.post(b.url + "/o/authorize/", data={**fields, "allow": "1"}, follow_redirects=False)
    callback = urlparse(answer.headers["location"])
    assert callback.path == "/accounts/login/region/120000/callback/"
    # when the answer comes back to Beijing with another state
    query = parse_qs(callback.query)
    forged = urlunparse(callback._replace(query=urlencode({"code": query["code"][0], "state": "forged"})))
    refused = browser.http.get(forged)
    # then Beijing refuses it with its code, in Chinese, and creates no account
    assert refused.status_code == 400
    assert '<code id="federated-error-code">federated_login_state_mismatch</code>' in refused.text
    assert "state 不一致" in refused.text
    # and the genuine answer is useless afterwards: the pending login was used up
    late = browser.http.get(urlunparse(callback))
    assert late.status_code == 400 and "federated_login_expired" in late.text
    assert a.count("SELECT count(*) FROM accounts_user WHERE id_number = ?", id_number) == 0
    assert a.count("SELECT count(*) FROM accounts_federatedidentity") <= 1  # only the first test's resident
    profile = browser.http.get(a.url + "/accounts/profile/")
    assert profile.url.path == "/accounts/login/"


def test_a_home_region_that_does_not_trust_this_node_is_a_clear_error(nodes: Nodes) -> None:
    a, c = nodes.a, nodes.c
    browser = Browser()
    # when a resident at Beijing picks Hebei, which has not added Beijing as a peer
    refused = browser.start_at(a, "130000")
    # then Beijing says Hebei does not trust it yet, with a stable code, and keeps nothing on either side
    assert refused.status_code == 403 and str(refused.url) == a.url + "/accounts/login/region/130000/"
    assert '<code id="federated-error-code">home_region_refused</code>' in refused.text
    assert "尚未信任本节点" in refused.text
    assert a.count("SELECT count(*) FROM accounts_homeregionclient WHERE region_code = '130000'") == 0
    assert c.count("SELECT count(*) FROM accounts_peerloginclient") == 0
    assert c.count("SELECT count(*) FROM oauth2_provider_application") == 0
