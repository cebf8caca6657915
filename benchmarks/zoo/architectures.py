"""Build the zoo's architectures from the libraries, with random weights (never a hub download).

torchvision and timm models keep their real depth; transformers models are built from small configs
(hidden 64, 2 layers, vocabulary 1000). Each builder returns an nn.Module whose forward takes the
catalogue's inputs positionally and returns the catalogue's outputs as tensors (no dicts, no caches)."""
from __future__ import annotations

import torch
from torch import nn

from benchmarks.zoo import torchvision_shim

torchvision_shim.install()

SMALL = {"hidden": 64, "layers": 2, "heads": 4, "ffn": 128, "vocab": 1000, "positions": 64}


class Pick(nn.Module):
    """Call `net` with the inputs by keyword and return the named fields of its output."""

    def __init__(self, net: nn.Module, input_names: tuple[str, ...], fields: tuple[str, ...]):
        super().__init__()
        self.net = net
        self.input_names = input_names
        self.fields = fields

    def forward(self, *inputs):
        out = self.net(**dict(zip(self.input_names, inputs)))
        picked = tuple(out[f] if isinstance(out, dict) else getattr(out, f) for f in self.fields)
        return picked[0] if len(picked) == 1 else picked


class SegmentationOut(nn.Module):
    """torchvision segmentation models return {"out": ...}: return the tensor."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)["out"]


class MeanPooled(nn.Module):
    """A sentence-embedding model: encoder states averaged over the unmasked tokens."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask):
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def _torchvision(name: str) -> nn.Module:
    import torchvision

    if name in ("deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large", "fcn_resnet50"):
        factory = getattr(torchvision.models.segmentation, name)
        return SegmentationOut(factory(weights=None, weights_backbone=None))
    if name == "r3d_18":
        return torchvision.models.video.r3d_18(weights=None)
    kwargs = {"init_weights": True} if name in ("inception_v3", "googlenet") else {}
    return getattr(torchvision.models, name)(weights=None, **kwargs)


def _timm(name: str) -> nn.Module:
    import timm

    return timm.create_model(name, pretrained=False)


