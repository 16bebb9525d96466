"""Review: moderation of recording files — the queue, verdicts, automatic checks, recognition, interactions."""
