"""A data host's webhook receiver, as a process of its own, for the portal's tests."""
