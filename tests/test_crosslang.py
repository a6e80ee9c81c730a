"""The Java reader (through the fat jar's CLI) and the Python reader decode the same bytes."""

from __future__ import annotations

import json
import subprocess

import pytest

from pybridge import data, idx
from tests.conftest import FIXTURES, read_tsv


def run_jar(jar, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["java", "-jar", str(jar), *args], capture_output=True, text=True, timeout=120)


def test_both_readers_decode_real_mnist_identically(jar, mnist_dir):
    paths = [mnist_dir / name for name in data.FILES.values()]
    done = run_jar(jar, "idx-info", "--json", *map(str, paths))
    assert done.returncode == 0, done.stderr
    java = [json.loads(line) for line in done.stdout.splitlines()]
    python = [idx.read_idx(p).describe() for p in paths]
    assert java == python


def test_both_readers_agree_on_every_valid_fixture(jar):
    names = [row[0] for row in read_tsv(FIXTURES / "manifest.tsv") if row[1] == "OK"]
    done = run_jar(jar, "idx-info", "--json", *(str(FIXTURES / n) for n in names))
    assert done.returncode == 0, done.stderr
    java = [json.loads(line) for line in done.stdout.splitlines()]
    assert java == [idx.read_idx(FIXTURES / n).describe() for n in names]


@pytest.mark.parametrize(
    "name",
    [
        "gzip_two_members.gz",
        "claims_1e9_gzip.gz",
        "too_much.idx",
        "bad_magic.idx",
        "claims_limit.idx",
        "claims_limit_plus_one.idx",
    ],
)
def test_both_readers_give_the_same_error_line(jar, name, capsys):
    done = run_jar(jar, "idx-info", str(FIXTURES / name))
    assert idx.main([str(FIXTURES / name)]) == 2
    python_err = capsys.readouterr().err
    assert done.returncode == 2
    assert done.stdout == ""
    # Same file, same reason code; the wording after it is each language's own.
    assert done.stderr.split(": ")[:3] == python_err.split(": ")[:3]
    assert done.stderr.count("\n") == 1


def test_dataset_summary_agrees_across_readers(jar, mnist_dir, capsys):
    assert data.main(["summary", "--dir", str(mnist_dir), "--jar", str(jar)]) == 0
    out = capsys.readouterr().out
    assert out.count("-> identical") == 2 and "60000 images" in out and "10000 images" in out


def test_dataset_summary_json_carries_both_readers(jar, mnist_dir, capsys):
    assert data.main(["summary", "--json", "--dir", str(mnist_dir), "--jar", str(jar)]) == 0
    report = json.loads(capsys.readouterr().out)
    for split in data.SPLITS:
        assert report["java"][split]["images_sha256"] == report["python"]["splits"][split]["images_sha256"]
        assert report["java"][split]["class_counts"] == report["python"]["splits"][split]["class_counts"]


def test_a_contract_built_in_python_is_read_alike_by_java(jvm, tmp_path):
    """The exporter's builder feeds the Java parser directly: the golden check passes and every field matches."""
    from pybridge import contract as model_contract
    from pybridge.runtimes.jvm import JvmRuntime
    from tests.hostile import CONTRACT, write_model

    pixels, probs = model_contract.golden_inputs(CONTRACT)
    doc = model_contract.build(
        name="rebuilt",
        opset=CONTRACT["opset"],
        versions=CONTRACT["versions"],
        golden_u8=pixels,
        golden_probs=probs,
        golden_source="python build",
        extra={"test_accuracy": 0.5},
    )
    path = write_model(tmp_path / "rebuilt.onnx", doc)
    with JvmRuntime().open(path, check_golden=True) as model:
        contract = model.classifier.contract()
        golden = contract.golden()
        assert str(contract.name()) == "rebuilt" and str(golden.source()) == "python build"
        assert (contract.height(), contract.width(), contract.classes()) == (28, 28, 10)
        assert [str(label) for label in contract.labels()] == doc["labels"]
        assert float(golden.atol()) == doc["golden"]["atol"] and int(golden.count()) == 8
        assert bytes(golden.pixels()) == pixels.tobytes()
        assert list(golden.probabilities()) == probs.ravel().tolist()
        assert float(contract.testAccuracy().getAsDouble()) == 0.5
