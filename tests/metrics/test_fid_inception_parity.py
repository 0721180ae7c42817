"""fid_inception_extractor against pytorch-fid's network (torch environment only).

pytorch-fid's `fid_inception_v3` (torchvision's Inception-v3 with the FID blocks) gets
random weights, written with `torch.save`; the Keras network
loads the file without torch and must give the same 2048 features (to 1e-4 relative). The reference
pipeline resizes with TF1's own `ResizeBilinear` op or with PIL, as the original FID
code and clean-fid do, and feeds pytorch-fid's network `(x - 128) / 128`.
"""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan.metrics import fid_inception_extractor

torch = pytest.importorskip("torch", reason="the reference network is PyTorch")


def _import_pytorch_fid():
    # The PyPI torchvision wheel is built against CUDA torch: with the CPU build its
    # compiled ops do not load, and its import then fails registering fake kernels for
    # the two ops it does not guard. Declaring their schemas lets the pure-Python parts
    # (the Inception modules) import; no torchvision op runs here.
    try:
        import torchvision  # noqa: F401
    except ImportError:
        pytest.skip("torchvision (for pytorch-fid) is not installed: the torch-reference extra")
    except RuntimeError:
        library = torch.library.Library("torchvision", "DEF")  # noqa: F841
        library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _import_pytorch_fid.library = library  # kept alive with the definitions
    return pytest.importorskip(
        "pytorch_fid.inception", reason="pytorch-fid is the reference (torch extra)"
    )


pytestmark = pytest.mark.skipif(
    keras.config.backend() != "torch", reason="the parity test runs on the torch backend"
)


@pytest.fixture(scope="module")
def reference():
    """pytorch-fid's FID network with random weights: conv He-scaled (activations stay
    O(1) through 90 layers), BatchNorm statistics and affine parameters random."""
    inception = _import_pytorch_fid()
    generator = torch.Generator().manual_seed(0)
    model_class = inception.torchvision.models.inception.Inception3
    original = model_class.load_state_dict
    # fid_inception_v3 always fetches the real weights: skip the fetch and the load.
    model_class.load_state_dict = lambda self, *args, **kwargs: None
    fetch = inception.load_state_dict_from_url
    inception.load_state_dict_from_url = lambda *args, **kwargs: {}
    try:
        network = inception.InceptionV3(resize_input=False, normalize_input=False)
    finally:
        model_class.load_state_dict = original
        inception.load_state_dict_from_url = fetch
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, torch.nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.normal_(0.0, (2.0 / fan_in) ** 0.5, generator=generator)
            elif isinstance(module, torch.nn.BatchNorm2d):
                size = module.num_features
                module.weight.copy_(0.5 + torch.rand(size, generator=generator))
                module.bias.copy_(0.1 * torch.randn(size, generator=generator))
                module.running_mean.copy_(0.1 * torch.randn(size, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(size, generator=generator))
    network.eval()
    # The state_dict keys of fid_inception_v3, as in pytorch-fid's weights file.
    names = {"blocks.0.0": "Conv2d_1a_3x3", "blocks.0.1": "Conv2d_2a_3x3"}
    names.update({"blocks.0.2": "Conv2d_2b_3x3", "blocks.1.0": "Conv2d_3b_1x1"})
    names.update({"blocks.1.1": "Conv2d_4a_3x3"})
    mixed = ["5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e"]
    names.update({f"blocks.2.{i}": f"Mixed_{m}" for i, m in enumerate(mixed)})
    names.update({f"blocks.3.{i}": f"Mixed_{m}" for i, m in enumerate(["7a", "7b", "7c"])})
    state = {}
    for key, value in network.state_dict().items():
        block = ".".join(key.split(".")[:3])
        state[names[block] + key[len(block) :]] = value
    return network, state


def _tf1_resize(images):
    """TF1's `resize_bilinear(align_corners=False, half_pixel_centers=False)`: the op."""
    import tensorflow as tf

    return tf.raw_ops.ResizeBilinear(
        images=images, size=[299, 299], align_corners=False, half_pixel_centers=False
    ).numpy()


def _pil_resize(images):
    """clean-fid's resize: each channel a float PIL image, bicubic, clipped to [0, 255]."""
    out = np.empty(images.shape[:1] + (299, 299, images.shape[-1]), "float32")
    for i, image in enumerate(images):
        for c in range(image.shape[-1]):
            channel = Image.fromarray(image[..., c].astype("float32"), mode="F")
            out[i, ..., c] = np.asarray(channel.resize((299, 299), Image.BICUBIC))
    return np.clip(out, 0, 255)


@pytest.mark.parametrize("resize, size", [("legacy_tensorflow", (37, 45)), ("clean", (300, 301))])
def test_features_match_pytorch_fid(reference, tmp_path, resize, size):
    network, state = reference
    path = str(tmp_path / "weights.pth")
    torch.save(state, path)
    extractor = fid_inception_extractor(path, resize=resize)
    images = np.random.default_rng(0).integers(0, 256, (2, *size, 3)).astype("uint8")
    resized = (_tf1_resize if resize == "legacy_tensorflow" else _pil_resize)(
        images.astype("float32")
    )
    with torch.no_grad():
        inputs = torch.from_numpy((resized - 128.0) / 128.0).permute(0, 3, 1, 2)
        expected = network(inputs.float())[0].reshape(2, 2048).numpy()
    features = keras.ops.convert_to_numpy(extractor.predict_on_batch(images))
    assert np.abs(expected).mean() > 0.1  # the features are not vanishing
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
