"""Groups from the directory (services/auth/directory.py) against a real slapd started here
(tests/directory_servers.py): nested groups, the TTL cache, a removal reaching Perimeter after the TTL, and the same
groups at the proxy, OIDC and Slack doors whatever groups the door itself claims."""
from __future__ import annotations

import time

import pytest

from services.auth.directory import Directory
from services.auth.errors import SignInUnavailable
from services.identity import User
from services.settings_directory import DirectorySettings
from services.slack.users import slack_email, slack_user
from tests.auth_support import (
    CANARY,
    PROXY,
    STRONG,
    bearer,
    client_for,
    corpus_fixture,  # noqa: F401  (registers the `corpus` fixture here)
    search,
    seen,
)
from tests.conftest import free_port
from tests.directory_servers import ROOT_DN, ROOT_PASSWORD, SUFFIX, Slapd
from tests.services.auth.test_auth_oidc import idp, oidc  # noqa: F401  (`idp` is a fixture)

pytestmark = pytest.mark.integration  # slapd
PEOPLE, GROUPS = f"ou=people,{SUFFIX}", f"ou=groups,{SUFFIX}"


def _person(uid: str) -> str:
    return (f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid.title()}\nsn: {uid}\n"
            f"mail: {uid}@example.com\n\n")


def _group(cn: str, *members: str) -> str:
    return f"dn: cn={cn},{GROUPS}\nobjectClass: groupOfNames\ncn: {cn}\n" + "".join(
        f"member: {m if '=' in m else f'uid={m},{PEOPLE}'}\n" for m in members) + "\n"


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    """alice, dana and erin in hr-payroll, which is inside hr; carol directly in hr and perimeter-admins; bob in sales
    and in loop-b, a group inside loop-a inside loop-b (a cycle)."""
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    server.ldif(
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n"
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n"
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n\n"
        + "".join(_person(u) for u in ("alice", "bob", "carol", "dana", "erin"))
        + _group("hr-payroll", "alice", "dana", "erin") + _group("hr", f"cn=hr-payroll,{GROUPS}", "carol")
        + _group("sales", "bob") + _group("perimeter-admins", "carol") + _group("loop-a", "carol")
        + _group("loop-b", "bob", f"cn=loop-a,{GROUPS}"))
    server.ldif(f"dn: cn=loop-a,{GROUPS}\nchangetype: modify\nadd: member\nmember: cn=loop-b,{GROUPS}\n", modify=True)
    yield server
    server.stop()


def _settings(slapd: Slapd, **more) -> DirectorySettings:
    values = {"url": slapd.url, "bind_dn": ROOT_DN, "bind_password": ROOT_PASSWORD, "user_base": PEOPLE,
              "group_base": GROUPS}
    return DirectorySettings(**{**values, **more})


def _flat(slapd: Slapd, **more) -> dict:
    """The same, as the app's settings (PERIMETER_DIRECTORY_*)."""
    return {f"directory_{k}": v for k, v in _settings(slapd, **more).model_dump().items() if v is not None}


def test_directory_gives_direct_and_nested_groups_by_name_or_email(slapd):
    directory = Directory(_settings(slapd))
    assert directory.lookup("alice").groups == ("all", "hr", "hr-payroll")
    assert directory.lookup("Alice@Example.com").groups == ("all", "hr", "hr-payroll")
    assert directory.lookup("carol").groups == ("all", "hr", "loop-a", "loop-b", "perimeter-admins")
    assert directory.lookup("bob").groups == ("all", "loop-a", "loop-b", "sales")  # the cycle ends
    unknown = directory.lookup("mallory")
    assert unknown.dn is None and unknown.groups == ()
    assert directory.lookup("*").dn is None  # the name is escaped, never a wildcard that matches everyone
    assert Directory(_settings(slapd, nesting_depth=0)).lookup("alice").groups == ("all", "hr-payroll")


def test_directory_cache_keeps_groups_for_the_ttl_and_a_removal_counts_after_it(slapd):
    now = [1000.0]
    directory = Directory(_settings(slapd, cache_ttl_s=60), clock=lambda: now[0])
    assert "hr" in directory.lookup("erin").groups
    slapd.ldif(f"dn: cn=hr-payroll,{GROUPS}\nchangetype: modify\ndelete: member\nmember: uid=erin,{PEOPLE}\n",
               modify=True)
    now[0] += 59
    assert "hr" in directory.lookup("erin").groups  # cached: the directory is not asked within the TTL
    now[0] += 2
    assert directory.lookup("erin").groups == ("all",)  # asked again after it
    assert [e.name for e in directory.cached()] == ["erin"] and directory.forget("erin") == 1
    assert directory.cached() == []


