"""The fake tokenizer: a fixed vocabulary of short English words, token id = index."""

from __future__ import annotations

import hashlib
import re

# 200 distinct lower-case words; the order is the token id and must never change.
VOCAB: tuple[str, ...] = tuple("""
the a an and or but if then so as of to in on at by for with from up down over under
about into out off near far here there now soon later today night day time year week hour
good bad big small new old long short high low hot cold warm cool fast slow early late
red blue green white black gold silver bright dark soft hard light heavy clean fresh quiet
cat dog bird fish horse mouse lion bear wolf fox owl frog bee ant duck goat sheep cow
tree leaf rock river lake sea sky sun moon star rain snow wind cloud hill field road path
house door window room wall roof garden bridge tower city town village market school shop
bread cake milk tea soup rice apple pear plum lemon honey salt sugar egg cheese corn bean
run walk jump swim fly sing read write draw paint cook eat drink sleep dream think know
see hear feel look find keep give take make build grow hold open close stay wait play rest
friend child story song book letter word page map key ring coin box cup
pen hat shoe coat bell lamp bed chair
""".split())

assert len(VOCAB) == 200 and len(set(VOCAB)) == 200, "vocabulary must be 200 distinct words"

_PIECES = re.compile(r"\s*\S+|\s+")


def token_id(word: str) -> int:
    """The token id of a vocabulary word (ValueError if it is not one)."""
    return VOCAB.index(word)


def vocab_id(raw_id: int) -> int:
    """Map any non-negative id onto the vocabulary, so ids from a real tokenizer still bite."""
    return raw_id % len(VOCAB)


def token_text(token: int, position: int) -> str:
    """A token's text: the word, with a leading space unless it starts the output."""
    return VOCAB[token] if position == 0 else " " + VOCAB[token]


def split_text(text: str) -> list[str]:
    """Split arbitrary text into word-like pieces that concatenate back to it exactly."""
    return _PIECES.findall(text)


def count_words(text: str) -> int:
    """The fake prompt token count of a text: its whitespace-separated words."""
    return len(text.split())


def stable_hash(*parts: object) -> int:
    """A 64-bit hash that is the same in every process (unlike hash() on str)."""
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")
