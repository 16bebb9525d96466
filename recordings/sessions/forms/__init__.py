"""The forms of recording sessions and schedules."""
