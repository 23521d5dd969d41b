from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli.nlu import nlu
from tests.intents import tiny_data


def test_train_predict_test_commands(tmp_path: Path) -> None:
    data = tiny_data.write(tmp_path / "data")
    model = tmp_path / "model"
    runner = CliRunner()
    res = runner.invoke(nlu, ["train", "--data", str(data), "--out", str(model), "--embeddings", "none"])
    assert res.exit_code == 0, res.output
    assert "trained on" in res.output and (model / "model.json").exists()

    res = runner.invoke(nlu, ["predict", "--model", str(model)], input="track my parcel\n\nhello\n")
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines()]
    assert len(lines) == 2  # the blank line is skipped
    first = lines[0]
    assert set(first) == {"text", "intent", "confidence", "ranking", "entities"}
    assert first["text"] == "track my parcel" and first["intent"] == "track"
    assert all(set(r) == {"intent", "confidence"} for r in first["ranking"])
    assert lines[1]["intent"] == "greet"

    res = runner.invoke(nlu, ["test", "--data", str(data), "--model", str(model), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["n"] == sum(len(v) for v in tiny_data.examples().values())
    assert report["accuracy"] > 0.9
    assert {"macro_f1", "per_intent", "confusions", "oos_recall", "false_rejection"} <= set(report)

    res = runner.invoke(nlu, ["test", "--data", str(data), "--model", str(model)])
    assert res.exit_code == 0 and "out_of_scope recall" in res.output and "precision" in res.output


def test_predict_entities_in_json(tmp_path: Path) -> None:
    data = tiny_data.write(tmp_path / "data")
    runner = CliRunner()
    runner.invoke(nlu, ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--embeddings", "none"])
    res = runner.invoke(nlu, ["predict", "--model", str(tmp_path / "m")], input="where is order #100234\n")
    ents = json.loads(res.output)["entities"]
    assert ents == [{"entity": "order_number", "value": "100234", "start": 15, "end": 22}]


def test_predict_reads_dates_in_the_merchants_time_zone(tmp_path: Path) -> None:
    data = tiny_data.write(tmp_path / "data")
    runner = CliRunner()
    runner.invoke(nlu, ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--embeddings", "none"])
    at = ["predict", "--model", str(tmp_path / "m"), "--now", "2026-12-01T02:00:00+00:00"]

    def dates(*options: str, text: str = "tomorrow after 5 pls") -> list[tuple[str, str]]:
        res = runner.invoke(nlu, [*at, *options], input=text + "\n")
        assert res.exit_code == 0, res.output
        return [(e["entity"], e["value"]) for e in json.loads(res.output)["entities"]]

    # 02:00 UTC is already 1 December in London but still 30 November in Los Angeles
    assert dates("--timezone", "Europe/London") == [("date", "2026-12-02"), ("time_window", "17:00-21:00")]
    assert dates("--timezone", "America/Los_Angeles") == [("date", "2026-12-01"), ("time_window", "17:00-21:00")]
    assert dates("--region", "US", text="my zip is 90210") == [("zip_code", "90210")]
    assert dates("--order-pattern", r"ZX-\d{4}", text="its ZX-1234") == [("order_number", "ZX-1234")]
    for bad in (["--timezone", "Mars/Base"], ["--now", "yesterday"], ["--order-pattern", "(["]):
        res = runner.invoke(nlu, [*at, *bad], input="hi\n")
        assert res.exit_code == 2 and "Invalid value" in res.output and "Traceback" not in res.output


def test_missing_model_is_a_clean_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(nlu, ["predict", "--model", str(tmp_path / "none")], input="hi\n")
    assert res.exit_code != 0 and "no model" in res.output


def test_default_model_path_from_env(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from bot.cli.nlu import default_model_path

    monkeypatch.setenv("PARCELBOT_NLU_MODEL", str(tmp_path / "x"))
    assert default_model_path() == tmp_path / "x"
    monkeypatch.delenv("PARCELBOT_NLU_MODEL")
    monkeypatch.setenv("PARCELBOT_DATA_DIR", str(tmp_path / "data"))
    assert default_model_path() == (tmp_path / "data" / "models" / "nlu").resolve()


def test_bench_nlu_reports_every_figure_for_the_chosen_encoder(tmp_path: Path) -> None:
    from bot.cli.bench import bench_nlu

    data = tiny_data.write(tmp_path / "data")
    res = CliRunner().invoke(bench_nlu, ["--data", str(data), "--messages", str(data), "--embeddings", "none",
                                         "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["n_examples"] == sum(len(v) for v in tiny_data.examples().values())
    for key in ("train_seconds", "model_bytes", "load_seconds", "intent_p50_ms", "intent_p99_ms", "parse_p50_ms"):
        assert out[key] > 0, key
    assert out["n_messages"] == 3 * out["n_examples"]  # every message, timed three times
    res = CliRunner().invoke(bench_nlu, ["--embeddings", "bert"])
    assert res.exit_code == 2 and "bert" in res.output  # unknown encoder: a usage error, not a traceback


def test_bench_clinc_export_feeds_the_rasa_style_commands(tmp_path: Path) -> None:
    """The CLINC150 row can be reproduced through `nlu train` / `nlu test` themselves."""
    from bot.cli.bench import bench_clinc

    rows = {
        "book_flight": ["book a flight to rome", "fly me to paris", "get me a plane ticket", "i need a flight"],
        "weather": ["is it going to rain", "what's the weather like", "will it be sunny", "forecast for today"],
    }
    src = tmp_path / "data_full.json"
    src.write_text(json.dumps({
        "train": [[t, label] for label, texts in rows.items() for t in texts],
        "oos_train": [["how tall is a giraffe", "oos"], ["sing me a song", "oos"], ["who won the cup", "oos"]],
        "test": [["book me a flight", "book_flight"], ["weather today", "weather"]],
        "oos_test": [["tell me a joke", "oos"]],
    }))  # fmt: skip
    runner = CliRunner()
    res = runner.invoke(bench_clinc, ["--data", str(src), "--export", str(tmp_path / "clinc")])
    assert res.exit_code == 0, res.output
    assert "parcelbot nlu train --data" in res.output
    train, test, model = tmp_path / "clinc" / "train", tmp_path / "clinc" / "test", tmp_path / "clinc" / "model"
    res = runner.invoke(nlu, ["train", "--data", str(train), "--out", str(model), "--embeddings", "none"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(nlu, ["test", "--data", str(test), "--model", str(model), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["n"] == 3 and report["n_in_scope"] == 2 and report["n_oos"] == 1
    assert set(report["per_intent"]) >= {"book_flight", "weather"}