def test_directory_out_of_reach_is_unavailable_never_the_doors_groups(slapd):
    down = Directory(DirectorySettings(url=f"ldap://127.0.0.1:{free_port()}", user_base=PEOPLE, timeout_s=1))
    with pytest.raises(SignInUnavailable, match="directory"):
        down.apply(User("alice", ["hr"], via="proxy"), [])
    wrong = Directory(_settings(slapd, bind_password="wrong"))
    with pytest.raises(SignInUnavailable):
        wrong.lookup("alice")
    # Service accounts (API keys, the admin token) are not employees: the directory is not asked about them.
    assert down.apply(User("ci-bot", ["hr"], via="api-key"), []).groups == ["hr"]


def test_directory_gives_a_slack_user_their_groups_by_email(slapd, tmp_path):
    users = tmp_path / "slack-users.yaml"
    users.write_text("users:\n  U0DANA: [sales]\n  U0NOMAIL: [hr]\nemails:\n  U0DANA: dana@example.com\n")
    directory = Directory(_settings(slapd))
    dana = slack_user("U0DANA", users, ["all"])
    seen_as = directory.apply(dana, [], looked_up_as=slack_email("U0DANA", users))
    assert seen_as.groups == ["all", "hr", "hr-payroll"] and seen_as.name == "slack:U0DANA"
    nomail = directory.apply(slack_user("U0NOMAIL", users, ["all"]), [], looked_up_as=slack_email("U0NOMAIL", users)
                             or "")
    assert nomail.groups == []  # no e-mail, no directory entry: not the users file's [hr]


def test_directory_groups_replace_the_doors_at_proxy_and_oidc_and_show_in_the_admin_api(corpus, slapd, idp):  # noqa: F811
    client = client_for(corpus, **PROXY, **oidc(idp), admin_token=STRONG, **_flat(slapd, cache_ttl_s=3))
    dana = {"X-Forwarded-User": "dana", "X-Forwarded-Groups": "all"}  # the proxy does not say hr: the directory does
    assert CANARY in seen(search(client, dana))
    assert CANARY in seen(search(client, bearer(idp.token(preferred_username="dana", groups=[]))))
    bob = {"X-Forwarded-User": "bob", "X-Forwarded-Groups": "hr,perimeter-admins"}  # claims what he is not
    assert CANARY not in seen(search(client, bob))
    assert CANARY not in seen(search(client, bearer(idp.token(preferred_username="bob", groups=["hr"]))))
    assert client.get("/v1/admin/jobs", headers=bob).status_code == 403
    carol = {"X-Forwarded-User": "carol", "X-Forwarded-Groups": ""}
    assert client.get("/v1/admin/jobs", headers=carol).status_code == 200  # admin through the directory's group

    cache = client.get("/v1/admin/directory/cache", headers=bearer(STRONG))
    assert cache.status_code == 200, cache.text
    entries = {e["name"]: e for e in cache.json()["entries"]}
    assert cache.json()["enabled"] and entries["dana"]["groups"] == ["all", "hr", "hr-payroll"]
    assert entries["dana"]["dn"] == f"uid=dana,{PEOPLE}" and entries["dana"]["expires_in_s"] <= 3
    assert client.get("/v1/admin/directory/cache", headers=dana).status_code == 403

    slapd.ldif(f"dn: cn=hr-payroll,{GROUPS}\nchangetype: modify\ndelete: member\nmember: uid=dana,{PEOPLE}\n",
               modify=True)
    time.sleep(3.2)  # the TTL
    assert CANARY not in seen(search(client, dana))
    assert CANARY not in seen(search(client, bearer(idp.token(preferred_username="dana", groups=["hr"]))))
    forgotten = client.delete("/v1/admin/directory/cache", params={"user": "dana"}, headers=bearer(STRONG))
    assert "dana" not in {e["name"] for e in forgotten.json()["entries"]}