def _hf(name: str) -> nn.Module:
    import transformers as t

    s = SMALL
    common = dict(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                  num_attention_heads=s["heads"], intermediate_size=s["ffn"], max_position_embeddings=s["positions"])
    text = ("input_ids", "attention_mask")
    decoder = ("input_ids", "attention_mask", "decoder_input_ids")
    seq2seq = dict(vocab_size=s["vocab"], d_model=s["hidden"], encoder_layers=s["layers"], decoder_layers=s["layers"],
                   encoder_attention_heads=s["heads"], decoder_attention_heads=s["heads"], encoder_ffn_dim=s["ffn"],
                   decoder_ffn_dim=s["ffn"], max_position_embeddings=s["positions"])
    t5 = dict(vocab_size=s["vocab"], d_model=s["hidden"], d_kv=16, d_ff=s["ffn"], num_layers=s["layers"],
              num_heads=s["heads"], use_cache=False)
    causal = dict(common, num_key_value_heads=2, use_cache=False)
    if name == "bert":
        return Pick(t.BertForSequenceClassification(t.BertConfig(**common)), text, ("logits",))
    if name == "deberta_v2":
        config = t.DebertaV2Config(**common, relative_attention=True, position_buckets=32,
                                   pos_att_type=["p2c", "c2p"], max_relative_positions=-1)
        return Pick(t.DebertaV2ForSequenceClassification(config), text, ("logits",))
    if name == "sentence_embedding":
        return MeanPooled(t.BertModel(t.BertConfig(**common), add_pooling_layer=False))
    if name == "t5_encoder":
        return Pick(t.T5EncoderModel(t.T5Config(**t5)), text, ("last_hidden_state",))
    if name == "t5":
        return Pick(t.T5ForConditionalGeneration(t.T5Config(**t5, decoder_start_token_id=0)), decoder, ("logits",))
    if name == "bart":
        return Pick(t.BartForConditionalGeneration(t.BartConfig(**seq2seq, use_cache=False)), decoder, ("logits",))
    if name == "gpt2":
        config = t.GPT2Config(vocab_size=s["vocab"], n_embd=s["hidden"], n_layer=s["layers"], n_head=s["heads"],
                              n_positions=s["positions"], use_cache=False)
        return Pick(t.GPT2LMHeadModel(config), ("input_ids",), ("logits",))
    if name == "llama":
        return Pick(t.LlamaForCausalLM(t.LlamaConfig(**causal)), ("input_ids",), ("logits",))
    if name == "mistral":
        return Pick(t.MistralForCausalLM(t.MistralConfig(**causal, sliding_window=8)), ("input_ids",), ("logits",))
    if name == "qwen2":
        return Pick(t.Qwen2ForCausalLM(t.Qwen2Config(**causal)), ("input_ids",), ("logits",))
    if name == "hf_vit":
        config = t.ViTConfig(image_size=64, patch_size=16, hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                             num_attention_heads=s["heads"], intermediate_size=s["ffn"], num_labels=10)
        return Pick(t.ViTForImageClassification(config), ("pixel_values",), ("logits",))
    if name == "wav2vec2":
        config = t.Wav2Vec2Config(vocab_size=32, hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                                  num_attention_heads=s["heads"], intermediate_size=s["ffn"], conv_dim=(32,) * 7,
                                  num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
        return Pick(t.Wav2Vec2ForCTC(config), ("input_values",), ("logits",))
    if name == "whisper_encoder":
        config = t.WhisperConfig(num_mel_bins=80, max_source_positions=100, d_model=s["hidden"],
                                 encoder_layers=s["layers"], encoder_attention_heads=s["heads"],
                                 encoder_ffn_dim=s["ffn"], decoder_layers=1, decoder_attention_heads=s["heads"],
                                 decoder_ffn_dim=s["ffn"], vocab_size=s["vocab"], num_labels=5)
        return Pick(t.WhisperForAudioClassification(config), ("input_features",), ("logits",))
    if name == "clip":
        config = t.CLIPConfig(
            text_config=dict(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                             num_attention_heads=s["heads"], intermediate_size=s["ffn"], max_position_embeddings=16),
            vision_config=dict(image_size=64, patch_size=16, hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                               num_attention_heads=s["heads"], intermediate_size=s["ffn"]),
            projection_dim=32)
        return Pick(t.CLIPModel(config), ("input_ids", "attention_mask", "pixel_values"), ("logits_per_image",))
    raise KeyError(f"unknown transformers architecture {name!r}")


BUILDERS = {"torchvision": _torchvision, "timm": _timm, "hf": _hf}


def build(arch: str) -> nn.Module:
    """`library:name` -> the module in eval mode (weights random: seed torch first for reproducibility)."""
    library, _, name = arch.partition(":")
    module = BUILDERS[library](name)
    return module.eval()


class ZooModule(nn.Module):
    """The importable class for state_dict checkpoints: `--model-class benchmarks.zoo.architectures:ZooModule
    --model-kwargs '{"arch": "torchvision:resnet18"}'` builds the architecture (the shim is applied on import)."""

    def __init__(self, arch: str):
        super().__init__()
        self.net = build(arch)

    def forward(self, input0, input1=None, input2=None):
        """Named positional inputs (up to three), not *args: exporters map names and shapes to them."""
        return self.net(*(t for t in (input0, input1, input2) if t is not None))


@torch.no_grad()
def randomize_zero_weights(module: nn.Module, std: float = 0.02) -> int:
    """Give small random weights to the Linear and convolution layers that their library initialises to zero
    (torchvision's ViT head, timm's MLP-Mixer and ResMLP heads): with them every output is 0 and parity would
    compare zeros. Returns how many layers were changed (seed torch first for reproducibility)."""
    layers = [m for m in module.modules() if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd))
              and m.weight is not None and not m.weight.any()]
    for layer in layers:
        nn.init.normal_(layer.weight, std=std)
    return len(layers)


@torch.no_grad()
def calibrate_batchnorm(module: nn.Module, make_batch, batches: int = 4) -> int:
    """Set BatchNorm running statistics from a few random batches (train-mode forwards, cumulative average),
    so the eval-mode outputs are not degenerate; returns how many BatchNorm layers were calibrated."""
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return 0
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    module.train()
    for index in range(batches):
        module(*make_batch(index))
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    module.eval()
    return len(norms)
