"""Alerts: the outbox, messages and their templates, channels' delivery, secrets."""
