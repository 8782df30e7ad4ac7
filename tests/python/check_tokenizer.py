"""Tokenizes strings with HuggingFace's own `tokenizers` package, for comparison with DJL.

Usage: check_tokenizer.py TOKENIZER_JSON MAX_LENGTH STRINGS_JSON
Prints a JSON list of {"ids": [...], "mask": [...]} (truncated and padded to MAX_LENGTH, special
tokens added), one per input string — the settings feature extraction uses.
"""
import json
import sys

from tokenizers import Tokenizer


def main():
    tok = Tokenizer.from_file(sys.argv[1])
    n = int(sys.argv[2])
    with open(sys.argv[3], encoding="utf-8") as f:
        strings = json.load(f)
    tok.enable_truncation(max_length=n)
    tok.enable_padding(length=n, pad_id=0, pad_token="[PAD]")
    out = [{"ids": e.ids, "mask": e.attention_mask} for e in tok.encode_batch(strings)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
