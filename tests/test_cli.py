"""The command line as a user meets it: --help everywhere, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from streams.cli.main import build_parser

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
