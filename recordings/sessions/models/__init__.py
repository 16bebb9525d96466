"""The models of recording sessions and schedules (registered through `recordings.models`)."""
