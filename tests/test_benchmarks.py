"""The benchmark scripts run end to end on tiny settings (no timing assertions).

Each script's `main(argv)` runs in this process on the current backend, so the suite
pays the backend's import once.
"""

import json
import os
import sys

import keras
import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCHMARKS)

import _variants  # noqa: E402
import chart  # noqa: E402
import memory  # noqa: E402
import profile_ops  # noqa: E402
import throughput  # noqa: E402
import tuning  # noqa: E402


def _variants_for_backend():
    # Variant d on PyTorch is torch.compile: ~45 s of compilation even for the tiny
    # model, too slow for the suite (run `throughput.py --tiny` by hand to check it).
    if keras.config.backend() == "torch":
        return ["a", "b", "c", "e", "c+bf16", "c+ema"]
    return ["a", "b", "c", "d", "e", "c+bf16", "c+ema"]


def test_throughput_tiny_reports_every_variant(tmp_path, capsys):
    out = tmp_path / "throughput.json"
    variants = _variants_for_backend()
    status = throughput.main(["--tiny", "--variants", ",".join(variants), "--json", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    payload = json.loads(out.read_text())
    results = {r["variant"]: r for r in payload["results"]}
    assert sorted(results) == sorted(variants)
    for variant, result in results.items():
        assert "error" not in result, result
        assert result["backend"] == keras.config.backend()
        assert len(result["rates"]) == 2 and min(result["rates"]) > 0
        assert result["median"] > 0 and result["gflops_per_s"] > 0
        assert f"| {variant} " in printed
    assert results["a"]["ratio_to_a"] == 1.0 and results["b"]["ratio_to_b"] == 1.0
    # Alternating steps cost more than simultaneous ones (4G + 8D vs 3G + 7D forwards).
    flops = payload["flops_per_step"]
    assert flops["alternating"] > flops["simultaneous"] > 0
    assert payload["memory"]["peak_rss_mb"] >= payload["memory"]["rss_after_warmup_mb"] > 0
    assert "target c >= 1.2 x a" in printed

    png = tmp_path / "chart.png"
    assert chart.main([str(out), "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_memory_tiny_reports_both_numbers(tmp_path, capsys):
    out = tmp_path / "memory.json"
    # Tiny runs are too short to check growth: a wide tolerance keeps the exit status 0.
    assert memory.main(["--tiny", "--tolerance", "10", "--json", str(out)]) == 0
    (result,) = json.loads(out.read_text())["results"]
    assert len(result["rss_per_epoch_mb"]) == result["config"]["epochs"] == 4
    assert result["rss_early_mb"] > 0 and result["rss_end_mb"] > 0
    assert result["ratio"] == pytest.approx(result["rss_end_mb"] / result["rss_early_mb"], 1e-2)
    assert result["peak_rss_mb"] >= result["rss_end_mb"]
    assert "ratio" in capsys.readouterr().out


def test_variant_options_parse():
    assert throughput.parse_args(["--variants", "a,e+xla+spe8"]).variants == ["a", "e+xla+spe8"]
    assert _variants.parse_variant("d") == ("d", {"jit_compile": True, "steps_per_execution": 8})
    assert _variants.parse_variant("c+noxla+spe4") == (
        "c",
        {"jit_compile": False, "steps_per_execution": 4},
    )
    assert _variants.parse_variant("b+bf16") == ("b", {"dtype_policy": "mixed_bfloat16"})
    assert _variants.parse_variant("c+fp16")[1] == {"dtype_policy": "mixed_float16"}
    assert _variants.parse_variant("e+ema")[1] == {"ema_decay": 0.999}
    assert _variants.parse_variant("c+diffaug")[1] == {"augment": "diffaugment"}
    assert _variants.parse_variant("c+ada+r1")[1] == {"augment": "ada", "r1_penalty": 1.0}
    with pytest.raises(SystemExit, match="diffaug, ada, r1 for c, d, e"):
        _variants.parse_variant("b+r1")
    with pytest.raises(SystemExit):
        _variants.parse_variant("f")
    labels = [label for label, _, _ in tuning.settings(2)]
    assert labels[0].startswith("default") and any("oneDNN" in label for label in labels)


@pytest.mark.parametrize(
    "spec, policy", [("c+bf16", "mixed_bfloat16"), ("c+fp16", "mixed_float16")]
)
def test_precision_option_builds_that_variant_only_under_its_policy(spec, policy):
    ctx = _variants.Context(throughput.parse_args(["--tiny"]))
    global_policy = keras.config.dtype_policy().name
    variant = _variants.make_variant(spec, ctx)
    assert keras.config.dtype_policy().name == global_policy  # restored
    assert variant.gan.dtype_policy.name == policy
    assert variant.gan.generator.dtype_policy.name == policy
    assert variant.gan.discriminator.layers[0].compute_dtype == policy.split("_")[1]
    plain = _variants.make_variant("c", ctx)
    assert plain.gan.generator.dtype_policy.name == global_policy


@pytest.mark.tensorflow_only
def test_profile_ops_tiny_sums_op_times_per_variant(capsys):
    assert profile_ops.main(["--tiny", "--variants", "b,c", "--steps", "1", "--rounds", "1"]) == 0
    printed = capsys.readouterr().out
    for heading in ("By part of the step", "By op type"):
        assert heading in printed
    totals = [line for line in printed.splitlines() if line.startswith("| all ops")]
    assert len(totals) == 2
    for line in totals:
        b_ms, c_ms = (float(cell) for cell in line.strip("|").split("|")[1:])
        assert b_ms > 0 and c_ms > 0  # each variant's traced ops were found
