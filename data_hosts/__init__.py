"""Data hosts: the places that enforce access (docs/data-hosts.md). The portal pushes every
access change to the hosts that subscribed to it (webhooks signed per the Standard Webhooks
specification, sent from an outbox) and keeps a changes feed hosts read to resynchronise."""
