"""`switchyard audit` on the sample applications and on two real ones from PyPI."""
import os
import pathlib
import subprocess
import sys
import tarfile

import pytest

from kit_support import ROOT, run_json, run_kit

FIXTURES = ROOT / "Tests" / "CutoverTests" / "Fixtures"


def test_audit_dirty_app():
    rc, report = run_json("audit", FIXTURES / "dirty_app")
    assert rc == 1
    assert report["files_scanned"] == 7
    assert len(report["findings"]) == 29
    assert report["summary"] == {
        "hard_coded_model": 7, "client_side_token_count": 3, "unpinned_sampling": 5,
        "hard_coded_token_limit": 4, "hard_coded_base_url": 3, "feature_needs_probe": 7,
    }
    first = report["findings"][0]
    assert set(first) == {"file", "line", "rule", "what", "why", "action"}
    located = {(f["file"], f["line"], f["rule"]) for f in report["findings"]}
    assert ("chat.py", 16, "hard_coded_model") in located
    assert ("client.js", 16, "client_side_token_count") in located


def test_audit_clean_app_has_no_findings():
    rc, report = run_json("audit", FIXTURES / "clean_app")
    assert rc == 0
    assert report["findings"] == [] and report["files_scanned"] == 7


def test_audit_human_output_and_missing_path():
    result = run_kit("audit", FIXTURES / "dirty_app" / "chat.py")
    assert result.returncode == 1
    assert "chat.py:16  [hard_coded_model] model \"gpt-4o-mini\"" in result.stdout
    assert "why:" in result.stdout and "do:" in result.stdout
    missing = run_kit("audit", FIXTURES / "no_such_app")
    assert missing.returncode == 2


# Two real open-source applications that call OpenAI, as published on PyPI (sdists, pinned):
# every finding below was read against the source; anything else is a false positive or noise.
REAL_APPS = {
    "shell_gpt-1.5.1": ("shell-gpt==1.5.1", 20, 8, {
        ("sgpt/handlers/handler.py", 113, "feature_needs_probe"),  # additional_kwargs["tool_choice"] = "auto"
        ("sgpt/handlers/handler.py", 114, "feature_needs_probe"),  # additional_kwargs["tools"] = functions
        ("sgpt/handlers/handler.py", 115, "feature_needs_probe"),  # additional_kwargs["parallel_tool_calls"] = False
    }),
    "llm-0.36": ("llm==0.36", 19, 0, {
        ("llm/__init__.py", 93, "hard_coded_model"),  # DEFAULT_MODEL = "gpt-5.6-luna"
        ("llm/default_plugins/openai_models.py", 44, "hard_coded_model"),  # the model registry, one finding
        ("llm/default_plugins/openai_models.py", 869, "hard_coded_base_url"),  # httpx.get("https://api.openai.com/v1/models")
        *(("llm/default_plugins/openai_models.py", line, "feature_needs_probe") for line in (
            1145, 1655, 1661,  # image_url content parts
            1382, 1384, 1386,  # response_format json_object / json_schema
            1389, 1917, 2128,  # kwargs["tools"], "tools": []
            1905, 1907,  # parallel_tool_calls, tool_choice
            1912, 3039, 3060,  # top_logprobs / logprobs
            2094,  # kwargs["seed"]
        )),
    }),
}


@pytest.fixture(scope="module")
def real_apps(tmp_path_factory):
    """The sdists, downloaded from PyPI once (cached) and unpacked."""
    cache = pathlib.Path(os.environ.get("SWITCHYARD_PEERS_CACHE", pathlib.Path.home() / ".cache" / "switchyard-peers")) / "audit-apps"
    cache.mkdir(parents=True, exist_ok=True)
    unpacked = tmp_path_factory.mktemp("apps")
    for directory, (requirement, *_rest) in REAL_APPS.items():
        archive = cache / f"{directory}.tar.gz"
        if not archive.exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                            "--no-binary", ":all:", requirement, "-d", str(cache)], check=True, timeout=300)
        with tarfile.open(archive) as sdist:
            sdist.extractall(unpacked, filter="data")
    return unpacked


@pytest.mark.parametrize("directory", sorted(REAL_APPS))
def test_audit_real_application(real_apps, directory):
    _, scanned, skipped, expected = REAL_APPS[directory]
    rc, report = run_json("audit", real_apps / directory)
    assert rc == 1
    assert report["files_scanned"] == scanned and report["test_files_skipped"] == skipped
    found = {(f["file"], f["line"], f["rule"]) for f in report["findings"]}
    assert found - expected == set(), "false positives"
    assert expected - found == set(), "missed"
    assert len(report["findings"]) == len(expected)


def test_audit_model_table_is_one_finding(real_apps):
    _, report = run_json("audit", real_apps / "llm-0.36" / "llm" / "default_plugins" / "openai_models.py")
    tables = [f for f in report["findings"] if f["rule"] == "hard_coded_model"]
    assert len(tables) == 1
    assert tables[0]["what"].startswith("model table: 50 literals, 39 distinct (\"gpt-4o\", \"gpt-4o-mini\"")


def test_audit_include_tests_scans_test_code(real_apps):
    _, report = run_json("audit", real_apps / "shell_gpt-1.5.1", "--include-tests")
    assert report["files_scanned"] == 28 and report["test_files_skipped"] == 0
    # The integration tests pin the model they call; the unit tests' mock name is one more literal.
    assert {(f["file"], f["rule"]) for f in report["findings"] if f["file"].startswith("tests/")} == {
        ("tests/_integration.py", "hard_coded_model"), ("tests/test_default.py", "hard_coded_model")}
