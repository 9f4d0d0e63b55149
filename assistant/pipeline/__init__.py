"""The chain's steps, one file each, over one state (`Turn`). assistant/chain.py composes them in order:
screen, rewrite, retrieve, read, decide (decide.py holds the screen too), generate + verify, compose."""

from assistant.pipeline.turn import Turn

__all__ = ["Turn"]
