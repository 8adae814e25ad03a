"""The command line as a user meets it: --help everywhere, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from streams.cli.main import build_parser, main, settings_with_passes
from streams.nlp.passes import Pass

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], input=stdin, capture_output=True,
                          timeout=timeout, cwd=ROOT)


def all_commands() -> list[list[str]]:
    parser = build_parser()
    commands = []

    def walk(p, prefix):
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                for name, sub in action.choices.items():
                    commands.append(prefix + [name])
                    walk(sub, prefix + [name])

    walk(parser, [])
    return commands


def test_every_command_is_listed():
    names = {" ".join(c) for c in all_commands()}
    for expected in ["dev", "broker", "worker", "enrich", "eval", "ingest rss", "ingest file",
                     "rules add", "rules list", "rules rm", "rules test", "tail", "bench"]:
        assert expected in names


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c))
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: wirewatch" in capsys.readouterr().out


def test_no_command_is_bad_usage():
    result = run()
    assert result.returncode == 2 and b"usage" in result.stderr


def test_enrich_stdin_to_stdout_with_dead_letters(tmp_path):
    good = {"id": "cli-1", "source": "t", "language": "en", "body": "“We are ready,” the minister, Ann Lee, said."}
    stdin = orjson.dumps(good) + b"\nnot json\n"
    letters = tmp_path / "dead.jsonl"
    result = run("enrich", "-", "--deadletter", str(letters), stdin=stdin)
    assert result.returncode == 2, result.stderr  # bad input was seen: the good record still came out
    (line,) = result.stdout.splitlines()
    event = orjson.loads(line)
    assert event["id"] == "cli-1"
    assert [(q["text"], q["speaker"]["name"]) for q in event["quotes"]] == [("We are ready", "Ann Lee")]
    assert b"enriched 1, dead-lettered 1" in result.stderr
    assert orjson.loads(letters.read_bytes().splitlines()[0])["stage"] == "normalize"
    lenient = run("enrich", "--lenient", stdin=stdin)
    assert lenient.returncode == 0 and lenient.stdout.strip()


def test_missing_input_file_is_a_one_line_error():
    result = run("enrich", "/no/such/file.jsonl")
    assert result.returncode == 2
    assert result.stderr.decode().strip().count("\n") == 0
    assert "cannot read /no/such/file.jsonl" in result.stderr.decode()


def test_bad_rule_file_is_rejected_before_any_broker(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("- id: x\n  name: X\n  actors: [NATO]\n  notify: [{type: webhook, url: 'ftp://x', secret: whsec_AAAA}]\n")
    result = run("rules", "add", str(rules), "--broker", "kafka://127.0.0.1:1")
    assert result.returncode == 2
    assert "http" in result.stderr.decode()


def test_unknown_stage_is_bad_usage():
    result = run("worker", "--stages", "normalize,bogus", "--broker", "kafka://127.0.0.1:1")
    assert result.returncode == 2 and b"unknown stage" in result.stderr


def test_unreachable_broker_fails_with_one_line():
    result = run("worker", "--broker", "kafka://127.0.0.1:1", "--wait", "2", timeout=60)
    assert result.returncode == 1
    assert b"no Kafka broker answered at kafka://127.0.0.1:1" in result.stderr


def test_eval_on_the_seed_set_writes_a_report(tmp_path):
    seed = ROOT.parent / "shared" / "data" / "seed"
    if not seed.exists():
        pytest.skip("shared sample data not present")
    report_path = tmp_path / "report.json"
    result = run("eval", str(seed), "--report", str(report_path), "--quiet")
    assert result.returncode == 0, result.stderr
    report = orjson.loads(report_path.read_bytes())
    assert report["overall"]["articles"] == 1
    assert b"quote" in result.stdout.lower()


def test_eval_on_a_missing_directory_is_bad_input(tmp_path):
    result = run("eval", str(tmp_path / "nothing"))
    assert result.returncode == 2


TEST_PASSES = (
    Pass("entities.test-one", "first test pass"),
    Pass("entities.test-two", "second test pass"),
    Pass("quotes.test-three", "third test pass"),
)


@pytest.fixture
def declared_test_passes(monkeypatch):
    from streams.nlp import pass_catalog

    monkeypatch.setattr(pass_catalog, "all_passes", lambda: TEST_PASSES)


@pytest.mark.parametrize("verb", [["enrich"], ["eval", "tests/gold"]])
def test_disable_pass_is_repeatable_and_comma_separated(verb, declared_test_passes, monkeypatch):
    monkeypatch.delenv("WIREWATCH_DISABLE_PASSES", raising=False)
    args = build_parser().parse_args([*verb, "--disable-pass", "entities.test-one, quotes.test-three",
                                      "--disable-pass", "entities.test-two"])
    assert settings_with_passes(args).disabled_passes == {p.name for p in TEST_PASSES}
    assert settings_with_passes(build_parser().parse_args(verb)).disabled_passes == frozenset()


def test_disable_pass_replaces_the_environment(declared_test_passes, monkeypatch):
    monkeypatch.setenv("WIREWATCH_DISABLE_PASSES", "entities.test-one")
    assert settings_with_passes(build_parser().parse_args(["enrich"])).disabled_passes == {"entities.test-one"}
    args = build_parser().parse_args(["enrich", "--disable-pass", "quotes.test-three"])
    assert settings_with_passes(args).disabled_passes == {"quotes.test-three"}


@pytest.mark.parametrize("verb", ["enrich", "eval"])
def test_unknown_pass_is_bad_usage_naming_the_known_ones(verb, declared_test_passes, capsys):
    assert main([verb, "tests/gold", "--disable-pass", "entities.test-one,entities.nope"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "unknown pass 'entities.nope'" in error
    assert all(p.name in error for p in TEST_PASSES)


def test_unknown_pass_from_a_fresh_process_is_bad_usage():
    result = run("enrich", "--disable-pass", "no.such-pass", stdin=b"")
    assert result.returncode == 2 and b"unknown pass 'no.such-pass'" in result.stderr


def test_list_passes_prints_each_with_its_summary(declared_test_passes, capsys):
    assert main(["eval", "--list-passes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [p.name for p in TEST_PASSES]
    assert all(line.endswith(p.summary) for line, p in zip(lines, TEST_PASSES))


def test_eval_without_a_directory_is_bad_usage(capsys):
    assert main(["eval"]) == 2
    assert "gold-set directory" in capsys.readouterr().err


def test_pass_values_prints_a_row_per_pass_still_on(declared_test_passes, tmp_path, capsys):
    report_path = tmp_path / "report.json"
    code = main(["eval", str(ROOT / "tests" / "gold" / "fr-wire"), "--limit", "1", "--pass-values", "-q",
                 "--disable-pass", "entities.test-two", "--report", str(report_path)])
    assert code == 0
    table = capsys.readouterr().out
    assert "### fr-wire (1 article)" in table and "| all passes on |" in table
    assert "| without `entities.test-one` | 0.0 |" in table and "| without `quotes.test-three` | 0.0 |" in table
    assert "without `entities.test-two`" not in table  # off in every run
    assert orjson.loads(report_path.read_bytes())["overall"]["articles"] == 1


def test_eval_reads_every_directory_given(tmp_path, capsys):
    assert main(["eval", str(ROOT / "tests" / "gold" / "fr-wire"), str(tmp_path / "absent")]) == 2
    assert f"{tmp_path / 'absent'}: no such file or directory" in capsys.readouterr().err
