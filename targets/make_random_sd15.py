"""Write a Stable Diffusion 1.x-shaped diffusers folder with random weights, for sd-server.

No package on PyPI ships trained text-to-image weights, so targets/sd-server.sh serves this instead:
the server's code paths (text encoder, UNet, VAE, PNG encoding, the HTTP routes) run for real and the
images are noise. Only the protocol is judged on it, never a picture.
Needs torch, diffusers, transformers (>= 5) and safetensors; about 2 GB written, ~20 s.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from safetensors.torch import load_file, save_file
from transformers import CLIPTextConfig, CLIPTextModel


def build_unet() -> UNet2DConditionModel:
    """The SD1.5 UNet's shape: 4 latent channels, 768-wide cross-attention."""
    return UNet2DConditionModel(
        sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
        block_out_channels=(320, 640, 1280, 1280),
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        cross_attention_dim=768, attention_head_dim=8,
    )


def build_vae() -> AutoencoderKL:
    """The SD1.5 VAE's shape."""
    return AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2,
        block_out_channels=(128, 256, 512, 512),
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        sample_size=512,
    )


def build_text_encoder() -> CLIPTextModel:
    """CLIP ViT-L/14's text tower shape (what SD1.5 conditions on)."""
    return CLIPTextModel(CLIPTextConfig(
        vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
        num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=768,
    ))


def prefix_text_model_keys(path: Path) -> None:
    """Give every text-encoder tensor the `text_model.` prefix stable-diffusion.cpp looks names up by.

    transformers 5 saves CLIPTextModel's tensors without it; older releases wrote it.
    """
    tensors = load_file(str(path))
    renamed = {(k if k.startswith("text_model.") else f"text_model.{k}"): v.contiguous() for k, v in tensors.items()}
    save_file(renamed, str(path), metadata={"format": "pt"})


def main() -> None:
    """Write unet/, vae/ and text_encoder/ under the folder given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (created)")
    out = parser.parse_args().out
    torch.manual_seed(0)
    for name, module in (("unet", build_unet()), ("vae", build_vae()), ("text_encoder", build_text_encoder())):
        module.to(torch.float16).save_pretrained(out / name, safe_serialization=True)
        print(name, sum(p.numel() for p in module.parameters()), "parameters")
    prefix_text_model_keys(out / "text_encoder" / "model.safetensors")


if __name__ == "__main__":
    main()
