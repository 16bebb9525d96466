"""The moderation workflows: review, automatic checks, recognition."""
