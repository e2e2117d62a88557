"""Train the tiny CLIP test model on drawn coloured shapes.

The model uses open_clip's real CLIP architecture (a ViT image tower and a transformer text tower with
the standard 49,408-token BPE vocabulary), only very small. It proves the image-text pipeline end to end
(load, preprocess, tokenise, encode, compare); it knows 4 colours x 3 shapes and nothing else.

Reproduce the committed weights (from the repository root):

    python resources/models/tiny-clip/train_tiny_clip.py --steps 500 --out resources/models/tiny-clip

Load them the way the product does:

    open_clip.add_model_config("resources/models/tiny-clip/tiny-clip.json")
    model, _, preprocess = open_clip.create_model_and_transforms(
        "tiny-clip", pretrained="resources/models/tiny-clip/tiny-clip.safetensors")
    tokenizer = open_clip.get_tokenizer("tiny-clip")
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT))

from mediarec.media.shapes import CAPTION_TEMPLATES, COLOURS, SHAPES, caption, draw_shape  # noqa: E402

MODEL_NAME = "tiny-clip"
MODEL_CONFIG = {
    "embed_dim": 64,
    "vision_cfg": {
        "image_size": 64,
        "patch_size": 8,
        "layers": 3,
        "width": 128,
        "head_width": 32,
        "mlp_ratio": 2,
    },
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 128, "heads": 4, "layers": 2},
}
CLASSES = [(shape, colour) for colour in COLOURS for shape in SHAPES]
# Frames reach the model at many sizes (64 px drawings, 128-256 px video frames) and are all resized to
# 64 by open_clip's preprocess; training on every size keeps the resize artefacts familiar.
TRAIN_DRAW_SIZES = (48, 64, 80, 96, 128, 160, 192, 256)
EVAL_IMAGES_PER_CLASS = 20
SEED = 1234
EVAL_SEED = 98765


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=500, help="optimiser steps (default 500)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output folder")
    parser.add_argument("--per-class", type=int, default=4, help="images of each of the 12 classes per batch")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    return parser.parse_args()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def write_config(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    config_path = out_dir / f"{MODEL_NAME}.json"
    config_path.write_text(json.dumps(MODEL_CONFIG, indent=4) + "\n", encoding="utf-8")
    return config_path


def make_batch(rng: np.random.Generator, per_class: int, preprocess, tokenizer):
    """Every class appears per_class times, each image with a randomly chosen caption template."""
    images, captions, labels = [], [], []
    for label, (shape, colour) in enumerate(CLASSES):
        for _ in range(per_class):
            size = int(rng.choice(TRAIN_DRAW_SIZES))
            pixels = draw_shape(shape, colour, size=size, rng=rng)
            images.append(preprocess(Image.fromarray(pixels)))
            captions.append(caption(shape, colour, int(rng.integers(len(CAPTION_TEMPLATES)))))
            labels.append(label)
    return torch.stack(images), tokenizer(captions), torch.tensor(labels)


def multi_positive_clip_loss(image_features, text_features, logit_scale, labels) -> torch.Tensor:
    """Symmetric InfoNCE (CLIP loss) where every caption of the same class counts as a positive.

    The batch holds several images of each class; plain ClipLoss would push same-class pairs apart
    as false negatives, so the one-hot target is replaced by a uniform target over the class.
    """
    logits = logit_scale * image_features @ text_features.T
    same_class = (labels[:, None] == labels[None, :]).float()
    targets = same_class / same_class.sum(dim=1, keepdim=True)
    image_to_text = torch.sum(-targets * F.log_softmax(logits, dim=1), dim=1).mean()
    text_to_image = torch.sum(-targets * F.log_softmax(logits.T, dim=1), dim=1).mean()
    return (image_to_text + text_to_image) / 2


def build_optimizer(model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    # Standard CLIP practice: no weight decay on gains, biases, embeddings of class/position, logit scale.
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        is_matrix = param.ndim >= 2 and "embedding" not in name and "class_embedding" not in name
        (decay if is_matrix else no_decay).append(param)
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr,
        betas=(0.9, 0.98),
        eps=1e-6,
    )


def learning_rate(step: int, total: int, peak: float) -> float:
    warmup = max(1, total // 10)
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def train(model, preprocess, tokenizer, args: argparse.Namespace) -> float:
    rng = np.random.default_rng(SEED)
    optimizer = build_optimizer(model, args.lr)
    model.train()
    started = time.perf_counter()
    for step in range(args.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.lr)
        images, texts, labels = make_batch(rng, args.per_class, preprocess, tokenizer)
        image_features = F.normalize(model.encode_image(images), dim=-1)
        text_features = F.normalize(model.encode_text(texts), dim=-1)
        loss = multi_positive_clip_loss(image_features, text_features, model.logit_scale.exp(), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if step % 50 == 0 or step == args.steps - 1:
            elapsed = time.perf_counter() - started
            print(f"step {step:4d}  loss {loss.item():.4f}  {elapsed:6.1f} s", flush=True)
    return time.perf_counter() - started


@torch.no_grad()
def evaluate(model, preprocess, tokenizer, draw_size: int) -> tuple[float, float]:
    """12-way zero-shot accuracy and mean cosine gap (true caption minus best wrong one) on fresh images."""
    model.eval()
    rng = np.random.default_rng(EVAL_SEED + draw_size)
    prompts = [caption(shape, colour) for shape, colour in CLASSES]
    text_features = F.normalize(model.encode_text(tokenizer(prompts)), dim=-1)
    images, labels = [], []
    for label, (shape, colour) in enumerate(CLASSES):
        for _ in range(EVAL_IMAGES_PER_CLASS):
            images.append(preprocess(Image.fromarray(draw_shape(shape, colour, size=draw_size, rng=rng))))
            labels.append(label)
    image_features = F.normalize(model.encode_image(torch.stack(images)), dim=-1)
    similarity = image_features @ text_features.T
    labels_tensor = torch.tensor(labels)
    accuracy = (similarity.argmax(dim=1) == labels_tensor).float().mean().item()
    true_cosine = similarity[torch.arange(len(labels)), labels_tensor]
    wrong = similarity.clone()
    wrong[torch.arange(len(labels)), labels_tensor] = -2.0
    gap = (true_cosine - wrong.max(dim=1).values).mean().item()
    return accuracy, gap


def save_weights(model: torch.nn.Module, out_dir: Path) -> Path:
    # float16 halves the file (the 49,408 x 128 token table dominates); open_clip casts it back to the
    # float32 model on load.
    state = {
        name: tensor.detach().to(torch.float16).contiguous() for name, tensor in model.state_dict().items()
    }
    weights_path = out_dir / f"{MODEL_NAME}.safetensors"
    save_file(state, str(weights_path), metadata={"format": "pt", "model": MODEL_NAME})
    return weights_path


def report(model, preprocess, tokenizer, label: str) -> None:
    total = len(CLASSES) * EVAL_IMAGES_PER_CLASS
    for draw_size in (64, 128, 256):
        accuracy, gap = evaluate(model, preprocess, tokenizer, draw_size)
        print(
            f"{label}: {total} held-out images drawn at {draw_size} px: 12-way accuracy {accuracy:.3f}, cosine gap {gap:.3f}"
        )


def main() -> None:
    args = parse_args()
    seed_everything(SEED)
    torch.set_num_threads(args.threads)
    config_path = write_config(args.out)
    open_clip.add_model_config(config_path)
    model, _, preprocess = open_clip.create_model_and_transforms(MODEL_NAME)
    tokenizer = open_clip.get_tokenizer(MODEL_NAME)
    parameters = sum(p.numel() for p in model.parameters())
    print(
        f"{MODEL_NAME}: {parameters:,} parameters; training {args.steps} steps of {args.per_class * len(CLASSES)}"
    )
    seconds = train(model, preprocess, tokenizer, args)
    print(f"training took {seconds:.1f} s")
    weights_path = save_weights(model, args.out)
    print(f"wrote {config_path} and {weights_path} ({weights_path.stat().st_size / 1e6:.1f} MB)")

    # Measure the saved float16 file through the exact path the product uses.
    reloaded, _, reloaded_preprocess = open_clip.create_model_and_transforms(
        MODEL_NAME, pretrained=str(weights_path)
    )
    report(reloaded, reloaded_preprocess, open_clip.get_tokenizer(MODEL_NAME), "reloaded")


if __name__ == "__main__":
    main()
