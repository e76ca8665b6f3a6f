"""`switchyard audit` on the sample applications."""
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
