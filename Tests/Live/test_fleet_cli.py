"""`switchyard keys` and `switchyard usage` against a temporary SWITCHYARD_HOME."""
import json
import os
import re
import sqlite3
import stat
import subprocess
import time

import pytest


@pytest.fixture
def cli(tmp_path):
    binary = os.environ.get("SWITCHYARD_BIN")
    if not binary:
        pytest.skip("SWITCHYARD_BIN is not set (scripts/test.sh sets it)")
    home = tmp_path / "home"
    env = dict(os.environ, SWITCHYARD_HOME=str(home))

    def run(*args, check_rc=None):
        result = subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=120)
        if check_rc is not None:
            assert result.returncode == check_rc, (result.returncode, result.stdout, result.stderr)
        return result

    run.home = home
    return run


def test_create_list_revoke_round_trip(cli):
    created = cli("keys", "create", "--name", "alice", "--models", "smollm2,big", "--rpm", "60", "--tpm", "10000",
                  "--json", check_rc=0)
    key = json.loads(created.stdout)
    assert re.fullmatch(r"sy-[0-9A-Za-z]{40}", key["secret"])
    assert re.fullmatch(r"key_[0-9A-Za-z]{16}", key["id"])
    assert key["prefix"] == key["secret"][:10]
    assert key["name"] == "alice" and key["allowed_models"] == ["smollm2", "big"]
    assert key["requests_per_minute"] == 60 and key["tokens_per_minute"] == 10000
    assert key["is_admin"] is False and key["revoked_at"] is None

    human = cli("keys", "create", "--name", "bob", "--admin", check_rc=0)
    assert "will not be shown again" in human.stdout
    bob_secret = re.search(r"sy-[0-9A-Za-z]{40}", human.stdout).group(0)

    listed = json.loads(cli("keys", "list", "--json", check_rc=0).stdout)
    assert [k["name"] for k in listed] == ["alice", "bob"]
    assert all("secret" not in k for k in listed)
    table = cli("keys", "list", check_rc=0).stdout
    assert "alice" in table and "bob" in table and key["secret"] not in table and bob_secret not in table

    cli("keys", "revoke", key["id"], check_rc=0)
    revoked = json.loads(cli("keys", "revoke", "bob", "--json", check_rc=0).stdout)
    assert revoked["name"] == "bob" and revoked["revoked_at"] is not None
    assert json.loads(cli("keys", "list", "--json", check_rc=0).stdout) == []
    everything = json.loads(cli("keys", "list", "--all", "--json", check_rc=0).stdout)
    assert [k["name"] for k in everything] == ["alice", "bob"]
    assert all(k["revoked_at"] for k in everything)

    # The file is private and holds no secret.
    database = cli.home / "switchyard.sqlite"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.home.stat().st_mode) == 0o700
    for path in cli.home.iterdir():
        data = path.read_bytes()
        assert key["secret"].encode() not in data and bob_secret.encode() not in data


def test_errors_have_clear_messages_and_exit_codes(cli):
    unknown = cli("keys", "revoke", "nobody")
    assert unknown.returncode == 2
    assert "nobody" in unknown.stderr and unknown.stdout == ""
    cli("keys", "create", "--name", "dup", check_rc=0)
    duplicate = cli("keys", "create", "--name", "dup")
    assert duplicate.returncode == 2 and "already named 'dup'" in duplicate.stderr
    cli("keys", "revoke", "dup", check_rc=0)
    again = cli("keys", "revoke", "dup")
    assert again.returncode == 2 and "already revoked" in again.stderr
    assert cli("keys", "create", "--name", "x", "--rpm", "0").returncode == 64
    assert cli("usage", "--since", "yesterday").returncode == 64
    assert cli("usage", "--by", "colour").returncode == 64


def test_usage_reads_the_ledger(cli):
    empty = json.loads(cli("usage", "--json", check_rc=0).stdout)
    assert empty["groups"] == [] and empty["by"] == "none"
    assert "no requests" in cli("usage", "--since", "30m", check_rc=0).stdout

    # Rows as the server writes them (the schema is the CLI's own, created by the call above).
    now_ms = int(time.time() * 1000)
    rows = [
        ("r1", now_ms - 1000, "key_a", "alice", "smollm2", 10, 5, 100.0, 20.0, 200),
        ("r2", now_ms - 2000, "key_a", "alice", "smollm2", 20, 5, 300.0, None, 429),
        ("r3", now_ms - 3000, "key_b", "bob", "big", 7, 3, 50.0, 10.0, 200),
        ("old", now_ms - 3 * 86_400_000, "key_b", "bob", "big", 1000, 1000, 1.0, None, 200),
    ]
    with sqlite3.connect(cli.home / "switchyard.sqlite") as db:
        db.executemany(
            "INSERT INTO usage_record (request_id, time_ms, key_id, key_name, model, endpoint, prompt_tokens,"
            " completion_tokens, latency_ms, ttft_ms, status, stream) VALUES (?,?,?,?,?,'/v1/chat/completions',?,?,?,?,?,0)",
            rows)

    by_key = json.loads(cli("usage", "--by", "key", "--json", check_rc=0).stdout)
    assert by_key["by"] == "key"
    groups = {g["group"]: g for g in by_key["groups"]}
    assert set(groups) == {"alice", "bob"}
    assert groups["alice"] == {
        "group": "alice", "requests": 2, "errors": 1, "prompt_tokens": 30, "completion_tokens": 10,
        "latency_p50_ms": 100.0, "latency_p95_ms": 300.0, "ttft_p50_ms": 20.0,
    }
    assert groups["bob"]["requests"] == 1
    week = json.loads(cli("usage", "--since", "7d", "--json", check_rc=0).stdout)
    assert week["groups"][0]["requests"] == 4
    table = cli("usage", "--by", "model", "--since", "24h", check_rc=0).stdout
    assert "smollm2" in table and "big" in table and "REQUESTS" in table


def test_usage_prune_deletes_old_rows_only(cli):
    cli("usage", "--json", check_rc=0)  # creates the schema
    now_ms = int(time.time() * 1000)
    with sqlite3.connect(cli.home / "switchyard.sqlite") as db:
        db.executemany(
            "INSERT INTO usage_record (request_id, time_ms, model, endpoint, prompt_tokens, completion_tokens, latency_ms,"
            " status, stream) VALUES (?, ?, 'smollm2', '/v1/chat/completions', 1, 1, 1.0, 200, 0)",
            [("new", now_ms - 1000), ("old", now_ms - 3 * 86_400_000), ("older", now_ms - 40 * 86_400_000)])
    pruned = json.loads(cli("usage", "--prune-older-than", "2d", "--json", check_rc=0).stdout)
    assert pruned["deleted"] == 2
    rows = json.loads(cli("usage", "--since", "365d", "--requests", "--json", check_rc=0).stdout)
    assert [row["request_id"] for row in rows] == ["new"]
    assert "Deleted 0 requests" in cli("usage", "--prune-older-than", "2d", check_rc=0).stdout
    assert cli("usage", "--prune-older-than", "soon").returncode == 64
